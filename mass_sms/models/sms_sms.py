from odoo import models


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    def _prepare_outbound_values(self, bridge):
        values = super()._prepare_outbound_values(bridge)
        if self.mailing_id:
            values.update(origin='mailing', mailing_id=self.mailing_id.id)
        return values
