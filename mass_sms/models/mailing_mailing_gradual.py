from datetime import timedelta

from odoo import fields, models


class MailingMailing(models.Model):
    """Gradual sending: a mailing's SMS are spread at most at its rate, each SMS waiting in the
    queue until its own time (sms.sms send_after); the gateways' own limits still apply."""
    _inherit = 'mailing.mailing'

    sms_max_per_minute = fields.Integer(
        'Max SMS per Minute',
        help="Spread the mailing's SMS: at most this many are handed to the gateways per minute. "
             "0 sends them as fast as the gateways allow.")

    _sms_max_per_minute_positive = models.Constraint(
        'CHECK (sms_max_per_minute >= 0)', "The maximum of SMS per minute cannot be negative.")

    def _sms_send_interval(self):
        return timedelta(minutes=1) / self.sms_max_per_minute if self.sms_max_per_minute > 0 else None

    def _sms_batch_spread(self, sms_values):
        """Give each SMS of a batch its time, one interval after the mailing's last queued one
        (or now)."""
        if self._sms_send_interval() and sms_values:
            for values, send_after in zip(sms_values, self._sms_next_send_times(len(sms_values))):
                values['send_after'] = send_after

    def _sms_hold_at_rate(self, sms, not_before):
        """Make ``sms`` wait until ``not_before`` and then leave at the mailing's rate, after its
        SMS already queued (SMS held for a send window's opening do not all leave at once)."""
        for one_sms, send_after in zip(sms, self._sms_next_send_times(len(sms), not_before)):
            one_sms.send_after = send_after

    def _sms_next_send_times(self, count, not_before=None):
        """The times of ``count`` more SMS of the mailing at its rate: one interval apart, the
        first one interval after its last queued SMS, and not before ``not_before`` (or now)."""
        interval = self._sms_send_interval()
        [(last,)] = self.env['sms.sms'].sudo()._read_group(
            [('mailing_id', '=', self.id), ('state', '=', 'outgoing')], aggregates=['send_after:max'])
        start = not_before or fields.Datetime.now()
        if last:
            start = max(start, last + interval)
        return [start + index * interval for index in range(count)]

    def _sms_spread_queued(self):
        """Spread the mailing's queued SMS again from now (a paused mailing resumes at its rate,
        not with every SMS whose time passed during the pause at once)."""
        interval = self._sms_send_interval()
        if not interval:
            return
        self.env['sms.sms'].flush_model(['send_after', 'state', 'mailing_id'])
        self.env.cr.execute("""
            UPDATE sms_sms SET send_after = %(now)s + (queued.position - 1) * %(interval)s
              FROM (SELECT id, row_number() OVER (ORDER BY send_after, id) AS position
                      FROM sms_sms WHERE mailing_id = %(mailing)s AND state = 'outgoing') AS queued
             WHERE sms_sms.id = queued.id
        """, {'now': fields.Datetime.now(), 'interval': interval, 'mailing': self.id})
        self.env['sms.sms'].invalidate_model(['send_after'])
