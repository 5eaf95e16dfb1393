from odoo import fields, models


class SmsOutboundMessage(models.Model):
    _inherit = 'sms.outbound.message'

    origin = fields.Selection(
        selection_add=[('mailing', 'SMS Mailing'), ('mailing_test', 'SMS Mailing Test')],
        ondelete={'mailing': 'set default', 'mailing_test': 'set default'})
    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True, index='btree_not_null',
                                 ondelete='set null')

    def _notify_failed(self, at_sending):
        # a recipient who opted out at the provider replied STOP there
        return super(SmsOutboundMessage, self.with_context(sms_consent_channel='reply'))._notify_failed(at_sending)
