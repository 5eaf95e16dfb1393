from odoo import models


class SmsComposer(models.TransientModel):
    _inherit = 'sms.composer'

    def _get_unsubscribe_url(self, mailing_id, trace_code):
        return self.env['mailing.trace']._sms_optout_url(trace_code)

    def _prepare_mass_sms_values(self, records):
        result = super()._prepare_mass_sms_values(records)
        if self._is_mass_sms() and self.mailing_id.sms_gateway_bridge_id:
            for sms_values in result.values():
                sms_values['gateway_bridge_id'] = self.mailing_id.sms_gateway_bridge_id.id
        return result
