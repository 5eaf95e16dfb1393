from odoo import fields, models


class SmsSms(models.Model):
    _inherit = 'sms.sms'

    mailing_test_id = fields.Many2one(
        'mailing.mailing', 'Test of SMS Mailing', readonly=True, index='btree_not_null', ondelete='set null',
        help="A sample of this mailing sent from its Test button: no part of the mailing's sending.")

    def _prepare_outbound_values(self, bridge):
        values = super()._prepare_outbound_values(bridge)
        if self.mailing_id:
            values.update(origin='mailing', mailing_id=self.mailing_id.id)
        elif self.mailing_test_id:
            values.update(origin='mailing_test', mailing_id=self.mailing_test_id.id)
        return values
