from odoo import models

from ..tools.sms_api import SmsApiBridge


class ResCompany(models.Model):
    _inherit = 'res.company'

    def _get_sms_api_class(self):
        self.ensure_one()
        if self.env['sms.gateway.bridge'].sudo().search_count([('company_id', '=', self.id)], limit=1):
            return SmsApiBridge
        return super()._get_sms_api_class()
