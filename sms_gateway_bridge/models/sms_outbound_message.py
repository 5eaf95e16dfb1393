import contextlib
import logging
import secrets
import uuid
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL, split_every
from odoo.tools.translate import LazyGettext, LazyTranslate

from ..providers import FALLBACK_FAILURES, DeliveryState, Failure, OutgoingSms, ProviderError
from ..tools.jobs import commit_progress, lock_unchanged

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

# Seconds recovery leaves an interrupted send alone, so that the provider finishes handling a
# request that it got just before its sender died or stopped waiting for the answer.
CLAIM_RECOVERY_DELAY = 120
CLOCK_SKEW = timedelta(minutes=5)  # between our clock and the provider's, when asking it by date
LEASE_LOCK_SPACE = 0x534D53  # "SMS": the first key of the advisory locks that hold claims' leases
NOTIFY_BATCH = 1000  # messages whose outcome is told to Odoo per transaction
RECOVERY_BATCH = 2000  # interrupted messages resolved per run
INTERRUPTED = _lt("the worker sending it stopped before recording the provider's answer, "
                  "and the provider cannot be asked whether it got the message.")
AMBIGUOUS = _lt("the provider has a message like this one, but it is recorded as another of ours: check "
                "in the provider's console whether both arrived.")
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
    claim_token = fields.Integer(readonly=True, copy=False, help="The lease of the worker sending the message.")
    to_notify = fields.Boolean(
        readonly=True, copy=False, index='btree_not_null',
        help="The state changed and Odoo's records of the message (notification, mailing trace) do not show it yet.")

    _sms_uuid_unique = models.Constraint('unique(sms_uuid)', "One outbound message per SMS.")

    @api.model
    def _new_attempt_values(self):
        """A message at the start of an attempt at sending it: it forgets the previous attempt."""
        return {'state': 'pending', 'failure': False, 'error_code': False, 'error_message': False,
                'needs_review': False, 'provider_message_id': False, 'segments': 0, 'price': 0.0,
                'price_currency': False, 'sent_date': False, 'done_date': False, 'last_poll_date': False,
                'attempt_id': uuid.uuid4().hex, 'claim_date': fields.Datetime.now(), 'to_notify': False}

    # sending ------------------------------------------------------------------------

    @api.model
    def _claim(self, sms_by_bridge):
        """Pending outbound messages for the SMS of ``{bridge: sms}``. An SMS sent again (after a
        failure) keeps its outbound message, reset for the new attempt."""
        all_sms = self.env['sms.sms'].concat(*sms_by_bridge.values())
        previous = self.search([('sms_uuid', 'in', all_sms.mapped('uuid'))]).grouped('sms_uuid')
        values_list, claimed = [], self.browse()
        for bridge, bridge_sms in sms_by_bridge.items():
            for sms in bridge_sms:
                values = {**self._new_attempt_values(), **sms._prepare_outbound_values(bridge)}
                if sms.uuid in previous:
                    previous[sms.uuid].write(values)
                    claimed |= previous[sms.uuid]
                else:
                    values_list.append(values)
        return claimed | self.create(values_list)

    def _send_claim(self):
        """Send messages claimed by this worker (committed as pending), chunk after chunk, each
        chunk's answers committed as soon as they come. No row stays locked while providers
        answer: the claim's lease (a session lock that dies with this worker's connection) tells
        recovery that the messages are still being sent."""
        with self._lease():
            todo = self
            while todo:
                for bridge, messages in todo.grouped('bridge_id').items():
                    provider = bridge._provider()
                    for chunk in split_every(bridge._chunk_size(), messages.ids, self.browse):
                        provider.throttle.not_before(bridge._reserve_send_window(len(chunk)))
                        chunk._record_send_results(provider.can_find_accepted, {
                            result.uuid: result for result in provider.send(chunk._outgoing())})
                        # progress as soon as it is made: a run killed later is not taken for one that hung
                        commit_progress(self.env, len(chunk))
                # messages handed to their fallback bridge, committed as such before it sends them
                todo = todo.filtered(lambda m: m.state == 'pending' and not m.needs_review and m.claim_token)
        # reports that came while the messages were being sent waited for their answers
        self.env['sms.delivery.report'].sudo().search([('attempt_id', 'in', self.mapped('attempt_id'))])._apply()

    @contextlib.contextmanager
    def _lease(self):
        """Hold the lease of this claim: every message gets the token of a session-level advisory
        lock that this worker holds while it sends them, and that PostgreSQL releases when the
        worker's connection dies, whatever killed it."""
        token = secrets.randbelow(2 ** 31 - 1) + 1
        self.env.cr.execute(SQL("SELECT pg_advisory_lock(%s, %s)", LEASE_LOCK_SPACE, token))
        try:
            self.write({'claim_token': token})
            commit_progress(self.env)
            yield
        finally:
            self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", LEASE_LOCK_SPACE, token))

    def _outgoing(self):
        return [OutgoingSms(m.sms_uuid, m.number, m.body or '', m.attempt_id) for m in self]

    def _record_send_results(self, can_find_accepted, results):
        """Record what the provider answered (``{sms uuid: SendResult}``) on these messages only;
        what it means for Odoo follows in _notify_outcomes."""
        now = fields.Datetime.now()
        accepted = self.filtered(lambda m: results[m.sms_uuid].accepted)
        unknown = self.filtered(lambda m: results[m.sms_uuid].failure is Failure.UNKNOWN_OUTCOME)
        fallback = (self - accepted - unknown).filtered(
            lambda m: results[m.sms_uuid].failure in FALLBACK_FAILURES and m.bridge_id.fallback_bridge_id.active)
        failed = self - accepted - unknown - fallback
        accepted._write_accepted(results, now)
        for message in failed:
            result = results[message.sms_uuid]
            message.write({
                'state': 'failed', 'done_date': now, 'to_notify': True,
                'failure': result.failure.value, 'error_code': result.error_code,
                'error_message': message._error_text(result.error_message),
            })
        for message in unknown:
            if can_find_accepted:  # asked by recovery once the provider had time to finish
                message.write({'claim_token': False, 'claim_date': now,
                               'error_message': message._error_text(results[message.sms_uuid].error_message)})
            else:
                message._flag_for_review(results[message.sms_uuid].error_message)
        for bridge, messages in fallback.grouped('bridge_id').items():
            _logger.info("SMS gateway %s could not send %d messages, falling back to %s",
                         bridge.name, len(messages), bridge.fallback_bridge_id.name)
            for message in messages:
                message.write({'bridge_id': bridge.fallback_bridge_id.id, 'attempt_id': uuid.uuid4().hex})

    def _write_accepted(self, results, now):
        """Record the provider's acceptance of these messages in one statement: each has its own
        provider id, and a provider takes up to a thousand messages a second."""
        if not self:
            return
        self.flush_recordset()
        rows = SQL(', ').join(
            SQL("(%s, %s, %s, %s::numeric, %s)", message.id, result.provider_message_id, result.segments or 0,
                result.price or 0.0, result.currency)
            for message in self for result in [results[message.sms_uuid]])
        self.env.cr.execute(SQL("""
            UPDATE sms_outbound_message AS message
               SET state = 'waiting', sent_date = %(now)s, to_notify = TRUE, error_message = NULL,
                   provider_message_id = accepted.provider_id, segments = accepted.segments,
                   price = accepted.price, price_currency = accepted.currency,
                   write_date = %(now)s, write_uid = %(uid)s
              FROM (VALUES %(rows)s) AS accepted (id, provider_id, segments, price, currency)
             WHERE message.id = accepted.id""", now=now, uid=self.env.uid, rows=rows))
        written = ['state', 'sent_date', 'to_notify', 'error_message', 'provider_message_id', 'segments', 'price',
                   'price_currency', 'write_date', 'write_uid']
        self.invalidate_recordset(written)
        self.modified(written)  # what other addons compute from the log follows

    def _flag_for_review(self, reason):
        self.write({'needs_review': True, 'claim_token': False, 'error_message': self._error_text(reason)})
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
        never backwards: duplicated, late and out-of-order reports change nothing. A report of a
        message flagged for review proves that the provider took it."""
        now = fields.Datetime.now()
        for message, report in updates:
            state = REPORT_STATES[report.state]
            if STATE_RANK[state] <= STATE_RANK[message.state]:
                continue
            values = {'state': state, 'to_notify': True, 'segments': report.segments or message.segments,
                      'price': report.price or message.price,
                      'price_currency': report.price_currency or message.price_currency}
            if message.state == 'pending':  # its sending was interrupted: this proves the provider took it
                values.update(needs_review=False, error_message=False, sent_date=now,
                              provider_message_id=report.provider_message_id)
            if state in ('delivered', 'failed'):
                values['done_date'] = now
            if state == 'failed':
                values.update(failure=report.failure or Failure.MESSAGE.value, error_code=report.error_code,
                              error_message=message._error_text(report.error_message))
            message.write(values)

    @api.model
    def _cron_get_delivery_reports(self):
        """Get delivery reports from SMS gateway: collect what the providers keep for us, ask
        them about messages still waiting, give up on messages past the providers' validity."""
        self._recover_interrupted_sends()
        for bridge in self._polled_bridges():
            bridge._pull_reports()
        self.env['sms.delivery.report'].sudo().search([], limit=REPORTS_PER_RUN)._apply()
        commit_progress(self.env)
        self._poll_waiting()
        self._give_up_waiting()
        self._notify_outcomes()

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
                ('sent_date', '<', fields.Datetime.now() - timedelta(hours=bridge._validity_hours())),
            ])
            (lock_unchanged(expired, allow_referencing=True) or expired.browse()).write({'state': 'no_report'})
        commit_progress(self.env)

    # Odoo's side: sms.sms, notifications, mailing traces ------------------------------------

    @api.model
    def _notify_outcomes(self):
        """Tell Odoo what became of the messages whose state changed, batch after batch, each in
        a transaction of its own. A batch that collides with a concurrent change of one of its
        rows (a recipient clicking a tracked link updates its trace) is undone and tried again
        later: the outbound state it follows from is committed already."""
        while messages := lock_unchanged(
                self.sudo().search([('to_notify', '=', True)], order='id', limit=NOTIFY_BATCH * 2),
                allow_referencing=True, limit=NOTIFY_BATCH):
            try:
                with self.env.cr.savepoint():
                    messages._notify_odoo()
            except psycopg2.errors.TransactionRollbackError as error:
                _logger.info("Outcomes of %d SMS left for the next run: %s", len(messages), error)
                return
            commit_progress(self.env)

    def _notify_odoo(self):
        """Bring Odoo's records of these messages (sms.sms, notifications, mailing traces,
        blacklist) to their state; doing it again changes nothing."""
        accepted = self.filtered(lambda m: m.state != 'failed' or m.sent_date)
        accepted._sms().filtered(lambda sms: not sms.to_delete).write(
            {'state': 'pending', 'failure_type': False, 'to_delete': True})
        trackers = self._trackers().with_context(sms_skip_msg_notification=True)
        for state, messages in accepted.grouped(lambda m: 'sent' if m.state == 'delivered' else 'pending').items():
            messages._of(trackers)._action_update_from_sms_state(state)
        (self - accepted)._notify_failed(trackers, at_sending=True)
        accepted.filtered(lambda m: m.state == 'failed')._notify_failed(trackers, at_sending=False)
        self.write({'to_notify': False})
        self._refresh_messages()

    def _notify_failed(self, trackers, at_sending):
        """Tell Odoo these messages failed: their trackers (notifications, mailing traces), and at
        sending their sms.sms; numbers that opted out at the provider join the blacklist."""
        if not self:
            return
        sms_all = self._sms() if at_sending else self.env['sms.sms']
        for (failure, reason), messages in self.grouped(lambda m: (Failure(m.failure), m.error_message)).items():
            messages._of(sms_all, 'uuid').write({
                'state': 'error', 'failure_type': SMS_FAILURE_TYPES.get(failure, 'unknown')})
            failed_trackers = messages._of(trackers).with_context(sms_known_failure_reason=reason)
            if failure in TRACKER_PROVIDER_ERRORS or not at_sending:
                failed_trackers._action_update_from_provider_error(TRACKER_PROVIDER_ERRORS.get(failure, 'not_delivered'))
            else:
                failed_trackers._action_update_from_sms_state(
                    'error', failure_type=SMS_FAILURE_TYPES.get(failure, 'unknown'), failure_reason=reason)
        opted_out = self.filtered(lambda m: m.failure == Failure.OPT_OUT.value)
        if opted_out:
            self.env['phone.blacklist'].sudo()._add(opted_out.mapped('number'), message=self.env._(
                "The recipient opted out at the SMS provider (replied STOP)."))

    def _of(self, records, uuid_field='sms_uuid'):
        """The records among ``records`` (sms.sms or sms.tracker) that concern these messages."""
        uuids = set(self.mapped('sms_uuid'))
        return records.filtered(lambda record: record[uuid_field] in uuids)

    def _sms(self):
        return self.env['sms.sms'].sudo().search([('uuid', 'in', self.mapped('sms_uuid'))])

    def _trackers(self):
        return self.env['sms.tracker'].sudo().search([('sms_uuid', 'in', self.mapped('sms_uuid'))])

    def _refresh_messages(self):
        """Show the new statuses in the web client, unless the caller does it once for many."""
        if not self.env.context.get('sms_skip_msg_notification'):
            self.mail_message_id._notify_message_notification_update()

    # recovery ----------------------------------------------------------------------------

    @api.model
    def _recover_interrupted_sends(self):
        """Resolve the messages whose sending was interrupted: claimed by a worker that died (its
        lease is free) or without an answer from the provider. The provider is asked: the
        messages it took are recorded, the others go back to the queue; only a provider that
        cannot say leaves them for review."""
        delay = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.claim_recovery_delay', CLAIM_RECOVERY_DELAY))
        candidates = self.sudo().search([
            ('state', '=', 'pending'), ('needs_review', '=', False),
            ('claim_date', '<=', fields.Datetime.now() - timedelta(seconds=delay)),
        ], order='id', limit=RECOVERY_BATCH)
        if not candidates:
            return
        live = candidates._live_leases()
        interrupted = candidates.filtered(lambda m: m.claim_token not in live)
        locked = lock_unchanged(interrupted, allow_referencing=True) or interrupted.browse()
        for bridge, messages in locked.grouped('bridge_id').items():
            messages._recover(bridge)
        commit_progress(self.env)

    def _live_leases(self):
        """The claim tokens of these messages whose worker is still sending them."""
        tokens = set(self.mapped('claim_token')) - {0}
        if not tokens:
            return set()
        self.env.cr.execute(SQL(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = ANY(%s) "
            "AND granted", LEASE_LOCK_SPACE, list(tokens)))
        return {row[0] for row in self.env.cr.fetchall()}

    def _recover(self, bridge):
        provider = bridge._provider()
        if not provider.can_find_accepted:
            for message in self:
                message._flag_for_review(INTERRUPTED)
            return
        try:
            accepted = provider.find_accepted(self._outgoing(), min(self.mapped('claim_date')) - CLOCK_SKEW)
        except ProviderError as error:
            _logger.warning("SMS gateway %s: interrupted sends not recovered yet: %s", bridge.name, error)
            given_up = self.filtered(lambda m: m.claim_date < fields.Datetime.now() - timedelta(
                hours=bridge._validity_hours()))
            for message in given_up:
                message._flag_for_review(error.args[0])
            return
        # a provider that matches by content may answer with a message recorded as another of ours
        recorded = set(self.search([
            ('provider_message_id', 'in', [result.provider_message_id for result in accepted.values()]),
            ('id', 'not in', self.ids),
        ]).mapped('provider_message_id'))
        ambiguous = self.filtered(lambda m: m.sms_uuid in accepted and accepted[m.sms_uuid].provider_message_id in recorded)
        taken = self.filtered(lambda m: m.sms_uuid in accepted) - ambiguous
        _logger.info("SMS gateway %s: %d interrupted messages had reached it, %d go back to the queue",
                     bridge.name, len(taken), len(self - taken - ambiguous))
        taken._record_send_results(True, accepted)
        for message in ambiguous:
            message._flag_for_review(AMBIGUOUS)
        (self - taken - ambiguous)._requeue()

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
        messages.write({'needs_review': False, 'state': 'waiting', 'sent_date': fields.Datetime.now(),
                        'to_notify': True})
        messages._notify_odoo()

    # maintenance -----------------------------------------------------------------------------

    @api.autovacuum
    def _gc_outbound_messages(self):
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'sms_gateway_bridge.outbound_retention_days', RETENTION_DAYS))
        if days > 0:
            limit = fields.Datetime.now() - timedelta(days=days)
            self.sudo().search([('create_date', '<', limit), ('needs_review', '=', False)]).unlink()
