import json
import time
from datetime import timedelta

import requests
from twilio.request_validator import RequestValidator

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..providers.simulator import WEBHOOK_DELAY
from .common import INFOBIP_KEY, TWILIO_SID, TWILIO_TOKEN, BridgeMixin, WebhookMixin

WEBHOOK_LOGGER = 'odoo.addons.sms_gateway_bridge.controllers.main'


class DeliveryReportCase(BridgeMixin, WebhookMixin, HttpCase):

    def _send(self, phones, provider='twilio', **bridge_values):
        bridge = self._bridge(provider, **{'delivery_report_mode': 'webhook', **bridge_values})
        sms = self._chatter_sms(self._partner(phone) for phone in phones)
        self.env['sms.sms']._process_queue()
        return bridge, sms, self._outbound(sms)

    def _states(self, outbound):
        return {message.number: (message.state, message.failure or None) for message in outbound}

    def _twilio_callback(self, url, params, signature_url=None, token=TWILIO_TOKEN, headers=None):
        signature = RequestValidator(token).compute_signature(signature_url or url, params)
        return self._post(url, data=params, headers={'X-Twilio-Signature': signature, **(headers or {})})

    def _twilio_params(self, message, status, **extra):
        return {'MessageSid': message['sid'], 'SmsSid': message['sid'], 'AccountSid': TWILIO_SID,
                'From': message['from_'], 'To': message['to'], 'MessageStatus': status, 'SmsStatus': status,
                'ApiVersion': '2010-04-01', **extra}


@tagged('post_install', '-at_install')
class TestTwilioWebhook(DeliveryReportCase):

    def test_signed_callbacks_update_every_record(self):
        _bridge, sms, outbound = self._send(['+32470000200', '+32470000207', '+32470000209'])

        results = self._from_outside(self.twilio.send_status_callbacks)

        self.assertEqual({status for _url, status in results}, {200})
        self.assertEqual(self._states(outbound), {
            '+32470000200': ('delivered', None),
            '+32470000207': ('failed', 'number'),   # 30003 unreachable handset
            '+32470000209': ('failed', 'message'),  # 30008 unknown error
        })
        failed = outbound.filtered(lambda m: m.number == '+32470000207')
        self.assertEqual(failed.error_code, '30003')
        self.assertTrue(failed.done_date)
        notifications = {n.sms_number: (n.notification_status, n.failure_type) for n in self._notifications(sms)}
        self.assertEqual(notifications, {
            '+32470000200': ('sent', False),
            '+32470000207': ('bounce', 'sms_invalid_destination'),
            '+32470000209': ('exception', 'sms_not_delivered'),
        })

    def test_forged_requests_are_refused(self):
        bridge, _sms, outbound = self._send(['+32470000201'])
        [message] = self.twilio.messages
        url = message['status_callback']
        params = self._twilio_params(message, 'delivered')
        forged = [
            ('wrong token', url.replace(bridge.webhook_token, 'x' * len(bridge.webhook_token)), params, {}),
            ('unknown bridge', url.replace('/%d/' % bridge.id, '/%d/' % (bridge.id + 1000)), params, {}),
            ('wrong signing key', url, params, {'token': 'not-the-auth-token'}),
        ]
        with mute_logger(WEBHOOK_LOGGER):
            for label, target, data, kwargs in forged:
                with self.subTest(label):
                    self.assertEqual(self._twilio_callback(target, data, **kwargs).status_code, 403)
            with self.subTest('tampered parameter'):
                signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
                tampered = dict(params, MessageStatus='undelivered', ErrorCode='30003')
                response = self._post(url, data=tampered, headers={'X-Twilio-Signature': signature})
                self.assertEqual(response.status_code, 403)
            with self.subTest('missing signature'):
                self.assertEqual(self._post(url, data=params).status_code, 403)
        self.assertEqual(self._states(outbound), {'+32470000201': ('waiting', None)}, 'forged calls change nothing')

        self.assertEqual(self._twilio_callback(url, params).status_code, 200)
        self.assertEqual(self._states(outbound), {'+32470000201': ('delivered', None)})

    def test_malformed_and_unknown(self):
        bridge, _sms, outbound = self._send(['+32470000202'])
        [message] = self.twilio.messages
        with mute_logger(WEBHOOK_LOGGER):
            malformed = self._twilio_callback(message['status_callback'], {'MessageSid': message['sid']})
        self.assertEqual(malformed.status_code, 400)

        unknown_url = message['status_callback'].replace(outbound.attempt_id, 'f' * 32)
        unknown = dict(self._twilio_params(message, 'delivered'), MessageSid='SM' + 'e' * 32)
        self.assertEqual(self._twilio_callback(unknown_url, unknown).status_code, 200)
        kept = self.env['sms.delivery.report'].search([('bridge_id', '=', bridge.id)])
        self.assertEqual(kept.mapped('attempt_id'), ['f' * 32], 'kept until its message shows up, or for 2 days')
        self.assertEqual(self._states(outbound), {'+32470000202': ('waiting', None)})

    def test_replayed_late_and_duplicate_reports_change_nothing(self):
        _bridge, _sms, outbound = self._send(['+32470000203'])
        [message] = self.twilio.messages
        url = message['status_callback']
        self._twilio_callback(url, self._twilio_params(message, 'delivered'))
        delivered_on = outbound.done_date
        for status, extra in (('sent', {}), ('delivered', {}), ('undelivered', {'ErrorCode': '30005'})):
            self.assertEqual(self._twilio_callback(url, self._twilio_params(message, status, **extra)).status_code, 200)
        self.assertEqual(self._states(outbound), {'+32470000203': ('delivered', None)})
        self.assertEqual(outbound.done_date, delivered_on)
        self.assertFalse(self.env['sms.delivery.report'].search([('attempt_id', '=', outbound.attempt_id)]))

    def test_out_of_order_reports_move_forward_only(self):
        _bridge, _sms, outbound = self._send(['+32470000204'])
        [message] = self.twilio.messages
        url = message['status_callback']
        self._twilio_callback(url, self._twilio_params(message, 'sent'))
        self.assertEqual(self._states(outbound), {'+32470000204': ('sent', None)})
        self._twilio_callback(url, self._twilio_params(message, 'queued'))
        self.assertEqual(self._states(outbound), {'+32470000204': ('sent', None)})
        self._twilio_callback(url, self._twilio_params(message, 'delivered'))
        self.assertEqual(self._states(outbound), {'+32470000204': ('delivered', None)})


@tagged('post_install', '-at_install')
class TestInfobipWebhook(DeliveryReportCase):

    def test_batches_of_one_hundred_reports(self):
        phones = ['+3247000%04d' % index for index in range(300, 400)]
        _bridge, sms, outbound = self._send(phones, provider='infobip')
        self.assertEqual(len(outbound), 100)

        results = self._from_outside(self.infobip.send_delivery_reports, batch_size=100)

        self.assertEqual(results, [(self.infobip.messages[0]['delivery_url'], 200)])
        expected = {}
        for phone in phones:
            status, error = self.infobip.final_status(phone.lstrip('+'))
            expected[phone] = {
                'DELIVERED': ('delivered', None), 'EXPIRED': ('failed', 'expired'),
            }.get(status['groupName']) or ('failed', 'number' if error['permanent'] else 'message')
        self.assertEqual(self._states(outbound), expected)
        statuses = {n.notification_status for n in self._notifications(sms)}
        self.assertEqual(statuses, {'sent', 'bounce', 'exception'})

    def test_token_and_body_checks(self):
        bridge, _sms, outbound = self._send(['+32470000401'], provider='infobip')
        url = self.infobip.messages[0]['delivery_url']
        report = {'results': [{'messageId': outbound.attempt_id, 'status': {
            'groupId': 3, 'groupName': 'DELIVERED', 'id': 5, 'name': 'DELIVERED_TO_HANDSET'}}]}
        with mute_logger(WEBHOOK_LOGGER):
            self.assertEqual(self._post(url.replace(bridge.webhook_token, 'guess'), json=report).status_code, 403)
            self.assertEqual(self._post(url, data='{"results": [', headers={
                'Content-Type': 'application/json'}).status_code, 400)
            self.assertEqual(self._post(url, json={'results': [{'status': {}}]}).status_code, 400)
        self.assertEqual(self._states(outbound), {'+32470000401': ('waiting', None)})

        old_url = url
        bridge.action_rotate_webhook_token()
        with mute_logger(WEBHOOK_LOGGER):
            self.assertEqual(self._post(old_url, json=report).status_code, 403, 'a rotated token is dead')
        self.assertEqual(self._post(bridge.status_webhook_url, json=report).status_code, 200)
        self.assertEqual(self._states(outbound), {'+32470000401': ('delivered', None)})

    def test_report_before_the_send_is_recorded_waits(self):
        """A report for a message whose send is not recorded yet is kept, then applied."""
        bridge = self._bridge('infobip', delivery_report_mode='webhook')
        sms = self._chatter_sms(self._partner('+32470000402'))
        outbound = sms._hand_to_bridges({bridge: sms})
        outbound.claim_token = 42  # its worker is sending it
        report = {'results': [{'messageId': outbound.attempt_id, 'status': {
            'groupId': 3, 'groupName': 'DELIVERED', 'id': 5, 'name': 'DELIVERED_TO_HANDSET'}}]}
        self.assertEqual(self._post(bridge.status_webhook_url, json=report).status_code, 200)
        self.assertEqual(outbound.state, 'pending')
        self.assertEqual(len(self.env['sms.delivery.report'].search([('attempt_id', '=', outbound.attempt_id)])), 1)

        outbound._send_claim()

        self.assertEqual(outbound.state, 'delivered')
        self.assertFalse(self.env['sms.delivery.report'].search([('attempt_id', '=', outbound.attempt_id)]))


@tagged('post_install', '-at_install')
class TestPolling(DeliveryReportCase):

    def _poll(self):
        self.env['sms.outbound.message']._cron_get_delivery_reports()

    def test_infobip_reports_endpoint(self):
        bridge, _sms, outbound = self._send(['+32470000500', '+32470000508'], provider='infobip')
        bridge.delivery_report_mode = 'polling'
        self.infobip.queue_reports()

        self._poll()

        self.assertEqual(self._states(outbound), {
            '+32470000500': ('delivered', None), '+32470000508': ('failed', 'number')})
        self.assertEqual(outbound.filtered(lambda m: m.state == 'delivered').price, 0.01)

    def test_reports_read_by_a_job_that_died_are_not_lost(self):
        """Infobip hands each report out once: one read by a job that died before storing it is
        recovered from Infobip's message logs; one stored but not applied is applied next run."""
        bridge, _sms, outbound = self._send(['+32470000501', '+32470000502'], provider='infobip',
                                            report_poll_delay=0)
        bridge.delivery_report_mode = 'both'
        self.infobip.queue_reports()
        lost = requests.get(self.infobip.base_url + '/sms/3/reports', params={'limit': 1},
                            headers={'Authorization': 'App %s' % INFOBIP_KEY}).json()['results']
        self.assertEqual(len(lost), 1)
        bridge._pull_reports()  # then the job dies: the report it read is stored, not applied
        self.assertEqual(len(self.env['sms.delivery.report'].search([('bridge_id', '=', bridge.id)])), 1)
        self.assertEqual(set(self._states(outbound).values()), {('waiting', None)})

        self._poll()

        self.assertEqual(self._states(outbound), {
            '+32470000501': ('delivered', None), '+32470000502': ('delivered', None)})
        self.assertIn(lost[0]['messageId'], outbound.mapped('attempt_id'))

    def test_twilio_status_fetched_after_delay(self):
        bridge, _sms, outbound = self._send(['+32470000503', '+32470000507'])
        bridge.write({'delivery_report_mode': 'polling', 'report_poll_delay': 10})
        self.twilio.settle()

        self._poll()
        self.assertEqual(set(self._states(outbound).values()), {('waiting', None)}, 'not before the delay')
        fetches = [r for r in self.twilio.requests if r['method'] == 'GET']
        self.assertFalse(fetches)

        outbound.write({'sent_date': fields.Datetime.now() - timedelta(minutes=11)})
        self._poll()
        self.assertEqual(self._states(outbound), {
            '+32470000503': ('delivered', None), '+32470000507': ('failed', 'number')})

    def test_no_report_after_validity_then_late_report(self):
        bridge, _sms, outbound = self._send(['+32470000504'])
        bridge.validity_hours = 10
        outbound.write({'sent_date': fields.Datetime.now() - timedelta(hours=11)})

        self._poll()
        self.assertEqual(self._states(outbound), {'+32470000504': ('no_report', None)})

        [message] = self.twilio.messages
        self._twilio_callback(message['status_callback'], self._twilio_params(message, 'delivered'))
        self.assertEqual(self._states(outbound), {'+32470000504': ('delivered', None)})


@tagged('post_install', '-at_install')
class TestSimulatorReports(DeliveryReportCase):

    def test_simulator_reports_by_polling(self):
        _bridge, sms, outbound = self._send(
            ['+32470000000', '+32470000001', '+32470000002', '+32470000003', '+32470000005'],
            provider='simulator', delivery_report_mode='polling', report_poll_delay=0)
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        self.assertEqual(self._states(outbound), {
            '+32470000000': ('delivered', None),
            '+32470000001': ('failed', 'number'),
            '+32470000002': ('failed', 'number'),
            '+32470000003': ('failed', 'expired'),
            '+32470000005': ('sent', None),
        })
        self.assertEqual(len(self._notifications(sms)), 5)

    def test_simulator_reports_by_webhook(self):
        _bridge, _sms, outbound = self._send(['+32470000000', '+32470000002'], provider='simulator')
        self._from_outside(time.sleep, WEBHOOK_DELAY + 2)  # the simulator posts its reports meanwhile
        self.assertEqual(self._states(outbound), {
            '+32470000000': ('delivered', None), '+32470000002': ('failed', 'number')})


@tagged('post_install', '-at_install')
class TestInboundMessages(DeliveryReportCase):

    def _blacklisted(self, number):
        return self.env['phone.blacklist'].with_context(active_test=False).search([('number', '=', number)])

    def test_twilio_stop_and_start(self):
        bridge = self._bridge('twilio')
        for index, keyword in enumerate(('STOP', ' stop ', 'Stopall', 'UNSUBSCRIBE', 'cancel', 'End', 'quit')):
            number = '+3247000060%d' % index
            with self.subTest(keyword=keyword):
                response = self._from_outside(self.twilio.send_inbound, bridge.inbound_webhook_url, number, keyword)
                self.assertEqual(response.status_code, 200)
                self.assertIn('<Response>', response.text)
                blacklisted = self._blacklisted(number)
                self.assertTrue(blacklisted.active)
                self.assertIn('Replied %s to SMS gateway Twilio bridge' % keyword.strip().upper(),
                              blacklisted.message_ids[0].body)

        self._from_outside(self.twilio.send_inbound, bridge.inbound_webhook_url, '+32470000600', 'Start')
        self.assertFalse(self._blacklisted('+32470000600').active)
        self._from_outside(self.twilio.send_inbound, bridge.inbound_webhook_url, '+32470000610', 'Stop sending me promos please')
        self.assertFalse(self._blacklisted('+32470000610'), 'only a whole-message keyword counts')

        with mute_logger(WEBHOOK_LOGGER):
            forged = self._post(bridge.inbound_webhook_url, data={'From': '+32470000611', 'Body': 'STOP'})
        self.assertEqual(forged.status_code, 403)
        self.assertFalse(self._blacklisted('+32470000611'))

    def test_infobip_stop_then_mailing_skips_until_start(self):
        bridge = self._bridge('infobip')
        partner = self._partner('+32470000620')
        self.assertEqual(self._from_outside(self.infobip.send_inbound, bridge.inbound_webhook_url, '32470000620', 'Stop').status_code, 200)
        self.assertTrue(self._blacklisted('+32470000620').active)

        def mass_sms():
            composer = self.env['sms.composer'].create({
                'composition_mode': 'mass', 'res_model': 'res.partner', 'res_ids': repr(partner.ids),
                'body': 'Promo', 'mass_keep_log': False})
            return composer._action_send_sms()

        sms = mass_sms()
        self.assertEqual((sms.state, sms.failure_type), ('canceled', 'sms_blacklist'))

        self._from_outside(self.infobip.send_inbound, bridge.inbound_webhook_url, '32470000620', 'YES')
        sms = mass_sms()
        self.assertEqual(sms.state, 'outgoing')
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.infobip), ['+32470000620'])

    def test_malformed_inbound(self):
        bridge = self._bridge('infobip')
        with mute_logger(WEBHOOK_LOGGER):
            response = self._post(bridge.inbound_webhook_url, data=json.dumps({'results': [{'text': 'STOP'}]}),
                                     headers={'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, 400)
