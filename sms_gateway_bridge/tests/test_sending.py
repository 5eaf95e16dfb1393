from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import INFOBIP_KEY, TWILIO_SENDER, BridgeCase


@tagged('post_install', '-at_install')
class TestSending(BridgeCase):

    def test_chatter_sms_through_twilio(self):
        bridge = self._bridge('twilio', delivery_report_mode='both')
        partner = self._partner('+32470000101')
        sms = self._chatter_sms(partner, body='Your parcel ships today')
        self.assertEqual(sms.state, 'outgoing', 'Bridge SMS leave only through the queue job')
        self.assertFalse(self.twilio.messages)

        self.env['sms.sms']._process_queue()

        [message] = self.twilio.messages
        self.assertEqual((message['to'], message['from_'], message['body']),
                         ('+32470000101', TWILIO_SENDER, 'Your parcel ships today'))
        callback = urlsplit(message['status_callback'])
        self.assertEqual(callback.path, '/sms_gateway_bridge/%d/%s/status' % (bridge.id, bridge.webhook_token))
        outbound = self._outbound(sms)
        self.assertEqual(parse_qs(callback.query), {'sms': [outbound.attempt_id]})
        self.assertRecordValues(outbound, [{
            'state': 'waiting', 'bridge_id': bridge.id, 'number': '+32470000101', 'origin': 'chatter',
            'provider_message_id': message['sid'], 'segments': 1, 'partner_id': partner.id,
            'mail_message_id': sms.mail_message_id.id, 'needs_review': False,
        }])
        self.assertTrue(outbound.sent_date)
        self.assertEqual((sms.state, sms.to_delete), ('pending', True))
        self.assertEqual(self._notifications(sms).notification_status, 'pending')

        self.env['sms.sms']._process_queue()
        self.assertEqual(len(self.twilio.messages), 1, 'A sent SMS is never sent again')

    def test_sms_waits_for_its_send_after_time(self):
        self._bridge('twilio')
        sms = self._chatter_sms(self._partner('+32470000103'))
        due = fields.Datetime.now() + timedelta(hours=2)
        sms.send_after = due
        queue_cron = self.env.ref('sms.ir_cron_sms_scheduler_action')
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', queue_cron.id)])

        self.env['sms.sms']._process_queue()
        self.assertFalse(self.twilio.messages)
        self.assertEqual(sms.state, 'outgoing')
        new_triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', queue_cron.id)]) - triggers
        self.assertIn(due, new_triggers.mapped('call_at'), 'The queue runs again when the SMS is due')

        sms.send_after = fields.Datetime.now() - timedelta(seconds=1)
        self.env['sms.sms']._process_queue()
        self.assertEqual(len(self.twilio.messages), 1)

    def test_messaging_service_sender(self):
        service = 'MG' + '0a' * 16
        self._bridge('twilio', sender=service)
        self._chatter_sms(self._partner('+32470000102'))
        self.env['sms.sms']._process_queue()
        [message] = self.twilio.messages
        self.assertEqual(message['messaging_service_sid'], service)

    def test_mass_sms_through_infobip_in_one_request(self):
        self._bridge('infobip')
        partners = self.env['res.partner'].create([
            {'name': 'Contact %d' % index, 'phone': '+3247000%04d' % index} for index in range(40)])
        composer = self.env['sms.composer'].with_context(active_model='res.partner', active_ids=partners.ids).create({
            'composition_mode': 'mass', 'body': 'Hello {{ object.name }}', 'mass_keep_log': False})
        sms = composer._action_send_sms()
        self.assertEqual(len(sms), 40)

        self.env['sms.sms']._process_queue()

        sends = [request for request in self.infobip.requests if request['path'] == '/sms/3/messages']
        self.assertEqual(len(sends), 1, 'Infobip takes many destinations per request')
        self.assertEqual(sends[0]['headers']['authorization'], 'App %s' % INFOBIP_KEY)
        self.assertEqual(sorted(self._sent_to(self.infobip)), sorted(partners.mapped('phone')))
        self.assertEqual({message['messageId'] for message in self.infobip.messages},
                         set(self._outbound(sms).mapped('attempt_id')),
                         'Infobip gets our own message id per destination')
        self.assertEqual(self.infobip.messages[0]['text'], 'Hello Contact 0')
        self.assertEqual(set(self._outbound(sms).mapped('state')), {'waiting'})

    def test_wrong_numbers_bounce_alone(self):
        self._bridge('twilio')
        good, invalid, not_mobile = (self._partner(phone) for phone in ('+32470000103', '+15005550001', '+15005550009'))
        sms = self._chatter_sms(good | invalid | not_mobile)

        self.env['sms.sms']._process_queue()

        self.assertEqual(self._sent_to(self.twilio), ['+32470000103'])
        states = {m.number: (m.state, m.failure, m.error_code) for m in self._outbound(sms)}
        self.assertEqual(states, {
            '+32470000103': ('waiting', False, False),
            '+15005550001': ('failed', 'number', '21211'),
            '+15005550009': ('failed', 'number', '21614'),
        })
        notifications = {n.sms_number: (n.notification_status, n.failure_type) for n in self._notifications(sms)}
        self.assertEqual(notifications['+15005550001'], ('bounce', 'sms_invalid_destination'))
        self.assertEqual(notifications['+32470000103'], ('pending', False))
        failed = self._outbound(sms).filtered(lambda m: m.state == 'failed')
        self.assertIn('SMS gateway Twilio bridge: Twilio error 21211', failed[0].error_message + failed[1].error_message)

    def test_infobip_rejected_destination_bounces_alone(self):
        self._bridge('infobip')
        sms = self._chatter_sms(self._partner(phone) for phone in ('+32470000104', '+3247'))

        self.env['sms.sms']._process_queue()

        states = {m.number: (m.state, m.failure, m.error_code) for m in self._outbound(sms)}
        self.assertEqual(states['+32470000104'], ('waiting', False, False))
        self.assertEqual(states['+3247'], ('failed', 'number', 'REJECTED_DESTINATION'))

    def test_opt_out_at_provider_blacklists(self):
        self._bridge('twilio')
        sms = self._chatter_sms(self._partner('+15005550004'))

        self.env['sms.sms']._process_queue()

        outbound = self._outbound(sms)
        self.assertEqual((outbound.state, outbound.failure, outbound.error_code), ('failed', 'opt_out', '21610'))
        blacklisted = self.env['phone.blacklist'].search([('number', '=', '+15005550004')])
        self.assertTrue(blacklisted.active)
        self.assertIn('opted out', blacklisted.message_ids[0].body)
        self.assertEqual(self._notifications(sms).notification_status, 'bounce')

    def test_account_errors_are_actionable_exceptions(self):
        self._bridge('twilio', name='Twilio EU', twilio_auth_token='revoked-token')
        sms = self._chatter_sms(self._partner('+32470000105'))

        with mute_logger('odoo.addons.sms_gateway_bridge.models.sms_outbound_message'):
            self.env['sms.sms']._process_queue()

        outbound = self._outbound(sms)
        self.assertEqual((outbound.state, outbound.failure, outbound.error_code), ('failed', 'account', '20003'))
        self.assertIn('SMS gateway Twilio EU', outbound.error_message)
        self.assertIn("Check the bridge's Account SID and Auth Token", outbound.error_message)
        notification = self._notifications(sms)
        self.assertEqual((notification.notification_status, notification.failure_type), ('exception', 'sms_acc'))
        self.assertEqual(notification.failure_reason, outbound.error_message)
        self.assertEqual((sms.state, sms.failure_type), ('error', 'sms_acc'))

    def test_infobip_without_balance(self):
        self.infobip.balance = 0
        self._bridge('infobip')
        sms = self._chatter_sms(self._partner('+32470000106'))
        self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        self.assertEqual((outbound.failure, outbound.error_code), ('account', 'REJECTED_NOT_ENOUGH_CREDITS'))

    def test_transient_errors_are_retried(self):
        self._bridge('twilio')
        self.twilio.fail_next(status=503, count=2)
        sms = self._chatter_sms(self._partner('+32470000107'))

        self.env['sms.sms']._process_queue()

        creates = [r for r in self.twilio.requests if r['method'] == 'POST']
        self.assertEqual(len(creates), 3)
        self.assertEqual(len(self.twilio.messages), 1)
        self.assertEqual(self._outbound(sms).state, 'waiting')

    def test_throttling_exhausts_then_falls_back(self):
        """429 then 503 after retries: the message goes to the fallback bridge, once."""
        fallback = self._bridge('infobip')
        primary = self._bridge('twilio', fallback_bridge_id=fallback.id)
        self.twilio.fail_next(status=429, count=1)
        self.twilio.fail_next(status=503, count=2)
        sms = self._chatter_sms(self._partner('+32470000108'))

        with mute_logger('odoo.addons.sms_gateway_bridge.models.sms_outbound_message'):
            self.env['sms.sms']._process_queue()

        self.assertFalse(self.twilio.messages)
        self.assertEqual(self._sent_to(self.infobip), ['+32470000108'])
        self.assertEqual(self._outbound(sms).bridge_id, fallback)
        self.assertNotEqual(fallback, primary)

    def test_fallback_on_account_error_not_on_number(self):
        fallback = self._bridge('infobip')
        self._bridge('twilio', twilio_auth_token='revoked', fallback_bridge_id=fallback.id)
        sms = self._chatter_sms(self._partner('+32470000109'))
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._outbound(sms).bridge_id, fallback)
        self.assertEqual(self._outbound(sms).state, 'waiting')

        fallback_2 = self._bridge('infobip', name='Second fallback')
        self._bridge('twilio', name='Healthy', sequence=1, fallback_bridge_id=fallback_2.id)
        sms = self._chatter_sms(self._partner('+15005550001'))
        self.env['sms.sms']._process_queue()
        self.assertEqual((self._outbound(sms).state, self._outbound(sms).failure), ('failed', 'number'))
        self.assertFalse(fallback_2 in self.env['sms.outbound.message'].search([]).bridge_id)

    def test_twilio_read_timeout_is_asked_not_resent(self):
        """Twilio may have taken a message it did not answer for: never resend it blindly, ask Twilio
        once it had the time to finish."""
        self._bridge('twilio')
        self.twilio.delay_next(11)  # the bridge waits 10 seconds in tests
        sms = self._chatter_sms(self._partner('+32470000110'))

        self.env['sms.sms']._process_queue()
        self.env['sms.sms']._process_queue()

        self.assertEqual(len([r for r in self.twilio.requests if r['method'] == 'POST']), 1)
        outbound = self._outbound(sms)
        self.assertEqual((outbound.state, outbound.needs_review), ('pending', False))
        self.assertIn('Twilio did not answer in time', outbound.error_message)

        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.claim_recovery_delay', 0)
        self.env['sms.sms']._process_queue()

        self.assertEqual(len([r for r in self.twilio.requests if r['method'] == 'POST']), 1)
        self.assertEqual((outbound.state, outbound.needs_review, outbound.provider_message_id),
                         ('waiting', False, self.twilio.messages[0]['sid']))
        self.assertEqual(sms.state, 'pending')

    def test_review_when_the_provider_cannot_say(self):
        """A provider that cannot be asked for longer than its validity leaves the message for an
        administrator, who resends it or marks it as sent."""
        bridge = self._bridge('twilio')
        self.twilio.delay_next(11)
        sms = self._chatter_sms(self._partner('+32470000111'))
        self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        outbound.claim_date = fields.Datetime.now() - timedelta(hours=bridge.validity_hours + 1)
        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.claim_recovery_delay', 0)
        self.twilio.fail_next_reads(status=401, count=10)
        with mute_logger('odoo.addons.sms_gateway_bridge.models.sms_outbound_message'):
            self.env['sms.sms']._process_queue()
        self.assertEqual((outbound.state, outbound.needs_review), ('pending', True))

        outbound.action_resend()
        self.assertEqual(sms.state, 'outgoing')
        self.env['sms.sms']._process_queue()
        self.assertEqual((self._outbound(sms).state, len(self.twilio.messages)), ('waiting', 2))

    def test_template_and_automation_rule_sms(self):
        """SMS sent by templates and server actions (as automation rules run them) leave through bridges."""
        self._bridge('twilio')
        partner = self._partner('+32470000112', name='Ada')
        template = self.env['sms.template'].create({
            'name': 'Welcome', 'model_id': self.env.ref('base.model_res_partner').id,
            'body': 'Welcome {{ object.name }}'})
        action = self.env['ir.actions.server'].create({
            'name': 'Welcome SMS', 'model_id': self.env.ref('base.model_res_partner').id,
            'state': 'sms', 'sms_template_id': template.id, 'sms_method': 'sms'})
        action.with_context(active_model='res.partner', active_ids=partner.ids, active_id=partner.id).run()
        partner._message_sms_with_template(template=template, partner_ids=partner.ids)

        self.env['sms.sms']._process_queue()

        self.assertEqual([m['body'] for m in self.twilio.messages], ['Welcome Ada', 'Welcome Ada'])
        self.assertEqual(self._sent_to(self.twilio), ['+32470000112'] * 2)

    def test_concurrent_sending_respects_rate(self):
        self._bridge('twilio', max_per_second=20)
        self.twilio.latency = 0.05
        partners = self.env['res.partner'].create([
            {'name': 'Contact %d' % index, 'phone': '+3247001%04d' % index} for index in range(30)])
        composer = self.env['sms.composer'].with_context(active_model='res.partner', active_ids=partners.ids).create({
            'composition_mode': 'mass', 'body': 'Flash sale', 'mass_keep_log': False})
        sms = composer._action_send_sms()

        self.env['sms.sms']._process_queue()

        self.assertEqual(len(self.twilio.messages), 30)
        self.assertEqual(set(self._outbound(sms).mapped('state')), {'waiting'})
        created = sorted(r['received_at'] for r in self.twilio.requests if r['method'] == 'POST')
        self.assertGreaterEqual(created[-1] - created[0], 29 / 20 - 0.1, 'at most 20 messages per second')

    def test_failed_sms_sent_again_keeps_its_outbound_message(self):
        self._bridge('twilio', twilio_auth_token='revoked')
        sms = self._chatter_sms(self._partner('+32470000113'))
        self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        self.assertEqual((outbound.state, sms.state), ('failed', 'error'))

        self.env['sms.gateway.bridge'].search([]).twilio_auth_token = 'twilio-auth-token'
        notification = sms.resend_failed()
        self.assertEqual(notification['params']['type'], 'success')
        self.assertEqual(sms.state, 'outgoing')
        self.env['sms.sms']._process_queue()

        self.assertEqual(self._outbound(sms), outbound)
        self.assertRecordValues(outbound, [{'state': 'waiting', 'failure': False, 'error_code': False}])
        self.assertEqual(self._sent_to(self.twilio), ['+32470000113'])
        self.assertEqual(self._notifications(sms).notification_status, 'pending')

    def test_twilio_api_key(self):
        key_sid = 'SK' + 'cd' * 16
        self.twilio.add_api_key(key_sid, 'api-key-secret')
        bridge = self._bridge('twilio', twilio_auth_token=False, twilio_api_key_sid=key_sid,
                              twilio_api_key_secret='api-key-secret')
        self.assertEqual(bridge.action_test_connection()['params']['type'], 'success')
        sms = self._chatter_sms(self._partner('+32470000114'))
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._outbound(sms).state, 'waiting')
        self.assertTrue(self.twilio.requests[-1]['headers']['authorization'].startswith('Basic '))
