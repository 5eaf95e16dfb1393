from odoo.tests import TransactionCase, tagged

from odoo.addons.sms_gateway_bridge.tests.common import TWILIO_TOKEN

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingMetrics(MassSmsMixin, TransactionCase):

    def test_metrics_match_the_outbound_log(self):
        self._bridge('twilio', report_poll_delay=0)
        # the fake decides by the number: ...0 and ...1 delivered, ...7 unreachable, ...8 unknown number,
        # ...9 carrier failure; +15005550001 is refused as invalid, +15005550004 opted out (STOP)
        phones = ['+32470003010', '+32470003011', '+32470003017', '+32470003018', '+32470003019',
                  '+15005550001', '+15005550004']
        mailing = self._mailing(phones, body='Sale! https://example.com/sale', sms_allow_unsubscribe=True)
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        mailing.invalidate_recordset()

        log = self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)])
        failed = log.filtered(lambda message: message.state == 'failed')
        expected = {
            'sms_total': len(log),
            'sms_sent': len(log.filtered('sent_date')),
            'sms_delivered': len(log.filtered(lambda message: message.state == 'delivered')),
            'sms_bounced': len(failed.filtered(lambda message: message.failure == 'number')),
            'sms_opted_out': len(failed.filtered(lambda message: message.failure == 'opt_out')),
            'sms_exception': len(failed.filtered(lambda message: message.failure not in ('number', 'opt_out'))),
        }
        self.assertEqual({key: mailing[key] for key in expected}, expected)
        self.assertEqual(expected, {'sms_total': 7, 'sms_sent': 5, 'sms_delivered': 2, 'sms_bounced': 3,
                                    'sms_opted_out': 1, 'sms_exception': 1}, 'the fake decides every outcome')
        self.assertEqual(mailing.sms_delivered_ratio, round(100 * 2 / 7, 2))
        self.assertEqual(mailing.sms_bounced_ratio, round(100 * 3 / 7, 2), 'every rate on the same base')

        report = self.env['mass.sms.report'].search([('mailing_id', '=', mailing.id)])
        self.assertEqual(len(report), 7)
        for measure, metric in (('sent', 'sms_sent'), ('delivered', 'sms_delivered'), ('bounced', 'sms_bounced'),
                                ('exception', 'sms_exception'), ('opted_out', 'sms_opted_out'),
                                ('clicked', 'sms_clicked')):
            self.assertEqual(sum(report.mapped(measure)), mailing[metric], 'Reporting adds up to %s' % metric)

        stop = self.env['sms.consent.entry'].search([('number', '=', '+15005550004'), ('consent', '=', 'opt_out')])
        self.assertEqual((stop.consent, stop.channel), ('opt_out', 'reply'),
                         'a number that replied STOP at the provider is in the consent ledger')
        delivered = log.filtered(lambda message: message.number == '+32470003010')
        self.assertEqual(delivered.mailing_recipient, 'Contact 3010', 'the outbound log names the mailing contact')

        sent_contacts = self.env['mailing.trace'].search(mailing.action_view_sms_sent()['domain'])
        self.assertEqual(sorted(sent_contacts.mapped('sms_number')), sorted(log.filtered('sent_date').mapped('number')))

    def test_gateway_per_mailing_and_its_error_on_the_mailing(self):
        self._bridge('infobip', is_company_default=True)
        broken = self._bridge('twilio', twilio_auth_token='revoked')
        mailing = self._mailing(['+32470003021', '+32470003022'], sms_gateway_bridge_id=broken.id)
        self.assertIn('Twilio bridge', mailing.sms_gateway_summary)
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.assertFalse(self.infobip.messages, "the mailing's gateway sends all its SMS, whatever the routing")
        mailing.invalidate_recordset()
        self.assertEqual(mailing.sms_exception, 2)
        self.assertIn('Twilio bridge', mailing.sms_gateway_error)
        self.assertIn('credentials', mailing.sms_gateway_error, 'what to do')

        routed = self._mailing(['+32470003031'])
        self.assertFalse(routed.sms_gateway_bridge_id)
        routed.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.infobip), ['+32470003031'])
        self.assertFalse(routed.sms_gateway_error)

    def test_a_retry_replaces_the_failed_attempts_in_the_figures(self):
        broken = self._bridge('twilio', twilio_auth_token='revoked', report_poll_delay=0)
        mailing = self._mailing(['+32470003041', '+32470003040'])
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        mailing.invalidate_recordset()
        self.assertEqual((mailing.sms_total, mailing.sms_exception), (2, 2))
        self.assertTrue(mailing.sms_gateway_error)

        broken.twilio_auth_token = TWILIO_TOKEN
        mailing.action_retry_failed()
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        mailing.invalidate_recordset()
        self.assertEqual((mailing.sms_total, mailing.sms_sent, mailing.sms_delivered, mailing.sms_exception),
                         (2, 2, 2, 0), 'the retry counts in place of the failed attempts')
        self.assertEqual(mailing.sms_delivered_ratio, 100.0)
        self.assertFalse(mailing.sms_gateway_error, 'the banner goes once the retry went through')
        self.assertEqual(len(self.env['mass.sms.report'].search([('mailing_id', '=', mailing.id)])), 2)
        self.assertEqual(len(self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)])), 4,
                         'the outbound log keeps every attempt')
