"""The providers alone, plain Python against the fake servers (the test case only translates their messages)."""
from odoo.tests import TransactionCase, tagged

from ..providers import DeliveryState, Failure, OutgoingSms, ProviderConfig, ProviderError, WebhookRequest
from ..providers.infobip import InfobipProvider
from ..providers.twilio import TwilioProvider
from .common import INFOBIP_KEY, TWILIO_SENDER, TWILIO_SID, TWILIO_TOKEN, FakeProvidersMixin


def webhook(form=None, json=None, query=None):
    return WebhookRequest(url='https://odoo.example.com/hook', form=form or {}, json=json, query=query or {},
                          headers={})


@tagged('post_install', '-at_install')
class TestProviders(FakeProvidersMixin, TransactionCase):

    def _infobip(self, api_key=INFOBIP_KEY):
        return InfobipProvider(ProviderConfig(sender='InfoSMS', credentials={'api_key': api_key},
                                              base_url=self.infobip.base_url, max_per_second=100))

    def test_infobip_error_shapes(self):
        provider = self._infobip('wrong-key')
        session = provider._session()
        with self.assertRaises(ProviderError) as legacy:
            provider._request(session, 'GET', '/account/1/balance')
        self.assertEqual((legacy.exception.code, legacy.exception.failure), ('UNAUTHORIZED', Failure.ACCOUNT))
        self.assertIn('Unauthorized', str(legacy.exception))
        with self.assertRaises(ProviderError) as current:
            provider._request(session, 'GET', '/sms/3/logs')
        self.assertEqual((current.exception.code, current.exception.failure), ('E401', Failure.ACCOUNT))
        self.assertIn('lacks valid authentication credentials', str(current.exception))

    def test_infobip_request_refused_as_a_whole_fails_only_its_culprit(self):
        messages = [OutgoingSms('uuid%d' % index, '+3247000090%d' % index, 'Hello', 'try%d' % index)
                    for index in range(5)]
        messages[3] = OutgoingSms('uuid3', '+32470000903', '', 'try3')  # no content: Infobip refuses the request
        results = {result.uuid: result for result in self._infobip().send(messages)}
        self.assertEqual([uuid for uuid, result in results.items() if not result.accepted], ['uuid3'])
        self.assertEqual((results['uuid3'].failure, results['uuid3'].error_code), (Failure.MESSAGE, 'E400'))
        self.assertEqual(sorted(m['messageId'] for m in self.infobip.messages), ['try0', 'try1', 'try2', 'try4'])

    def test_infobip_reports(self):
        provider = self._infobip()
        [delivered, expired, absent] = provider.parse_status_callback(webhook(json={'results': [
            {'messageId': 'a', 'status': {'groupName': 'DELIVERED', 'name': 'DELIVERED_TO_HANDSET'},
             'messageCount': 2, 'price': {'pricePerMessage': 0.01, 'currency': 'EUR'}},
            {'messageId': 'b', 'status': {'groupName': 'EXPIRED', 'name': 'EXPIRED_EXPIRED'},
             'error': {'id': 4101, 'name': 'EC_VALIDITY_EXPIRED', 'groupName': 'USER_ERRORS'}},
            {'messageId': 'c', 'status': {'groupName': 'UNDELIVERABLE', 'name': 'UNDELIVERABLE_NOT_DELIVERED'},
             'error': {'id': 27, 'name': 'EC_ABSENT_SUBSCRIBER', 'groupName': 'HANDSET_ERRORS', 'permanent': False}},
        ]}))
        self.assertEqual((delivered.attempt_id, delivered.state, delivered.segments, delivered.price), ('a', DeliveryState.DELIVERED, 2, 0.02))
        self.assertEqual((expired.state, expired.failure, expired.error_code), (DeliveryState.FAILED, Failure.EXPIRED, 'EC_VALIDITY_EXPIRED'))
        self.assertEqual(absent.failure, Failure.MESSAGE, 'an absent subscriber is not a wrong number')
        for payload in ({'results': [{'status': {}}]}, {'results': 'x'}, ['x'], None):
            with self.subTest(payload=payload), self.assertRaises(ValueError):
                provider.parse_status_callback(webhook(json=payload))

    def test_twilio_callbacks(self):
        provider = TwilioProvider(ProviderConfig(
            sender=TWILIO_SENDER, credentials={'account_sid': TWILIO_SID, 'auth_token': TWILIO_TOKEN}))
        [report] = provider.parse_status_callback(webhook(
            form={'MessageSid': 'SM1', 'MessageStatus': 'undelivered', 'ErrorCode': '30006'}, query={'sms': 'u1'}))
        self.assertEqual((report.attempt_id, report.provider_message_id, report.state, report.failure, report.error_code),
                         ('u1', 'SM1', DeliveryState.FAILED, Failure.NUMBER, '30006'))
        for form in ({'MessageSid': 'SM1'}, {'MessageStatus': 'delivered'}, {'MessageSid': 'SM1', 'MessageStatus': 'lost'}):
            with self.subTest(form=form), self.assertRaises(ValueError):
                provider.parse_status_callback(webhook(form=form))
        self.assertFalse(provider.is_authentic(webhook(form={'MessageSid': 'SM1'})), 'no signature, not authentic')
