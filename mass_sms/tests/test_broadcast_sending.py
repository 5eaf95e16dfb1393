import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MassSmsMixin
from .test_broadcast_file import SEED_FILE


@tagged('post_install', '-at_install')
class TestBroadcastSending(MassSmsMixin, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(cls.env, 'broadcaster', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        cls.source = cls.env['sms.broadcast.source'].create({
            'name': 'Payback uploads', 'protocol': 'upload', 'country_id': cls.env.ref('base.mx').id,
            'tz': 'America/Mexico_City', 'message_template': 'Hola {{ Payback Member ID }}',
        })

    def upload(self, content, file_name='payback.csv', source=None):
        wizard = self.env['sms.broadcast.upload'].with_user(self.marketer).create({
            'source_id': (source or self.source).id, 'file': base64.b64encode(content), 'file_name': file_name})
        return self.env['sms.broadcast'].browse(wizard.action_import()['res_id'])

    def send_queue(self, broadcast):
        """What the mailing queue job and the SMS queue job do (they commit, which a test cannot)."""
        broadcast.mailing_id.state = 'sending'
        broadcast.mailing_id._action_send_mail()
        self.env['sms.sms']._process_queue()
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()

    def test_seed_file_sent_and_reported(self):
        """The seed's rows, dated in the past: sent at once; the day's report gives each its status."""
        self.source.bridge_id = self._bridge('twilio', report_poll_delay=0)
        broadcast = self.upload(SEED_FILE.replace(b'5512340002', b'5512340007'))

        self.assertEqual((broadcast.name, broadcast.status, broadcast.row_count, broadcast.valid_count),
                         ('testDate', 'sending', 2, 2))
        self.assertEqual(broadcast.mailing_id.state, 'in_queue')
        self.send_queue(broadcast)
        self.assertEqual(sorted(self._sent_to(self.twilio)), ['+525512340001', '+525512340007'])
        self.assertEqual(sorted(m['body'].split('\n')[0] for m in self.twilio.messages), ['Hola 581111', 'Hola 582222'])
        broadcast.invalidate_recordset()
        broadcast.mailing_id.invalidate_recordset()
        self.assertEqual((broadcast.progress, broadcast.status), (100.0, 'sent'))
        self.assertEqual((broadcast.sms_sent, broadcast.sms_delivered, broadcast.sms_bounced), (2, 1, 1))

        messages = self.env['sms.outbound.message'].search([('mailing_id', '=', broadcast.mailing_id.id)], order='id')
        messages.write({'sent_date': datetime(2026, 3, 2, 20, 21, 29), 'done_date': datetime(2026, 3, 2, 20, 22)})
        report = self.env['sms.broadcast.delivery.report']._make(self.source, datetime(2026, 3, 2).date())
        self.assertEqual(base64.b64decode(report.file).decode(), (
            'Sender,Recipient,Tracking ID,Campaign Name,Time Stamp,Delivery Status,Payback Member ID\r\n'
            '15005550006,525512340001,%d,testDate,2026-03-02 14:21:29.0,DELIVRD,581111\r\n'
            '15005550006,525512340007,%d,testDate,2026-03-02 14:21:29.0,UNDELIV,582222\r\n') % tuple(messages.ids))
        self.assertFalse(self.env['sms.broadcast.delivery.report']._make(self.source, datetime(2026, 3, 3).date())
                         .row_count, 'the next day has nothing')

        again = self.env['sms.broadcast.delivery.report']._make(self.source, datetime(2026, 3, 2).date())
        self.assertEqual(again, report, "a day made again replaces that day's report")

    def test_daily_reports_catch_up_once_their_time_has_come(self):
        reports = self.env['sms.broadcast.delivery.report']
        today = datetime.now(ZoneInfo(self.source.tz)).date()
        self.source.report_hour = 0
        newcomer = self.source.copy({'name': 'New source'})
        reports._make(self.source, today - timedelta(days=4))

        reports._cron_make_reports()
        reports._cron_make_reports()

        days = lambda source: reports.search([('source_id', '=', source.id)]).mapped('day')  # noqa: E731
        self.assertEqual(days(self.source), [today - timedelta(days=n) for n in (1, 2, 3, 4)])
        self.assertEqual(days(newcomer), [today - timedelta(days=1)], 'a new source starts with yesterday')
        newcomer.report_hour = 23.99
        self.assertEqual(reports._days_due(newcomer), [], "before its time, yesterday's report waits")

    def test_file_dates_decide(self):
        self._bridge('twilio')
        tz = ZoneInfo('America/Mexico_City')
        future = (datetime.now(tz) + timedelta(days=3)).strftime('%Y-%m-%d %H:%M:%S')
        past = (datetime.now(tz) - timedelta(minutes=5)).strftime('%Y-%m-%d %H:%M:%S')
        pending = self.upload(b'phone,message\n5512340001,Hi\n', 'none.csv')
        scheduled = self.upload(b'phone,message,date\n5512340001,Hi,%s\n' % future.encode(), 'future.csv')
        sending = self.upload(b'phone,message,date\n5512340001,Hi,%s\n' % past.encode(), 'past.csv')

        self.assertEqual((pending.status, pending.mailing_id.state, pending.send_now), ('pending', 'draft', True))
        self.assertEqual((scheduled.status, scheduled.mailing_id.state), ('scheduled', 'in_queue'))
        self.assertEqual(scheduled.mailing_id.schedule_date, scheduled.date)
        self.assertEqual(sending.status, 'sending')

        # the marketer renames the pending one, schedules it, changes the date, then sends it now
        pending = pending.with_user(self.marketer)
        pending.name = 'Spring points'
        self.assertEqual((pending.mailing_id.name, pending.mailing_id.subject), ('Spring points', 'Spring points'))
        pending.write({'send_now': False, 'date': fields.Datetime.now() - timedelta(hours=1)})
        with self.assertRaises(UserError):
            pending.action_schedule()
        pending.date = fields.Datetime.now() + timedelta(days=1)
        pending.action_schedule()
        self.assertEqual((pending.status, pending.mailing_id.schedule_date), ('scheduled', pending.date))
        pending.date = fields.Datetime.now() + timedelta(days=2)
        pending.action_schedule()
        self.assertEqual(pending.mailing_id.schedule_date, pending.date)
        pending.send_now = True
        pending.action_send()
        self.assertEqual((pending.status, pending.mailing_id.schedule_type), ('sending', 'now'))

        with self.assertRaises(UserError):
            pending.unlink()
        mailing = scheduled.mailing_id
        scheduled.with_user(self.marketer).unlink()
        self.assertFalse(mailing.exists(), 'its mailing goes with it')

    def test_pause_resume_and_cancel(self):
        self._bridge('twilio')
        past = b'2020-01-01 10:00:00'
        broadcast = self.upload(b'phone,message,date\n5512340001,Hi,%s\n5512340002,Hi,%s\n' % (past, past))
        broadcast = broadcast.with_user(self.marketer)

        broadcast.action_pause()
        self.assertEqual(broadcast.status, 'paused')
        with self.assertRaises(UserError):
            broadcast.action_pause()
        self.send_queue(broadcast)
        self.assertFalse(self.twilio.messages, 'nothing leaves while paused')

        broadcast.action_resume()
        self.assertEqual(broadcast.status, 'sending')
        self.send_queue(broadcast)
        self.assertEqual(sorted(self._sent_to(self.twilio)), ['+525512340001', '+525512340002'])
        broadcast.invalidate_recordset()
        self.assertEqual(broadcast.progress, 100.0)

        other = self.upload(b'phone,message,date\n5512340003,Hi,%s\n' % past, 'other.csv').with_user(self.marketer)
        other.action_cancel()
        self.assertEqual((other.status, other.mailing_id.state), ('failed', 'done'), 'the mailing job leaves it')
        self.env['sms.sms']._process_queue()
        self.assertEqual(len(self.twilio.messages), 2, 'a cancelled broadcast sends nothing more')

    def test_rejected_file_creates_nothing_and_says_why(self):
        mailings = self.env['mailing.mailing'].search_count([])
        broadcast = self.upload(b'phone,message\nnot a number,Hi\n5512340001,Hi\n', 'bad.csv')

        self.assertEqual((broadcast.status, broadcast.row_count, broadcast.invalid_count), ('failed', 2, 1))
        self.assertFalse(broadcast.mailing_id)
        self.assertFalse(self.env['sms.broadcast.recipient'].search([('broadcast_id', '=', broadcast.id)]))
        self.assertEqual(self.env['mailing.mailing'].search_count([]), mailings)
        self.assertEqual(base64.b64decode(broadcast.error_report),
                         b'Line,Column,Reason\r\n2,phone,not a number is not a valid phone number.\r\n')
        self.assertEqual(broadcast.error_report_name, 'bad.errors.csv')
        self.assertIn('/web/content/sms.broadcast/%s/error_report' % broadcast.id,
                      broadcast.action_download_error_report()['url'])

        with self.assertRaisesRegex(UserError, 'already imported'):
            self.upload(b'phone,message\nnot a number,Hi\n5512340001,Hi\n', 'bad.csv')
        self.source.skip_invalid_rows = True
        fixed = self.upload(b'phone,message\nnot a number,Hi\n5512340001,Hi\n', 'bad-skipped.csv')
        self.assertEqual((fixed.status, fixed.valid_count, fixed.invalid_count), ('pending', 1, 1))
        self.assertTrue(fixed.error_report, 'the skipped rows are reported too')

    def test_access_per_group(self):
        employee = new_test_user(self.env, 'broadcast_employee', groups='base.group_user')
        admin = new_test_user(self.env, 'broadcast_admin', groups='base.group_user,base.group_system')
        self.source.sudo().write({'protocol': 'sftp', 'host': 'sftp.example.com', 'password': 'secret'})
        for model in ('sms.broadcast', 'sms.broadcast.source', 'sms.broadcast.recipient',
                      'sms.broadcast.delivery.report'):
            with self.assertRaises(AccessError):
                self.env[model].with_user(employee).search([])
            self.env[model].with_user(self.marketer).search([])
        self.assertNotIn('password', self.env['sms.broadcast.source'].with_user(self.marketer).fields_get())
        with self.assertRaises(AccessError):
            self.source.with_user(self.marketer).read(['password'])
        with self.assertRaises(AccessError):
            self.source.with_user(self.marketer).write({'name': 'Renamed'})
        self.assertEqual(self.source.with_user(admin).password, 'secret')
        menus = self.env['ir.ui.menu'].with_user(self.marketer)._visible_menu_ids()
        self.assertIn(self.env.ref('mass_sms.sms_broadcast_menu').id, menus)
        self.assertNotIn(self.env.ref('mass_sms.sms_broadcast_source_menu').id, menus)
        self.assertIn(self.env.ref('mass_sms.sms_broadcast_source_menu').id,
                      self.env['ir.ui.menu'].with_user(admin)._visible_menu_ids())
