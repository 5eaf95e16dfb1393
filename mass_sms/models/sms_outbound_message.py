from odoo import fields, models


class SmsOutboundMessage(models.Model):
    _inherit = 'sms.outbound.message'

    origin = fields.Selection(
        selection_add=[('mailing', 'SMS Mailing'), ('mailing_test', 'SMS Mailing Test')],
        ondelete={'mailing': 'set default', 'mailing_test': 'set default'})
    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True, index='btree_not_null',
                                 ondelete='set null')
    mailing_retried = fields.Boolean(
        'Retried', readonly=True,
        help="A retry of the mailing sent its recipient a new SMS in place of this failed one: the mailing's "
             "figures count the new one.")
    mailing_recipient = fields.Char('Mailing Recipient', compute='_compute_mailing_recipient',
                                    help="The record the mailing sent this SMS to, such as a mailing contact.")

    # the frequency cap looks up the marketing SMS that numbers received lately
    _mailing_number_idx = models.Index("(number, claim_date) WHERE origin = 'mailing'")

    def _compute_mailing_recipient(self):
        self.mailing_recipient = False
        mailing_messages = self.filtered(lambda message: message.origin == 'mailing')
        trackers = self.env['sms.tracker'].sudo().search(
            [('sms_uuid', 'in', mailing_messages.mapped('sms_uuid')), ('mailing_trace_id', '!=', False)])
        trace_by_uuid = {tracker.sms_uuid: tracker.mailing_trace_id for tracker in trackers}
        for message in mailing_messages:
            if trace := trace_by_uuid.get(message.sms_uuid):
                message.mailing_recipient = trace.sms_recipient_name

    def _notify_failed(self, *args, **kwargs):
        # a recipient who opted out at the provider replied STOP there
        return super(SmsOutboundMessage, self.with_context(sms_consent_channel='reply'))._notify_failed(
            *args, **kwargs)
