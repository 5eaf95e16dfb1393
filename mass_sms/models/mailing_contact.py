from odoo import models


class MailingContact(models.Model):
    _inherit = 'mailing.contact'

    def action_view_consent_entries(self):
        return self.env['sms.consent.entry']._action_for_numbers(self.mapped('phone_sanitized'))
