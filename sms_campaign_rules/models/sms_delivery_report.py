from odoo import fields, models
from odoo.fields import Domain


class SmsDeliveryReport(models.Model):
    """Compatibility shim, to remove once sms_gateway_bridge is fixed: since delivery reports
    match send attempts, ``sms.outbound.message._send_claimed`` still searches reports by
    ``sms_uuid``, a field they lost, and every send through a bridge fails. The reports of an
    SMS are those of its outbound message's attempt or provider message id."""
    _inherit = 'sms.delivery.report'

    sms_uuid = fields.Char('SMS UUID', compute='_compute_sms_uuid', search='_search_sms_uuid')

    def _compute_sms_uuid(self):
        by_attempt = {message.attempt_id: message.sms_uuid for message in self._messages()}
        for report in self:
            report.sms_uuid = by_attempt.get(report.attempt_id, False)

    def _search_sms_uuid(self, operator, value):
        if operator != 'in':
            return NotImplemented
        messages = self.env['sms.outbound.message'].sudo().search([('sms_uuid', 'in', list(value))])
        return Domain('attempt_id', 'in', [attempt for attempt in messages.mapped('attempt_id') if attempt]) | \
            Domain('provider_message_id', 'in', [pid for pid in messages.mapped('provider_message_id') if pid])
