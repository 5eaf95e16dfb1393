from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from .common import MassSmsMixin

# 15:00 in Brussels, 23:00 in Tokyo
AFTERNOON_IN_EUROPE = datetime(2026, 12, 2, 14, 0)
MORNING_IN_TOKYO = datetime(2026, 12, 2, 23, 0)  # 08:00 in Tokyo


@tagged('post_install', '-at_install')
class TestMailingSendWindow(MassSmsMixin, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({'sms_window_start': 8, 'sms_window_end': 21})

    def setUp(self):
        super().setUp()
        self._bridge('infobip')
        self.queue_cron = self.env.ref('sms.ir_cron_sms_scheduler_action')

    def _send(self, mailing):
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()

    def _sms(self, mailing):
        return self.env['sms.sms'].search([('mailing_id', '=', mailing.id)])

    def test_recipient_at_night_waits_for_the_morning(self):
        mailing = self._mailing(['+32470000801', '+81312340802'], sms_allow_unsubscribe=False)
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', self.queue_cron.id)])
        with freeze_time(AFTERNOON_IN_EUROPE):
            self._send(mailing)
            self.assertEqual(self._sent_to(self.infobip), ['+32470000801'])
            tokyo_sms = self._sms(mailing).filtered(lambda sms: sms.number == '+81312340802')
            self.assertRecordValues(tokyo_sms, [{'state': 'outgoing', 'send_after': MORNING_IN_TOKYO}])
            self.assertEqual(tokyo_sms.mailing_trace_ids.trace_status, 'outgoing', 'neither failed nor cancelled')
            self.assertRecordValues(mailing, [{
                'sms_waiting_count': 1, 'sms_waiting_first': MORNING_IN_TOKYO, 'sms_waiting_last': MORNING_IN_TOKYO,
                'sms_estimated_end': MORNING_IN_TOKYO}])
            new_triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', self.queue_cron.id)]) - triggers
            self.assertIn(MORNING_IN_TOKYO, new_triggers.mapped('call_at'), 'the queue wakes up when Tokyo does')

        with freeze_time('2026-12-02 22:59:59'):
            self.env['sms.sms']._process_queue()
            self.assertEqual(len(self.infobip.messages), 1, 'not a second early')

        with freeze_time(MORNING_IN_TOKYO):
            self.env['sms.sms']._process_queue()
            self.assertEqual(self._sent_to(self.infobip), ['+32470000801', '+81312340802'])
            mailing.invalidate_recordset()
            self.assertEqual(mailing.sms_waiting_count, 0)
            self.assertEqual(set(self._traces(mailing).mapped('trace_status')), {'pending'})

    def test_backlog_drained_after_the_window_closed_waits(self):
        mailing = self._mailing(['+32470000811'])
        with freeze_time('2026-12-02 10:00:00'):
            mailing.action_send_sms()  # queued at 11:00 in Brussels, while no worker runs the queue
        with freeze_time('2026-12-02 19:59:01'):  # 20:59:01: the window closes in less than a minute
            self.env['sms.sms']._process_queue()
            self.assertFalse(self.infobip.messages)
            self.assertEqual(self._sms(mailing).send_after, datetime(2026, 12, 3, 7, 0))

    def test_gradual_mailing_held_for_the_window_leaves_at_its_rate(self):
        mailing = self._mailing(['+3247000082%d' % index for index in range(3)], sms_max_per_minute=2)
        with freeze_time('2026-12-02 19:58:00'):  # 20:58 in Brussels
            mailing.action_send_sms()  # one SMS every 30 s from now: the last one after 21:00
            self.env['sms.sms']._process_queue()
            self.assertEqual(len(self.infobip.messages), 1)
        with freeze_time('2026-12-02 19:59:30'):
            self.env['sms.sms']._process_queue()
        opening = datetime(2026, 12, 3, 7, 0)
        self.assertEqual(sorted(self._sms(mailing).filtered(lambda sms: sms.state == 'outgoing').mapped('send_after')),
                         [opening, opening + timedelta(seconds=30)], 'held SMS keep the mailing\'s rate')

    def test_recipient_time_zone_before_the_number_country(self):
        """The recipient's own time zone, the SMS's partner's or the mailing recipient's, wins
        over the country of their number."""
        partners = self._partner('+32470000821', tz='Asia/Tokyo') | self._partner('+32470000822', tz='Asia/Tokyo')
        mailing = self.env['mailing.mailing'].create({
            'name': 'Partners', 'subject': 'Partners', 'mailing_type': 'sms', 'body_plaintext': 'Hello',
            'mailing_model_id': self.env['ir.model']._get_id('res.partner'),
            'mailing_domain': [('id', 'in', partners.ids)], 'sms_allow_unsubscribe': False,
        })
        mailing.action_send_sms()
        self.assertEqual(self._sms(mailing).partner_id, partners)
        self._sms(mailing).filtered(lambda sms: sms.number == '+32470000822').partner_id = False
        with freeze_time(AFTERNOON_IN_EUROPE):
            self.env['sms.sms']._process_queue()
        self.assertFalse(self.infobip.messages)
        self.assertEqual(self._sms(mailing).mapped('send_after'), [MORNING_IN_TOKYO] * 2)

    def test_company_time_zone_when_the_number_has_no_country(self):
        self.env.company.partner_id.tz = 'Asia/Tokyo'
        self.env.company.sms_window_transactional = True
        sms = self._chatter_sms(self._partner('0470000831'))
        with freeze_time(AFTERNOON_IN_EUROPE):
            self.env['sms.sms']._process_queue()
        self.assertEqual((sms.state, sms.send_after), ('outgoing', MORNING_IN_TOKYO))

    def test_transactional_sms_leave_at_night_unless_the_company_says_otherwise(self):
        tokyo_partner = self._partner('+81312340841')
        with freeze_time(AFTERNOON_IN_EUROPE):
            self._chatter_sms(tokyo_partner)
            self.env['sms.sms']._process_queue()
            self.assertEqual(self._sent_to(self.infobip), ['+81312340841'], 'an order confirmation leaves at once')

            self.env.company.sms_window_transactional = True
            sms = self._chatter_sms(tokyo_partner)
            self.env['sms.sms']._process_queue()
            self.assertEqual(len(self.infobip.messages), 1)
            self.assertEqual((sms.state, sms.send_after), ('outgoing', MORNING_IN_TOKYO))

    def test_mailing_window_overrides_the_company_window(self):
        early_bird = self._mailing(['+32470000851'], sms_send_window='custom', sms_window_start=6, sms_window_end=22)
        any_time = self._mailing(['+32470000852'], sms_send_window='anytime')
        company_window = self._mailing(['+32470000853'])
        no_wednesdays = self._mailing(['+32470000854'], sms_send_window='custom', sms_window_start=6,
                                      sms_window_end=22, sms_window_quiet_day_ids=[
                                          Command.link(self.env.ref('mass_sms.sms_weekday_wednesday').id)])
        with freeze_time('2026-12-02 05:30:00'):  # Wednesday, 06:30 in Brussels
            for mailing in early_bird | any_time | company_window | no_wednesdays:
                self._send(mailing)
        self.assertEqual(sorted(self._sent_to(self.infobip)), ['+32470000851', '+32470000852'])
        self.assertEqual(self._sms(company_window).send_after, datetime(2026, 12, 2, 7, 0))
        self.assertEqual(self._sms(no_wednesdays).send_after, datetime(2026, 12, 3, 5, 0), 'Thursday 06:00')

    def test_new_mailing_starts_from_the_company_settings(self):
        self.env['res.config.settings'].create({
            'sms_window_start': 9, 'sms_window_end': 18, 'sms_frequency_cap': True, 'sms_frequency_cap_hours': 24,
            'sms_window_quiet_day_ids': [Command.link(self.env.ref('mass_sms.sms_weekday_sunday').id)],
        }).execute()
        mailing = self._mailing(['+32470000861'])
        self.assertRecordValues(mailing, [{
            'sms_send_window': 'company', 'sms_window_start': 9, 'sms_window_end': 18,
            'sms_frequency_cap': True, 'sms_frequency_cap_hours': 24,
        }])
        self.assertEqual(mailing.sms_window_quiet_day_ids, self.env.ref('mass_sms.sms_weekday_sunday'))

    def test_windows_that_never_open_are_refused(self):
        mailing = self._mailing(['+32470000871'])
        with self.assertRaises(ValidationError):
            mailing.write({'sms_window_start': 21, 'sms_window_end': 8})
        with self.assertRaises(ValidationError):
            self.env.company.sms_window_quiet_day_ids = self.env['sms.weekday'].search([])
        with self.assertRaises(ValidationError):
            self.env.company.sms_frequency_cap_hours = 0

    def test_marketer_sets_a_mailing_window_but_not_the_days_of_the_week(self):
        marketer = new_test_user(self.env, 'window_marketer', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        portal = new_test_user(self.env, 'window_portal', groups='base.group_portal')
        mailing = self._mailing(['+32470000881']).with_user(marketer)
        sunday = self.env['sms.weekday'].with_user(marketer).search([('number', '=', 6)])
        mailing.write({'sms_send_window': 'custom', 'sms_window_quiet_day_ids': [Command.link(sunday.id)]})
        self.assertEqual(mailing.sms_window_quiet_day_ids.name, 'Sunday')
        with self.assertRaises(AccessError):
            sunday.name = 'Funday'
        with self.assertRaises(AccessError):
            self.env['sms.weekday'].with_user(portal).search([])


@tagged('post_install', '-at_install')
class TestSendWindowUi(MassSmsMixin, HttpCase):

    def test_marketer_sees_waiting_sms_and_sets_the_mailing_window(self):
        mailing = self._mailing(['+81312340891', '+81312340892'], sms_frequency_cap=True)
        mailing.action_send_sms()
        in_three_hours = fields.Datetime.now() + timedelta(hours=3)
        self.env['sms.sms'].search([('mailing_id', '=', mailing.id)]).send_after = in_three_hours

        self.start_tour('/odoo/action-mass_mailing_sms.mailing_mailing_action_sms/%s' % mailing.id,
                        'mass_sms_send_window', login='admin')

        self.assertRecordValues(mailing, [{
            'sms_send_window': 'custom', 'sms_window_start': 9.5, 'sms_window_end': 18,
            'sms_frequency_cap': True, 'sms_frequency_cap_hours': 24,
        }])
        self.assertEqual(mailing.sms_window_quiet_day_ids, self.env.ref('mass_sms.sms_weekday_sunday'))

    def test_settings_of_the_send_window_and_frequency_cap(self):
        with Form(self.env['res.config.settings']) as settings:
            settings.sms_window_start = 7.5
            settings.sms_window_end = 20
            settings.sms_window_transactional = True
            settings.sms_frequency_cap = True
            settings.sms_frequency_cap_hours = 12
            settings.sms_window_quiet_day_ids.add(self.env.ref('mass_sms.sms_weekday_saturday'))
        settings.save().execute()
        self.assertRecordValues(self.env.company, [{
            'sms_window_start': 7.5, 'sms_window_end': 20, 'sms_window_transactional': True,
            'sms_frequency_cap': True, 'sms_frequency_cap_hours': 12,
        }])
        self.assertEqual(self.env.company.sms_window_quiet_day_ids, self.env.ref('mass_sms.sms_weekday_saturday'))
