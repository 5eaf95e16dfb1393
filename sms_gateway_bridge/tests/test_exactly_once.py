"""The scenarios where a queue could send an SMS twice, or lose it, answered one by one."""
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BridgeCase

DELIVERED = {'groupId': 3, 'groupName': 'DELIVERED', 'id': 5, 'name': 'DELIVERED_TO_HANDSET'}
OUTBOUND_LOGGER = 'odoo.addons.sms_gateway_bridge.models.sms_outbound_message'


@tagged('post_install', '-at_install')
class TestExactlyOnce(BridgeCase):

    def test_resent_infobip_sms_is_sent_again_under_a_new_message_id(self):
        """Infobip refuses a message id it has seen: a resend is a new attempt with an id of its own,
        and a rejected attempt in Infobip's logs does not count as taken."""
        self._bridge('infobip')
        sms = self._chatter_sms(self._partner('+32470000801'))
        self.infobip.fail_next(status=401)
        with mute_logger(OUTBOUND_LOGGER):
            self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        first_attempt = outbound.attempt_id
        self.assertEqual((outbound.state, outbound.failure), ('failed', 'account'))

        sms.resend_failed()
        self.env['sms.sms']._process_queue()

        self.assertEqual((outbound.state, len(self.infobip.messages)), ('waiting', 1))
        self.assertNotEqual(outbound.attempt_id, first_attempt)
        self.assertEqual(self.infobip.messages[0]['messageId'], outbound.attempt_id)

    def test_reports_of_the_fallback_bridge_apply(self):
        fallback = self._bridge('twilio', name='Fallback', delivery_report_mode='webhook')
        self._bridge('infobip', infobip_api_key='revoked', fallback_bridge_id=fallback.id)
        sms = self._chatter_sms(self._partner('+32470000802'))
        self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        self.assertEqual((outbound.bridge_id, outbound.state), (fallback, 'waiting'))

        [message] = self.twilio.messages
        self.twilio.settle()
        fallback._receive_reports(fallback._provider().fetch_reports([message['sid']]))

        self.assertEqual(outbound.state, 'delivered')

    def test_a_report_proves_a_message_flagged_for_review_was_taken(self):
        bridge = self._bridge('infobip')
        sms = self._chatter_sms(self._partner('+32470000803'))
        outbound = sms._hand_to_bridges({bridge: sms})
        outbound._flag_for_review('no answer')

        bridge._receive_reports(bridge._provider().parse_status_callback(self._infobip_report(outbound.attempt_id)))

        self.assertEqual((outbound.state, outbound.needs_review), ('delivered', False))
        self.assertEqual((sms.state, sms.to_delete), ('pending', True))

    def test_a_report_of_an_earlier_attempt_never_applies_to_the_next(self):
        bridge = self._bridge('infobip')
        sms = self._chatter_sms(self._partner('+32470000804'))
        self.infobip.fail_next(status=401)
        with mute_logger(OUTBOUND_LOGGER):
            self.env['sms.sms']._process_queue()
        outbound = self._outbound(sms)
        earlier_attempt = outbound.attempt_id
        sms.resend_failed()
        self.env['sms.sms']._process_queue()

        bridge._receive_reports(bridge._provider().parse_status_callback(self._infobip_report(earlier_attempt)))

        self.assertEqual(outbound.state, 'waiting')

    def test_an_sms_without_number_fails_alone(self):
        bridge = self._bridge('twilio')
        good = self._chatter_sms(self._partner('+32470000805'))
        numberless = self.env['sms.sms'].create({'body': 'Hello', 'state': 'outgoing'})
        self.assertEqual((good | numberless)._group_by_bridge(), {bridge: good | numberless})

        self.env['sms.sms']._process_queue()

        self.assertEqual(self._outbound(good).state, 'waiting')
        self.assertEqual((numberless.state, numberless.failure_type), ('error', 'sms_number_missing'))

    def test_claimed_sms_show_as_processing(self):
        """A mailing must not look sent while its SMS wait for their provider's answer."""
        bridge = self._bridge('twilio')
        sms = self._chatter_sms(self._partner('+32470000806'))
        sms._hand_to_bridges({bridge: sms})
        self.assertEqual((sms.state, self._notifications(sms).notification_status), ('process', 'process'))

    def test_two_bridges_on_one_infobip_account_apply_each_others_reports(self):
        """Infobip hands the reports of an account to whichever bridge asks: each is applied to its
        own message, whatever bridge collected it."""
        first = self._bridge('infobip', name='First', destination_prefixes='3247')
        second = self._bridge('infobip', name='Second', destination_prefixes='3248')
        sms = self._chatter_sms(self._partner('+32470000871') | self._partner('+32480000881'))
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._outbound(sms).bridge_id, first | second)
        self.infobip.queue_reports()

        first._pull_reports()
        self.env['sms.outbound.message']._cron_get_delivery_reports()

        self.assertEqual(set(self._outbound(sms).mapped('state')), {'delivered'})

    def test_an_unknown_report_waits_for_its_message(self):
        bridge = self._bridge('infobip')
        sms = self._chatter_sms(self._partner('+32470000809'))
        outbound = sms._hand_to_bridges({bridge: sms})
        outbound.claim_token = 42  # its worker is sending it
        bridge._receive_reports(bridge._provider().parse_status_callback(self._infobip_report(outbound.attempt_id)))
        self.assertEqual(outbound.state, 'pending')

        outbound.claim_token = False  # its worker died: recovery asks Infobip, which never got it
        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.claim_recovery_delay', 0)
        self.env['sms.outbound.message']._recover_interrupted_sends()

        self.assertEqual(sms.state, 'outgoing', 'back in the queue')
        report = self.env['sms.delivery.report'].search([('bridge_id', '=', bridge.id)])
        self.assertTrue(report, 'kept: its message may still show up')
        self.env.cr.execute("UPDATE sms_delivery_report SET create_date = %s WHERE id = %s",
                            (fields.Datetime.now() - timedelta(days=3), report.id))
        report.invalidate_recordset()
        with mute_logger('odoo.addons.sms_gateway_bridge.models.sms_delivery_report'):
            report._gc_unmatched_reports()
        self.assertFalse(report.exists())

    def _infobip_report(self, message_id):
        from ..providers import WebhookRequest  # noqa: PLC0415
        return WebhookRequest(url='', form={}, query={}, headers={},
                              json={'results': [{'messageId': message_id, 'status': DELIVERED}]})


@tagged('post_install', '-at_install')
class TestTwilioRecovery(BridgeCase):

    def test_a_twin_already_recorded_is_not_taken_for_the_interrupted_message(self):
        """Twilio is asked by number and body: when its only matching message is recorded as
        another of ours, the interrupted one is neither recorded as taken nor sent blindly."""
        bridge = self._bridge('twilio')
        partner = self._partner('+32470000811')
        sent = self._chatter_sms(partner, body='Same words')
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._outbound(sent).state, 'waiting')
        interrupted_sms = self._chatter_sms(partner, body='Same words')
        interrupted = interrupted_sms._hand_to_bridges({bridge: interrupted_sms})
        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.claim_recovery_delay', 0)

        with mute_logger(OUTBOUND_LOGGER):
            self.env['sms.outbound.message']._recover_interrupted_sends()

        self.assertEqual((interrupted.state, interrupted.needs_review), ('pending', True))
        self.assertEqual(len(self.twilio.messages), 1)
