from odoo import models


class MailingMailing(models.Model):
    _inherit = 'mailing.mailing'

    def _compute_sms_has_iap_failure(self):
        """Odoo's banners offer to buy IAP credits or register an IAP account: they do not apply
        when the company's SMS leave through its own SMS gateways."""
        super()._compute_sms_has_iap_failure()
        if self.env['sms.gateway.bridge'].sudo().search_count([('company_id', '=', self.env.company.id)], limit=1):
            self.sms_has_insufficient_credit = self.sms_has_unregistered_account = False
