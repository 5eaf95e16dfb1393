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
        interval = self._sms_send_interval()
        if not interval or not sms_values:
            return
        [(last,)] = self.env['sms.sms'].sudo()._read_group(
            [('mailing_id', '=', self.id), ('state', '=', 'outgoing')], aggregates=['send_after:max'])
        now = fields.Datetime.now()
        start = max(now, last + interval) if last else now
        for index, values in enumerate(sms_values):
            values['send_after'] = start + index * interval

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
