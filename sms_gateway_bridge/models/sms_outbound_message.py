import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyGettext, LazyTranslate

from ..providers import FALLBACK_FAILURES, PROVIDERS, DeliveryState, Failure, OutgoingSms, ProviderError
from ..tools.jobs import commit_progress

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

# A claim is committed a moment before its rows are locked for sending: recovery leaves younger
# claims alone (seconds).
CLAIM_RECOVERY_DELAY = 120
INTERRUPTED = _lt("the worker sending it stopped before recording the provider's answer, "
                  "and the provider cannot be asked whether it got the message.")
RETENTION_DAYS = 180
REPORTS_PER_RUN = 20000  # stored delivery reports the polling job applies per run

# Forward-only: a message only moves to a state of higher rank. "No delivery report" gives up
# waiting without being final: a late report may still say delivered or failed.
STATE_RANK = {'pending': 0, 'waiting': 1, 'sent': 2, 'no_report': 3, 'delivered': 4, 'failed': 4}
REPORT_STATES = {
    DeliveryState.ACCEPTED.value: 'waiting',
    DeliveryState.SENT.value: 'sent',
    DeliveryState.DELIVERED.value: 'delivered',
    DeliveryState.FAILED.value: 'failed',
}
# Failures as Odoo's notifications and mailing traces know them (see sms.tracker): bounces...
TRACKER_PROVIDER_ERRORS = {
    Failure.NUMBER: 'invalid_destination', Failure.OPT_OUT: 'rejected', Failure.EXPIRED: 'expired',
}
# ... and exceptions, also kept on the sms.sms.
SMS_FAILURE_TYPES = {
    Failure.NUMBER: 'sms_number_format',
    Failure.OPT_OUT: 'sms_blacklist',
    Failure.ACCOUNT: 'sms_acc',
    Failure.UNAVAILABLE: 'sms_server',
}


class SmsOutboundMessage(models.Model):
    """One SMS handed to a bridge: what was sent, through which bridge, and its fate."""
    _name = 'sms.outbound.message'
    _description = 'Outbound SMS'
    _order = 'id desc'
    _rec_name = 'number'

    sms_uuid = fields.Char('SMS UUID', required=True, readonly=True, index=True)
    attempt_id = fields.Char(
        'Attempt ID', readonly=True, index=True, copy=False,
        help="Our id of the latest attempt at sending this message, new at every attempt: the provider "
             "knows the attempt by it, so that a report of an earlier attempt never applies to a later one.")
    # only the system writes these records, with the bridge's company: no company check to pay for
    bridge_id = fields.Many2one('sms.gateway.bridge', 'Bridge', required=True, readonly=True, index=True,
                                ondelete='restrict')
    company_id = fields.Many2one(related='bridge_id.company_id', store=True, precompute=True)
    number = fields.Char(required=True, readonly=True)
    body = fields.Text(readonly=True)
    partner_id = fields.Many2one('res.partner', 'Recipient', readonly=True, index='btree_not_null')
    origin = fields.Selection([('chatter', 'Chatter'), ('other', 'Other')], required=True, default='other',
                              readonly=True, help="What sent the message.")
    mail_message_id = fields.Many2one('mail.message', 'Chatter Message', readonly=True, index='btree_not_null',
                                      ondelete='set null')
    state = fields.Selection([
        ('pending', 'Pending'),
        ('waiting', 'Waiting for Delivery Report'),
        ('sent', 'Sent'),
        ('delivered', 'Delivered'),
        ('failed', 'Failed'),
        ('no_report', 'No Delivery Report'),
    ], required=True, default='pending', readonly=True, index=True)
    failure = fields.Selection([  # the values of providers.Failure
        ('number', 'Wrong Number'),
        ('opt_out', 'Recipient Opted Out'),
        ('expired', 'Expired'),
        ('message', 'Message Refused'),
        ('account', 'Provider Account'),
        ('unavailable', 'Provider Unavailable'),
    ], readonly=True)
    error_code = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    needs_review = fields.Boolean(
        readonly=True,
        help="The bridge may or may not have taken this message (no answer, or a worker stopped mid-send) "
             "and cannot be asked: resend it or mark it as sent.")
    provider_message_id = fields.Char('Provider Message ID', readonly=True, index='btree_not_null')
    segments = fields.Integer(readonly=True)
    price = fields.Float(readonly=True, digits=(16, 5))
    price_currency = fields.Char('Currency', readonly=True)
    claim_date = fields.Datetime('Queued On', readonly=True, help="When the queue job took the message to send it.")
    sent_date = fields.Datetime('Accepted On', readonly=True, help="When the bridge took the message.")
    done_date = fields.Datetime('Delivered or Failed On', readonly=True)
    last_poll_date = fields.Datetime(readonly=True, help="When the provider was last asked for its status.")

    _sms_uuid_unique = models.Constraint('unique(sms_uuid)', "One outbound message per SMS.")

    @api.model
    def _new_attempt_values(self):
        """What a message forgets of its previous attempt when it is sent again."""
        return {'state': 'pending', 'failure': False, 'error_code': False, 'error_message': False,
                'needs_review': False, 'provider_message_id': False, 'segments': 0, 'price': 0.0,
                'price_currency': False, 'sent_date': False, 'done_date': False, 'last_poll_date': False}

    def _lock(self, skip_locked=False):
        """Row-lock these messages until the end of the transaction; return those locked."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(SQL(
            "SELECT id FROM sms_outbound_message WHERE id IN %s FOR NO KEY UPDATE %s",
            tuple(self.ids), SQL('SKIP LOCKED') if skip_locked else SQL()))
        return self.browse(row[0] for row in self.env.cr.fetchall())

    # sending ------------------------------------------------------------------------

    def _send_claimed(self, lock=True):
        """Send messages claimed by the queue job. Their rows stay locked until the answers are
        recorded and committed: recovery skips locked rows, and a worker that dies releases them."""
        if not self:
            return
        if lock:
            self._lock()
        self._send_through_bridges()
        commit_progress(self.env)
        # reports that came while the messages were being sent
        self.env['sms.delivery.report'].sudo().search([('sms_uuid', 'in', self.mapped('sms_uuid'))])._apply()

    def _send_through_bridges(self):
        """Send pending messages through their bridge, falling back along each bridge's fallback
        chain for the messages a bridge could not send for a reason other than the number."""
        todo = self
        while todo:
            results = {}
            for bridge, messages in todo.grouped('bridge_id').items():
                outgoing = messages._outgoing()
                results.update((result.uuid, result) for result in bridge._provider().send(outgoing))
            retry = todo.filtered(lambda m: results[m.sms_uuid].failure in FALLBACK_FAILURES
                                  and m.bridge_id.fallback_bridge_id.active)
            (todo - retry)._apply_send_results(results)
            for bridge, messages in retry.grouped('bridge_id').items():
                _logger.info("SMS gateway %s could not send %d messages, falling back to %s",
                             bridge.name, len(messages), bridge.fallback_bridge_id.name)
                messages.bridge_id = bridge.fallback_bridge_id
            todo = retry

    def _outgoing(self):
        return [OutgoingSms(m.sms_uuid, m.number, m.body or '', m.attempt_id) for m in self]

    def _apply_send_results(self, results):
        """Record what the providers answered; ``results`` maps SMS uuids to SendResult."""
        now = fields.Datetime.now()
        accepted = self.filtered(lambda m: results[m.sms_uuid].accepted)
        unknown = self.filtered(lambda m: results[m.sms_uuid].failure is Failure.UNKNOWN_OUTCOME)
        failed = self - accepted - unknown
        accepted._write_grouped([(message, message._accepted_values(results[message.sms_uuid], now))
                                 for message in accepted])
        accepted._notify_accepted()
        for message in unknown:
            if PROVIDERS[message.bridge_id.provider].can_find_accepted:
                continue  # left pending: recovery will ask the provider
            message._flag_for_review(results[message.sms_uuid].error_message)
        for message in failed:
            result = results[message.sms_uuid]
            message.write({
                'state': 'failed', 'done_date': now,
                'failure': result.failure.value, 'error_code': result.error_code,
                'error_message': message._error_text(result.error_message),
            })
        failed._notify_failed(at_sending=True)

    def _accepted_values(self, result, now):
        values = {'state': 'waiting', 'sent_date': now, 'segments': result.segments, 'price': result.price,
                  'price_currency': result.currency}
        if result.provider_message_id != self.provider_message_id:
            values['provider_message_id'] = result.provider_message_id
        return values

    def _write_grouped(self, values_by_message):
        """Write ``(message, values)`` pairs with one write per distinct set of values."""
        ids_by_values = defaultdict(list)
        for message, values in values_by_message:
            ids_by_values[tuple(sorted(values.items()))].append(message.id)
        for values, ids in ids_by_values.items():
            self.browse(ids).write(dict(values))

    def _flag_for_review(self, reason):
        self.write({'needs_review': True, 'error_message': self._error_text(reason)})
        _logger.warning("SMS gateway %s: outcome of SMS %s unknown, flagged for review", self.bridge_id.name, self.sms_uuid)

    def _error_text(self, reason):
        if isinstance(reason, LazyGettext):
            reason = self.env._(reason)
        return self.env._("SMS gateway %(bridge)s: %(reason)s", bridge=self.bridge_id.name,
                          reason=reason or self.env._("no reason given."))

    # delivery reports ------------------------------------------------------------------

    @api.model
    def _apply_reports(self, updates):
        """Move messages forward along ``updates``, pairs of (message, sms.delivery.report),
        never backwards: duplicated, late and out-of-order reports change nothing."""
        now = fields.Datetime.now()
        delivered_ids, failed_ids = [], []
        for message, report in updates:
            state = REPORT_STATES[report.state]
            if STATE_RANK[state] <= STATE_RANK[message.state]:
                continue
            values = {'state': state, 'segments': report.segments or message.segments,
                      'price': report.price or message.price, 'price_currency': report.price_currency or message.price_currency}
            if state == 'delivered':
                values['done_date'] = now
                delivered_ids.append(message.id)
            elif state == 'failed':
                values.update(done_date=now, failure=report.failure or Failure.MESSAGE.value,
                              error_code=report.error_code, error_message=message._error_text(report.error_message))
                failed_ids.append(message.id)
            message.write(values)
        delivered = self.browse(delivered_ids)
        delivered._trackers().with_context(sms_skip_msg_notification=True)._action_update_from_sms_state('sent')
        delivered._refresh_messages()
        self.browse(failed_ids)._notify_failed(at_sending=False)

    @api.model
    def _cron_get_delivery_reports(self):
        """Get delivery reports from SMS gateway: collect what the providers keep for us, ask
        them about messages still waiting, give up on messages past the providers' validity."""
        self._recover_interrupted_sends()
        commit_progress(self.env)
        for bridge in self._polled_bridges():
            bridge._pull_reports()
        self.env['sms.delivery.report'].sudo().search([], limit=REPORTS_PER_RUN)._apply()
        commit_progress(self.env)
        self._poll_waiting()
        self._give_up_waiting()

    def _polled_bridges(self):
        return self.env['sms.gateway.bridge'].sudo().with_context(active_test=False).search(
            [('delivery_report_mode', 'in', ('polling', 'both'))])

    @api.model
    def _poll_waiting(self, limit=1000):
        """Ask the providers about messages waiting for a report longer than their bridge's delay."""
        now = fields.Datetime.now()
        for bridge in self._polled_bridges():
            due = now - timedelta(minutes=bridge.report_poll_delay)
            messages = self.sudo().search([
                ('bridge_id', '=', bridge.id), ('state', 'in', ('waiting', 'sent')),
                ('sent_date', '<=', due), '|', ('last_poll_date', '=', False), ('last_poll_date', '<=', due),
            ], order='last_poll_date asc nulls first, id', limit=limit)
            if messages:
                bridge._fetch_reports(messages)
                messages.write({'last_poll_date': now})
                commit_progress(self.env, len(messages))

    @api.model
    def _give_up_waiting(self):
        for bridge in self.env['sms.gateway.bridge'].sudo().with_context(active_test=False).search([]):
            expired = self.sudo().search([
                ('bridge_id', '=', bridge.id), ('state', 'in', ('waiting', 'sent')),
                ('sent_date', '<', fields.Datetime.now() - timedelta(
                    hours=bridge.validity_hours or PROVIDERS[bridge.provider].validity_hours)),
            ])
            expired._lock(skip_locked=True).write({'state': 'no_report'})
        commit_progress(self.env)

    # Odoo's side: sms.sms, notifications, mailing traces ------------------------------------

    def _sms(self):
        return self.env['sms.sms'].sudo().search([('uuid', 'in', self.mapped('sms_uuid'))])

    def _trackers(self):
        return self.env['sms.tracker'].sudo().search([('sms_uuid', 'in', self.mapped('sms_uuid'))])

    def _notify_accepted(self):
        if not self:
            return
        sms = self._sms()
        sms.write({'state': 'pending', 'failure_type': False, 'to_delete': True})
        self._trackers().with_context(sms_skip_msg_notification=True)._action_update_from_sms_state('pending')
        self._refresh_messages()

    def _notify_failed(self, at_sending):
        """Tell Odoo these messages failed: their trackers (notifications, mailing traces), and at
        sending their sms.sms; numbers that opted out at the provider join the blacklist."""
        if not self:
            return
        sms_all = self._sms().with_context(sms_skip_msg_notification=True) if at_sending else self.env['sms.sms']
        sms_by_uuid, trackers_by_uuid = sms_all.grouped('uuid'), self._trackers().grouped('sms_uuid')
        for (failure, reason), messages in self.grouped(lambda m: (Failure(m.failure), m.error_message)).items():
            uuids = messages.mapped('sms_uuid')
            sms_all.browse().concat(*(sms_by_uuid[uuid] for uuid in uuids if uuid in sms_by_uuid)).write({
                'state': 'error', 'failure_type': SMS_FAILURE_TYPES.get(failure, 'unknown')})
            trackers = self.env['sms.tracker'].sudo().concat(
                *(trackers_by_uuid[uuid] for uuid in uuids if uuid in trackers_by_uuid),
            ).with_context(sms_skip_msg_notification=True, sms_known_failure_reason=reason)
            if failure in TRACKER_PROVIDER_ERRORS or not at_sending:
                trackers._action_update_from_provider_error(TRACKER_PROVIDER_ERRORS.get(failure, 'not_delivered'))
            else:
                trackers._action_update_from_sms_state(
                    'error', failure_type=SMS_FAILURE_TYPES.get(failure, 'unknown'), failure_reason=reason)
        opted_out = self.filtered(lambda m: m.failure == Failure.OPT_OUT.value)
        if opted_out:
            self.env['phone.blacklist'].sudo()._add(opted_out.mapped('number'), message=self.env._(
                "The recipient opted out at the SMS provider (replied STOP)."))
        self._refresh_messages()

    def _refresh_messages(self):
        """Show the new statuses in the web client, unless the caller does it once for many."""
        if not self.env.context.get('sms_skip_msg_notification'):
            self.mail_message_id._notify_message_notification_update()

    # recovery ----------------------------------------------------------------------------

    @api.model
    def _recover_interrupted_sends(self):
        """Resolve the messages claimed by a worker that stopped before recording what the
        provider answered (their rows are no longer locked): those the provider provably never
        got go back to the queue, those it got are recorded, the others are flagged for review."""
        delay = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.claim_recovery_delay', CLAIM_RECOVERY_DELAY))
        self.flush_model()
        self.env.cr.execute(SQL(
            "SELECT id FROM sms_outbound_message WHERE state = 'pending' AND needs_review IS NOT TRUE "
            "AND claim_date <= (now() at time zone 'UTC') - make_interval(secs => %s) "
            "FOR NO KEY UPDATE SKIP LOCKED", delay))
        for bridge, messages in self.sudo().browse(row[0] for row in self.env.cr.fetchall()).grouped('bridge_id').items():
            messages._recover(bridge._provider())

    def _recover(self, provider):
        if not provider.can_find_accepted:
            for message in self:
                message._flag_for_review(INTERRUPTED)
            return
        try:
            accepted = provider.find_accepted(self._outgoing(), min(self.mapped('claim_date')))
        except ProviderError as error:
            _logger.warning("SMS gateway %s: interrupted sends not recovered yet: %s", self.bridge_id.name, error)
            return
        taken = self.filtered(lambda m: m.sms_uuid in accepted)
        _logger.info("SMS gateway %s: %d interrupted messages had reached it, %d go back to the queue",
                     self.bridge_id.name, len(taken), len(self - taken))
        taken._apply_send_results(accepted)
        (self - taken)._requeue()

    def _requeue(self):
        self._sms().write({'state': 'outgoing'})
        self.unlink()

    # administrator actions ----------------------------------------------------------------

    def action_resend(self):
        """Send again messages whose fate is unknown: the administrator checked they never arrived."""
        self.filtered('needs_review')._requeue()
        self.env['sms.sms']._wake_queue()

    def action_mark_sent(self):
        """Record as accepted messages whose fate is unknown: the administrator checked they arrived."""
        messages = self.filtered('needs_review')
        messages.write({'needs_review': False, 'state': 'waiting', 'sent_date': fields.Datetime.now()})
        messages._notify_accepted()

    # maintenance -----------------------------------------------------------------------------

    @api.autovacuum
    def _gc_outbound_messages(self):
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.outbound_retention_days', RETENTION_DAYS))
        if days > 0:
            limit = fields.Datetime.now() - timedelta(days=days)
            self.sudo().search([('create_date', '<', limit), ('needs_review', '=', False)]).unlink()
