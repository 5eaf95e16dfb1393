import base64
import logging
import posixpath
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from odoo import api, fields, models
from odoo.addons.sms_gateway_bridge.tools.jobs import commit_progress
from odoo.tools import SQL

from ..tools.delivery_report_file import ReportRow, delivery_status, write_report
from ..tools.remote_folder import RemoteFolderError, open_remote_folder

_logger = logging.getLogger(__name__)

CATCH_UP_DAYS = 7


class SmsBroadcastDeliveryReport(models.Model):
    """The delivery report of a source's broadcasts for one day (seed 003): every SMS whose final
    state was reached that day, and those accepted that day still waiting for theirs. Made again
    for the same day, it replaces that day's file."""
    _name = 'sms.broadcast.delivery.report'
    _description = 'SMS Broadcast Delivery Report'
    _order = 'day desc, id desc'
    _rec_name = 'file_name'

    source_id = fields.Many2one('sms.broadcast.source', 'Source', required=True, readonly=True, index=True,
                                ondelete='cascade')
    company_id = fields.Many2one(related='source_id.company_id', store=True)
    day = fields.Date(required=True, readonly=True)
    file = fields.Binary(attachment=True, readonly=True)
    file_name = fields.Char(compute='_compute_file_name')
    row_count = fields.Integer('Messages', readonly=True)
    pushed_date = fields.Datetime('Sent to Server On', readonly=True)
    push_error = fields.Text(readonly=True)

    _day_unique = models.Constraint('unique(source_id, day)', "A source has one delivery report per day.")

    @api.depends('day')
    def _compute_file_name(self):
        for report in self:
            report.file_name = 'delivery_report_%s.csv' % (report.day or '')

    @api.model
    def _cron_make_reports(self):
        """Make each source's reports of the days before today not made yet, once the source's
        report time has come (a week back at most: a job that did not run for days catches up)."""
        for source in self.env['sms.broadcast.source'].search([('report_enabled', '=', True)]):
            for day in self._days_due(source):
                self._make(source, day)
                commit_progress(self.env, 1)

    @api.model
    def _days_due(self, source):
        local_now = datetime.now(ZoneInfo(source.tz))
        yesterday = local_now.date() - timedelta(days=1)
        if local_now.hour + local_now.minute / 60 < source.report_hour:
            yesterday -= timedelta(days=1)
        last = self.search([('source_id', '=', source.id)], order='day desc', limit=1).day
        first = max(last + timedelta(days=1) if last else yesterday, yesterday - timedelta(days=CATCH_UP_DAYS - 1))
        return [first + timedelta(days=offset) for offset in range((yesterday - first).days + 1)]

    @api.model
    def _make(self, source, day):
        """Write the report of ``source`` for ``day`` (replacing one made before), and push it to
        the source's outbound folder."""
        content, count = self._report_file(source, day)
        report = self.search([('source_id', '=', source.id), ('day', '=', day)])
        values = {'file': base64.b64encode(content), 'row_count': count, 'pushed_date': False, 'push_error': False}
        if report:
            report.write(values)
        else:
            report = self.create({'source_id': source.id, 'day': day, **values})
        if source.protocol != 'upload':
            report._push(content)
        return report

    def action_make_again(self):
        for report in self:
            self._make(report.source_id, report.day)

    def _push(self, content):
        source = self.source_id
        try:
            with open_remote_folder(source._server_access()) as server:
                server.write(posixpath.join(source.outbound_folder, self.file_name), content)
            self.write({'pushed_date': fields.Datetime.now(), 'push_error': False})
        except RemoteFolderError as error:
            self.push_error = self.env._(error.reason)
            _logger.warning("Delivery report %s of %s: %s", self.file_name, source.name, self.push_error)

    @api.model
    def _report_file(self, source, day):
        """The report's bytes, and its number of messages."""
        tz = ZoneInfo(source.tz)
        start = datetime.combine(day, time.min, tz).astimezone(timezone.utc).replace(tzinfo=None)
        end = datetime.combine(day + timedelta(days=1), time.min, tz).astimezone(timezone.utc).replace(tzinfo=None)
        self.env['sms.outbound.message'].flush_model()
        self.env.cr.execute(SQL("""
            SELECT message.id, bridge.sender, message.number, broadcast.name,
                   COALESCE(message.sent_date, message.done_date), message.state, message.failure, recipient.member_id
              FROM sms_outbound_message message
              JOIN sms_gateway_bridge bridge ON bridge.id = message.bridge_id
              JOIN sms_tracker tracker ON tracker.sms_uuid = message.sms_uuid
              JOIN mailing_trace trace ON trace.id = tracker.mailing_trace_id AND trace.model = 'sms.broadcast.recipient'
              JOIN sms_broadcast_recipient recipient ON recipient.id = trace.res_id
              JOIN sms_broadcast broadcast ON broadcast.id = recipient.broadcast_id
             WHERE broadcast.source_id = %(source)s
               AND (message.done_date >= %(start)s AND message.done_date < %(end)s
                    OR message.done_date IS NULL AND message.sent_date >= %(start)s AND message.sent_date < %(end)s)
             ORDER BY message.id
        """, source=source.id, start=start, end=end))
        rows = [ReportRow(sender, number, message_id, campaign,
                          moment.replace(tzinfo=timezone.utc).astimezone(tz), delivery_status(state, failure),
                          member_id or '')
                for message_id, sender, number, campaign, moment, state, failure, member_id in self.env.cr.fetchall()]
        return write_report(rows, source.member_id_label), len(rows)
