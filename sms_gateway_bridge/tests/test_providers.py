"""The providers alone, plain Python against the fake servers (the test case only translates their messages)."""
import functools
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from twilio.base.exceptions import TwilioException, TwilioServiceException

from odoo.tests import TransactionCase, tagged

from tests.fakes import infobip as infobip_fake

from ..providers import DeliveryState, Failure, OutgoingSms, ProviderConfig, ProviderError, WebhookRequest
from ..providers.infobip import InfobipProvider
from ..providers.twilio import TwilioProvider
from .common import INFOBIP_KEY, TWILIO_SENDER, TWILIO_SID, TWILIO_TOKEN, FakeProvidersMixin


def webhook(form=None, json=None, query=None):
    return WebhookRequest(url='https://odoo.example.com/hook', form=form or {}, json=json, query=query or {},
                          headers={})


@tagged('post_install', '-at_install')
class TestProviders(FakeProvidersMixin, TransactionCase):

    def _infobip(self, api_key=INFOBIP_KEY, **config):
        return InfobipProvider(ProviderConfig(sender='InfoSMS', credentials={'api_key': api_key},
                                              base_url=self.infobip.base_url, max_per_second=100, **config))

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

    def _twilio(self, sender=TWILIO_SENDER, **config):
        return TwilioProvider(ProviderConfig(
            sender=sender, credentials={'account_sid': TWILIO_SID, 'auth_token': TWILIO_TOKEN},
            base_url=self.twilio.base_url, max_per_second=100, **config))

    def test_twilio_finds_the_messages_it_took_after_an_interrupted_send(self):
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
        provider = self._twilio()
        twins = [OutgoingSms('twin%d' % index, '+15551230001', 'Your code is 1234', 'try%d' % index) for index in range(3)]
        failed_at_once = OutgoingSms('failed', '+15551230009', 'Hello', 'try-failed')
        lost = OutgoingSms('lost', '+15551230002', 'Hello', 'try-lost')
        [first, second, __] = provider.send(twins[:2] + [failed_at_once])
        self.twilio.settle()  # numbers ending in 9 fail: Twilio took the message all the same
        # what does not count: the same text before `since`, from another sender, or another text
        self.twilio.add_message('+15551230001', 'Your code is 1234', from_=TWILIO_SENDER,
                                created=datetime.now(timezone.utc) - timedelta(days=1))
        self.twilio.add_message('+15551230002', 'Hello', from_='+15005550099')
        self.twilio.add_message('+15551230002', 'Hello!', from_=TWILIO_SENDER)
        self.twilio.requests.clear()
        found = provider.find_accepted(twins + [failed_at_once, lost], since)
        self.assertEqual(sorted(found), ['failed', 'twin0', 'twin1'], 'one Twilio message for each of ours, at most')
        self.assertEqual({found['twin0'].provider_message_id, found['twin1'].provider_message_id},
                         {first.provider_message_id, second.provider_message_id})
        self.assertEqual(found['failed'].provider_message_id, self.twilio.messages[2]['sid'])
        self.assertEqual((found['twin0'].segments, found['twin0'].accepted), (1, True))
        [query] = [r['query'] for r in self.twilio.requests if r['query']['To'] == ['+15551230001']]
        self.assertEqual((query['From'], query['DateSent>']), ([TWILIO_SENDER], [since.date().isoformat()]))

    def test_twilio_find_accepted_reads_every_page(self):
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
        sms = OutgoingSms('old', '+15551230003', 'Reminder', 'try1')
        self._twilio().send([sms])
        later = datetime.now(timezone.utc) + timedelta(seconds=1)
        for index in range(1000):  # newer messages to the number fill the first page
            self.twilio.add_message(sms.number, 'Other %d' % index, from_=TWILIO_SENDER, created=later)
        self.twilio.requests.clear()
        found = self._twilio().find_accepted([sms], since)
        self.assertEqual(found['old'].provider_message_id, self.twilio.messages[0]['sid'])
        self.assertEqual([r['query'].get('Page') for r in self.twilio.requests], [None, ['1']])

    def test_twilio_find_accepted_with_a_messaging_service_filters_by_number_only(self):
        service = 'MG' + '1' * 32
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
        ours, others = (OutgoingSms('ours', '+15551230004', 'Hi', 'try1'), OutgoingSms('other', '+15551230005', 'Hi', 'try2'))
        self._twilio(sender=service).send([ours])
        self.twilio.add_message(others.number, 'Hi', messaging_service_sid='MG' + '2' * 32)
        self.twilio.requests.clear()
        found = self._twilio(sender=service).find_accepted([ours, others], since)
        self.assertEqual(list(found), ['ours'])
        self.assertTrue(all('From' not in r['query'] for r in self.twilio.requests))

    def test_only_refusals_that_prove_nothing_was_sent_are_retried(self):
        """429 and 503 turn a send away: retried, then handed on; after a 500, 502 or 504 the provider
        may have taken the message: of unknown outcome, never sent again (read timeouts: test_sending)."""
        providers = {'twilio': (self._twilio, self.twilio), 'infobip': (self._infobip, self.infobip)}
        for name, (provider, fake) in providers.items():
            for status, outcome in ((429, None), (503, None), (500, Failure.UNKNOWN_OUTCOME),
                                    (502, Failure.UNKNOWN_OUTCOME), (504, Failure.UNKNOWN_OUTCOME)):
                with self.subTest(provider=name, status=status):
                    fake.requests.clear()
                    fake.fail_next(status=status)
                    [result] = provider().send([OutgoingSms('u1', '+15551230010', 'Hello', 'try-%s' % status)])
                    self.assertEqual(result.failure, outcome)
                    self.assertEqual(len(fake.requests), 1 if outcome else 2, 'retried only when turned away')
            with self.subTest(provider=name, status='503 at every attempt'):
                fake.fail_next(status=503, count=3)
                [result] = provider().send([OutgoingSms('u2', '+15551230011', 'Hello', 'try-unavailable')])
                self.assertEqual(result.failure, Failure.UNAVAILABLE, 'for the fallback bridge')

    def test_reads_are_retried_on_server_errors(self):
        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
        provider = self._twilio()
        sms = OutgoingSms('u1', '+15551230013', 'Hello', 'try1')
        [sent] = provider.send([sms])
        for status in (500, 502, 504):
            with self.subTest(status=status):
                self.twilio.fail_next_reads(status=status)
                [report] = provider.fetch_reports([sent.provider_message_id])
                self.assertEqual(report.state, DeliveryState.ACCEPTED)
                self.twilio.fail_next_reads(status=status)
                self.assertEqual(provider.find_accepted([sms], since)['u1'].provider_message_id, sent.provider_message_id)

    def test_unknown_statuses_are_no_news_when_polling(self):
        twilio = self._twilio()
        [taken, odd] = twilio.send([OutgoingSms('u1', '+15551230020', 'Hi', 't1'), OutgoingSms('u2', '+15551230021', 'Hi', 't2')])
        self.twilio.messages[1]['status'] = 'partially_delivered'  # documented, but not one we know
        with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.twilio', 'WARNING'):
            reports = twilio.fetch_reports([taken.provider_message_id, odd.provider_message_id])
        self.assertEqual([report.provider_message_id for report in reports], [taken.provider_message_id])
        with self.assertRaises(ValueError, msg='a webhook still refuses it'):
            twilio.parse_status_callback(webhook(form={'MessageSid': 'SM1', 'MessageStatus': 'partially_delivered'}))

        since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=1)
        infobip = self._infobip()
        messages = [OutgoingSms('u3', '+32470000301', 'Hi', 't3'), OutgoingSms('u4', '+32470000302', 'Hi', 't4')]
        infobip.send(messages)
        unknown = {'groupId': 9, 'groupName': 'SOMETHING_NEW', 'id': 99, 'name': 'SOMETHING_NEW', 'description': 'New'}
        with patch.dict(infobip_fake.STATUSES, {'SOMETHING_NEW': unknown}):
            self.infobip.messages[1]['status'] = 'SOMETHING_NEW'
            with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.infobip', 'WARNING'):
                reports = infobip.fetch_reports(['t3', 't4'])
            self.assertEqual([report.attempt_id for report in reports], ['t3'])
            with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.infobip', 'WARNING'):
                self.assertEqual(sorted(infobip.find_accepted(messages, since)), ['u3', 'u4'], 'taken all the same')
            self.infobip.answer_next(200, {'results': [{'messageId': 't4', 'status': unknown}]})
            with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.infobip', 'WARNING'):
                self.assertEqual(infobip.pull_reports(), [])

    def test_twilio_sdk_errors_without_a_response_are_provider_errors(self):
        provider = self._twilio()
        problem = TwilioServiceException('https://www.twilio.com/docs/errors/20429', 'Too Many Requests', 429, 20429,
                                         detail='Slow down')
        for error, sending, failure in ((problem, True, Failure.UNAVAILABLE), (TwilioException(), True, Failure.UNKNOWN_OUTCOME),
                                        (TwilioException('page', 'not a response'), False, Failure.UNAVAILABLE)):
            with self.subTest(error=error), self.assertRaises(ProviderError) as raised:
                provider._call(functools.partial(_raise, error), sending=sending)
            self.assertEqual(raised.exception.failure, failure)
            self.assertIn('Twilio', str(raised.exception))

    def test_an_unforeseen_answer_is_of_unknown_outcome_for_its_messages_only(self):
        twilio = self._twilio()
        self.twilio.answer_next(201, {'sid': 'SM' + '0' * 32, 'num_segments': 'many', 'status': 'queued'})
        with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.base', 'ERROR'):
            results = {r.uuid: r for r in twilio.send([OutgoingSms('u%d' % i, '+1555123003%d' % i, 'Hi', 't%d' % i)
                                                       for i in range(3)])}
        self.assertEqual(sorted(r.failure is Failure.UNKNOWN_OUTCOME for r in results.values()), [False, False, True])
        self.assertIn('many', str([r.error_message for r in results.values() if r.failure][0]))

        self.infobip.answer_next(200, {'messages': [{'messageId': 't9', 'status': 'odd'}]})
        with self.assertLogs('odoo.addons.sms_gateway_bridge.providers.base', 'ERROR'):
            [result] = self._infobip().send([OutgoingSms('u9', '+32470000309', 'Hi', 't9')])
        self.assertEqual(result.failure, Failure.UNKNOWN_OUTCOME)


def _raise(error):
    raise error
