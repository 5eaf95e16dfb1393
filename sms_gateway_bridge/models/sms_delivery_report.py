import logging
from datetime import timedelta

from odoo import api, fields, models

from ..providers import DeliveryState
from ..tools.jobs import lock_unchanged

_logger = logging.getLogger(__name__)

UNMATCHED_REPORT_DAYS = 2  # a report whose message never shows up is dropped after this


class SmsDeliveryReport(models.Model):
    """A delivery report received from a provider, waiting to be applied to its outbound message.

    Reports are stored before they are applied: a report the provider hands out only once
    survives a worker that dies right after reading it, and a report that arrives while its
    message is still being sent waits until the provider's answer to the send is recorded.
    """
    _name = 'sms.delivery.report'
    _description = 'SMS Delivery Report'
    _order = 'id'

    bridge_id = fields.Many2one('sms.gateway.bridge', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='bridge_id.company_id', store=True, precompute=True)
    attempt_id = fields.Char(index='btree_not_null')
    provider_message_id = fields.Char(required=True)
    state = fields.Selection([(state.value, state.name.title()) for state in DeliveryState], required=True)
    failure = fields.Selection(selection=lambda self: self.env['sms.outbound.message']._fields['failure'].selection)
    error_code = fields.Char()
    error_message = fields.Text()
    segments = fields.Integer()
    price = fields.Float(digits=(16, 5))
    price_currency = fields.Char()

    @api.model
    def _store(self, bridge, reports):
        return self.sudo().create([{
            'bridge_id': bridge.id,
            'attempt_id': report.attempt_id,
            'provider_message_id': report.provider_message_id,
            'state': report.state.value,
            'failure': report.failure.value if report.failure else False,
            'error_code': report.error_code,
            'error_message': bridge.env._(report.error_message) if report.error_message else False,
            'segments': report.segments,
            'price': report.price,
            'price_currency': report.currency,
        } for report in reports])

    def _apply(self):
        """Apply these reports to their outbound messages, oldest first, then forget them; return
        the messages they moved. Reports of a message whose sender is still recording the
        provider's answer wait for a later run; reports another transaction is applying are skipped."""
        reports = lock_unchanged(self.sorted('id')) or self.browse()
        messages = reports._messages()
        by_attempt = {m.attempt_id: m for m in messages if m.attempt_id}
        by_provider_id = {m.provider_message_id: m for m in messages if m.provider_message_id}
        updates = []
        for report in reports:
            message = by_attempt.get(report.attempt_id) or by_provider_id.get(report.provider_message_id)
            if message and not (message.state == 'pending' and message.claim_token):
                updates.append((message, report))
        self.env['sms.outbound.message']._apply_reports(updates)
        self.browse(report.id for _message, report in updates).unlink()
        return self.env['sms.outbound.message'].sudo().concat(*(message for message, _report in updates))

    def _messages(self):
        # attempt ids and provider message ids are unique across bridges: two bridges on one provider
        # account may collect each other's reports
        return self.env['sms.outbound.message'].sudo().search([
            '|', ('attempt_id', 'in', [attempt for attempt in self.mapped('attempt_id') if attempt]),
            ('provider_message_id', 'in', self.mapped('provider_message_id')),
        ])

    @api.autovacuum
    def _gc_unmatched_reports(self):
        limit = fields.Datetime.now() - timedelta(days=UNMATCHED_REPORT_DAYS)
        stale = self.sudo().search([('create_date', '<', limit)])
        if stale:
            _logger.warning("Dropped %d SMS delivery reports whose message never showed up", len(stale))
            stale.unlink()
