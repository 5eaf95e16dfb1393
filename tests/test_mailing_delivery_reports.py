"""End to end: a 1,000-recipient SMS mailing sent through fake Twilio and Infobip, whose reports
come by signed webhooks, by polling or both; the mailing's statistics match what the fakes decided."""
from collections import Counter

from odoo.tests import HttpCase, tagged

from odoo.addons.mass_sms.tests.common import MassSmsMixin
from odoo.addons.sms_gateway_bridge.tests.common import WebhookMixin

TWILIO_RECIPIENTS = 300
INFOBIP_RECIPIENTS = 700


@tagged('post_install', '-at_install')
class TestMailingDeliveryReports(MassSmsMixin, WebhookMixin, HttpCase):

    def _send_mailing(self, mode):
        self._bridge('twilio', destination_prefixes='1', delivery_report_mode=mode, report_poll_delay=0,
                     max_per_second=500)
        self._bridge('infobip', is_company_default=True, delivery_report_mode=mode, report_poll_delay=0,
                     max_per_second=10000)
        phones = ['+1415555%04d' % index for index in range(TWILIO_RECIPIENTS)]
        phones += ['+3247712%04d' % index for index in range(INFOBIP_RECIPIENTS)]
        mailing = self._mailing(phones)
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.assertEqual(len(self.twilio.messages), TWILIO_RECIPIENTS)
        self.assertEqual(len(self.infobip.messages), INFOBIP_RECIPIENTS)
        return mailing

    def _expected_counts(self):
        """What the fakes decided, as Odoo's mailing statistics count it."""
        outcomes = Counter()
        for message in self.twilio.messages:
            status, code = self.twilio.final_status(message['to'])
            bounce = code in (30003, 30005)
            outcomes['delivered' if status == 'delivered' else 'bounced' if bounce else 'failed'] += 1
        for message in self.infobip.messages:
            status, error = self.infobip.final_status(message['to'])
            bounce = status['groupName'] == 'UNDELIVERABLE' and error['permanent']
            outcomes['delivered' if status['groupName'] == 'DELIVERED' else 'bounced' if bounce else 'failed'] += 1
        return outcomes

    def _deliver_by_webhook(self):
        results = self._from_outside(self.twilio.send_status_callbacks, statuses=('delivered',))
        results += self._from_outside(self.infobip.send_delivery_reports, batch_size=100)
        self.assertEqual({status for _url, status in results}, {200})

    def _deliver_by_polling(self):
        self.twilio.settle()
        self.infobip.queue_reports()
        self.env['sms.outbound.message']._cron_get_delivery_reports()

    def _assert_statistics(self, mailing):
        expected = self._expected_counts()
        self.assertEqual(sum(expected.values()), TWILIO_RECIPIENTS + INFOBIP_RECIPIENTS)
        self.assertTrue(all(expected.values()), 'the fakes decide every kind of outcome')
        mailing.invalidate_recordset()
        self.assertEqual(
            {'delivered': mailing.delivered, 'bounced': mailing.bounced, 'failed': mailing.failed}, dict(expected))
        states = Counter(self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)]).mapped('state'))
        self.assertEqual(states, Counter(delivered=expected['delivered'],
                                         failed=expected['bounced'] + expected['failed']))

    def test_reports_by_webhook(self):
        mailing = self._send_mailing('webhook')
        self._deliver_by_webhook()
        self._assert_statistics(mailing)

    def test_reports_by_polling(self):
        mailing = self._send_mailing('polling')
        self._deliver_by_polling()
        self._assert_statistics(mailing)

    def test_reports_by_webhook_and_polling_at_once(self):
        mailing = self._send_mailing('both')
        self._deliver_by_webhook()
        self._deliver_by_polling()
        self._assert_statistics(mailing)
