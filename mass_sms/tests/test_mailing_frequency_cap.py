from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingFrequencyCap(MassSmsMixin, TransactionCase):

    def setUp(self):
        super().setUp()
        self._bridge('infobip')

    def _send(self, phones, **values):
        mailing = self._mailing(phones, sms_frequency_cap=True, sms_frequency_cap_hours=16, **values)
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        return mailing

    def test_number_that_got_a_marketing_sms_lately_is_skipped_and_reported(self):
        with freeze_time('2026-12-02 09:00:00'):
            self._send(['+32470000901', '+32470000902'])
        with freeze_time('2026-12-03 00:59:59'):  # 15:59:59 later
            second = self._send(['+32470000901', '+32470000903'])
        self.assertEqual(self._sent_to(self.infobip), ['+32470000901', '+32470000902', '+32470000903'])
        skipped = self._traces(second).filtered(lambda trace: trace.sms_number == '+32470000901')
        self.assertRecordValues(skipped, [{'trace_status': 'cancel', 'failure_type': 'sms_frequency_cap'}])
        self.assertEqual(self.env['sms.sms'].search([('uuid', '=', skipped.sms_tracker_ids.sms_uuid)]).state, 'canceled')
        second.invalidate_recordset()
        self.assertEqual((second.sms_frequency_capped, second.canceled, second.sms_sent), (1, 1, 1))
        self.assertEqual(second.action_view_sms_frequency_capped()['domain'],
                         [('mass_mailing_id', '=', second.id), ('failure_type', '=', 'sms_frequency_cap')])

        with freeze_time('2026-12-03 01:00:01'):  # 16 hours later
            self._send(['+32470000901'])
        self.assertEqual(self._sent_to(self.infobip)[-1], '+32470000901')

    def test_two_mailings_queued_at_once_reach_a_number_once(self):
        with freeze_time('2026-12-02 09:00:00'):
            first = self._mailing(['+32470000911', '+32470000912'], sms_frequency_cap=True)
            second = self._mailing(['+32470000911'], sms_frequency_cap=True)
            (first | second).action_send_sms()
            self.env['sms.sms']._process_queue()
        self.assertEqual(sorted(self._sent_to(self.infobip)), ['+32470000911', '+32470000912'])
        self.assertEqual(self._traces(second).failure_type, 'sms_frequency_cap')

    def test_mailing_without_cap_and_transactional_sms_are_not_capped(self):
        with freeze_time('2026-12-02 09:00:00'):
            self._send(['+32470000921'])
            uncapped = self._mailing(['+32470000921'], sms_frequency_cap=False)
            uncapped.action_send_sms()
            self._chatter_sms(self._partner('+32470000921'))
            self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.infobip), ['+32470000921'] * 3)
        self.assertEqual(self._traces(uncapped).trace_status, 'pending')

    def test_failed_sms_does_not_count(self):
        self.infobip.fail_next(status=401)
        with freeze_time('2026-12-02 09:00:00'):
            failed = self._send(['+32470000931'])
        self.assertEqual(self._traces(failed).trace_status, 'error')
        with freeze_time('2026-12-02 10:00:00'):
            self._send(['+32470000931'])
        self.assertEqual(len([m for m in self.infobip.messages if m['to'].endswith('32470000931')]), 1)
