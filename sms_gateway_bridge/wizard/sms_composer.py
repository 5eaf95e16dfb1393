from odoo import models


class SmsComposer(models.TransientModel):
    _inherit = 'sms.composer'

    def _prepare_mass_sms_values(self, records):
        """Mass SMS are sent by the bridges of their record's company."""
        values_by_id = super()._prepare_mass_sms_values(records)
        if 'company_id' in records._fields:
            for record in records:
                values_by_id[record.id]['company_id'] = record.company_id.id or self.env.company.id
        return values_by_id
