from collections import Counter

from odoo import api, fields, models

# Trace statuses of a recipient whose SMS a gateway has taken
HANDED_STATUSES = ('process', 'pending', 'sent', 'open', 'reply', 'bounce', 'error')


class MailingMailing(models.Model):
    """How far an SMS mailing is, and the marketer's hand on it: Pause (the queue hands no further
    SMS of it to the gateways, preparation stops; what a gateway has is not recalled), Resume and
    Cancel (the recipients not yet handed to a gateway are cancelled with a reason of their own).
    A mailing is sent only once none of its SMS remains queued."""
    _inherit = 'mailing.mailing'

    sms_paused = fields.Boolean('Paused', copy=False, readonly=True, tracking=True)
    sms_canceled = fields.Boolean('Sending Canceled', copy=False, readonly=True, tracking=True)
    sms_progress_prepared = fields.Integer('Prepared', compute='_compute_sms_progress',
                                           help="Recipients whose SMS (or reason for none) is prepared.")
    sms_progress_queued = fields.Integer('Queued', compute='_compute_sms_progress',
                                         help="SMS waiting in the queue for a gateway.")
    sms_progress_sent = fields.Integer('Handed to Gateways', compute='_compute_sms_progress')
    sms_progress_remaining = fields.Integer('Remaining', compute='_compute_sms_progress',
                                            help="Recipients not prepared yet and SMS still queued.")
    sms_progress = fields.Float('Progress (%)', compute='_compute_sms_progress')
    sms_estimated_end = fields.Datetime(
        'Estimated End', compute='_compute_sms_progress',
        help="When the last SMS should reach a gateway at the rate so far, and not before the last one "
             "waiting for its send window may leave.")

    @api.depends('state', 'sms_paused')
    def _compute_sms_progress(self):
        mailings = self.filtered(lambda mailing: mailing.id and mailing.mailing_type == 'sms' and mailing.state != 'draft')
        (self - mailings).update({
            'sms_progress_prepared': 0, 'sms_progress_queued': 0, 'sms_progress_sent': 0,
            'sms_progress_remaining': 0, 'sms_progress': 0.0, 'sms_estimated_end': False})
        if not mailings:
            return
        statuses = {mailing: Counter() for mailing in mailings}
        first_sent = {}
        for mailing, status, count, first in self.env['mailing.trace'].sudo()._read_group(
                [('mass_mailing_id', 'in', mailings.ids)], ['mass_mailing_id', 'trace_status'],
                ['__count', 'sent_datetime:min']):
            statuses[mailing][status] = count
            if first:
                first_sent[mailing] = min(first, first_sent.get(mailing, first))
        queued = dict(self.env['sms.sms'].sudo()._read_group(
            [('mailing_id', 'in', mailings.ids), ('state', '=', 'outgoing')], ['mailing_id'], ['__count']))
        now = fields.Datetime.now()
        for mailing in mailings:
            counts = statuses[mailing]
            handed = sum(counts[status] for status in HANDED_STATUSES)
            unprepared = mailing._sms_unprepared_count()
            remaining = unprepared + queued.get(mailing, 0)
            prepared = sum(counts.values())
            total = prepared + unprepared
            mailing.sms_progress_prepared = prepared
            mailing.sms_progress_queued = queued.get(mailing, 0)
            mailing.sms_progress_sent = handed
            mailing.sms_progress_remaining = remaining
            mailing.sms_progress = 100.0 * (total - remaining) / total if total else 100.0 * (mailing.state == 'done')
            mailing.sms_estimated_end = mailing._sms_estimate_end(now, remaining, handed, first_sent.get(mailing))

    def _sms_unprepared_count(self):
        if self.state not in ('in_queue', 'sending') or not self._sms_prepared_in_batches():
            return 0
        return self.env[self.mailing_model_real].search_count(self._sms_unprepared_domain())

    def _sms_estimate_end(self, now, remaining, handed, first_sent):
        """At the mailing's own rate when it has one, else at the rate its SMS left so far; never
        before the last SMS waiting for its send window may leave."""
        if not remaining or self.sms_paused:
            return False
        estimate = False
        if interval := self._sms_send_interval():
            estimate = now + remaining * interval
        elif handed and first_sent and now > first_sent:
            estimate = now + remaining * (now - first_sent) / handed
        return max(filter(None, [estimate, self.sms_waiting_last]), default=False)

    # control ------------------------------------------------------------------------

    def _sms_sending(self):
        return self.filtered(lambda mailing: mailing.mailing_type == 'sms' and mailing.state in ('in_queue', 'sending'))

    def action_pause_sms(self):
        self._sms_sending().sms_paused = True

    def action_resume_sms(self):
        paused = self.filtered('sms_paused')
        paused.sms_paused = False
        for mailing in paused:
            mailing._sms_spread_queued()
        self.env['sms.sms']._wake_queue()
        self.env.ref('mass_mailing.ir_cron_mass_mailing_queue')._trigger()

    def action_cancel_sms(self):
        """Cancel what no gateway has yet: queued SMS, their recipients' traces, and the recipients
        not prepared yet (the mailing is done and never prepared again)."""
        mailings = self._sms_sending()
        if not mailings:
            return
        # hold the mailings first: a preparation batch still running commits before this goes on
        mailings.lock_for_update()
        mailings.write({'sms_canceled': True, 'sms_paused': False})
        # in SQL: a mailing of a million recipients must not load them all
        self.env.flush_all()
        self.env.cr.execute("""
            UPDATE sms_sms SET state = 'canceled', write_date = now() AT TIME ZONE 'UTC', write_uid = %(uid)s
             WHERE mailing_id IN %(mailings)s AND state = 'outgoing'
        """, {'mailings': tuple(mailings.ids), 'uid': self.env.uid})
        self.env.cr.execute("""
            UPDATE mailing_trace SET trace_status = 'cancel', failure_type = 'sms_mailing_canceled',
                                     write_date = now() AT TIME ZONE 'UTC', write_uid = %(uid)s
             WHERE mass_mailing_id IN %(mailings)s AND trace_status = 'outgoing'
        """, {'mailings': tuple(mailings.ids), 'uid': self.env.uid})
        self.env.invalidate_all()
        mailings.write({'state': 'done', 'sent_date': fields.Datetime.now()})

    def write(self, vals):
        """A mailing with recipients to prepare or SMS still queued (a pause, a gradual or windowed
        send) is not done yet, whatever marks it so (Odoo's SMS trackers do as soon as no SMS is
        with a gateway): it stays sending until its last SMS leaves, or it is cancelled."""
        if vals.get('state') != 'done':
            return super().write(vals)
        waiting = self.filtered(lambda mailing: mailing._sms_is_unfinished())
        kept = {field: value for field, value in vals.items() if field not in ('state', 'sent_date', 'kpi_mail_required')}
        if waiting and kept:
            super(MailingMailing, waiting).write(kept)
        return super(MailingMailing, self - waiting).write(vals)

    def _sms_is_unfinished(self):
        if self.mailing_type != 'sms' or self.sms_canceled:
            return False
        if self._sms_prepared_in_batches() and self._get_remaining_recipients():
            return True
        return bool(self.env['sms.sms'].sudo().search_count(
            [('mailing_id', '=', self.id), ('state', '=', 'outgoing')], limit=1))

