"""The fake providers speak the documented contracts: the real twilio SDK and plain requests work against them."""
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from tests.fakes.http_server import FakeServer, sms_segments
from tests.fakes.infobip import FakeInfobip
from tests.fakes.twilio import FakeTwilio

SID, TOKEN = 'AC' + '0123456789abcdef' * 2, 'twilio-auth-token'
KEY_SID, KEY_SECRET = 'SK' + 'fedcba9876543210' * 2, 'api-key-secret'
SENDER = '+15005550006'
API_KEY = 'infobip-api-key'
AUTH = {'Authorization': f'App {API_KEY}'}


class Receiver(FakeServer):
    """An endpoint that takes every webhook with 200 and records it."""

    def handle(self, request):
        return 200, {}


def twilio_client(fake, username=SID, password=TOKEN, **http):
    client = Client(username, password, account_sid=SID, http_client=TwilioHttpClient(**http))
    client.api.base_url = fake.base_url
    return client


@pytest.fixture
def twilio():
    with FakeTwilio(SID, TOKEN) as fake:
        yield fake


@pytest.fixture
def infobip():
    with FakeInfobip(API_KEY) as fake:
        yield fake


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def test_sms_segments_follow_gsm7_and_ucs2_limits():
    assert [sms_segments('a' * n) for n in (160, 161, 306, 307)] == [1, 2, 2, 3]
    assert [sms_segments('€' * 80), sms_segments('€' * 81)] == [1, 2]
    assert [sms_segments('é' * 160), sms_segments('ă' * 70), sms_segments('ă' * 71)] == [1, 1, 2]


def test_twilio_sdk_creates_fetches_and_lists_messages(twilio):
    client = twilio_client(twilio)
    message = client.messages.create(to='+15551230000', from_=SENDER, body='Hello', validity_period=600,
                                     status_callback='https://example.com/status?id=1')
    assert isinstance(message, MessageInstance)
    assert message.sid.startswith('SM') and len(message.sid) == 34
    assert (message.status, message.num_segments, message.direction) == ('queued', '1', 'outbound-api')
    assert twilio.messages[0]['validity_period'] == '600'
    assert twilio.messages[0]['status_callback'] == 'https://example.com/status?id=1'
    assert client.messages(message.sid).fetch().body == 'Hello'
    assert [m.sid for m in client.messages.list(to='+15551230000')] == [message.sid]
    assert client.api.accounts(SID).fetch().status == 'active'


def test_twilio_lists_by_to_from_and_date_sent_page_by_page(twilio):
    now = datetime.now(timezone.utc)
    for days, to in ((3, '+15551230000'), (2, '+15551230000'), (1, '+15551230000'), (1, '+15551239999')):
        twilio.add_message(to, 'Hello', from_=SENDER, created=now - timedelta(days=days))
    twilio.add_message('+15551230000', 'Hello', from_='+15005550099', created=now)
    client = twilio_client(twilio)
    listed = list(client.messages.stream(to='+15551230000', from_=SENDER, page_size=2))
    assert [m.date_sent.date() for m in listed] == [(now - timedelta(days=d)).date() for d in (1, 2, 3)]
    assert [r['query'].get('Page') for r in twilio.requests] == [None, ['1']], 'newest first, two pages'
    assert 'PageToken' in twilio.requests[1]['query']
    assert len(client.messages.list(date_sent_after=(now - timedelta(days=2)).date().isoformat())) == 4
    assert len(client.messages.list(date_sent_before=(now - timedelta(days=2)).date().isoformat())) == 2
    assert len(client.messages.list(date_sent=(now - timedelta(days=1)).date().isoformat())) == 2
    assert len(client.messages.list(date_sent_after=now - timedelta(hours=1))) == 1, 'a date-time, as the SDK sends'
    raw = requests.get(f'{twilio.base_url}/2010-04-01/Accounts/{SID}/Messages.json', auth=(SID, TOKEN),
                       timeout=10).json()['messages'][0]
    assert raw['date_sent'] == raw['date_created'] == now.strftime('%a, %d %b %Y %H:%M:%S +0000'), 'RFC 2822'


def test_twilio_messaging_service_message_starts_accepted(twilio):
    message = twilio_client(twilio).messages.create(to='+15551230000', messaging_service_sid='MG' + '1' * 32,
                                                    body='Hi')
    assert (message.status, message.from_, message.num_segments) == ('accepted', None, '0')


def test_twilio_rejects_bad_credentials_with_20003(twilio):
    with pytest.raises(TwilioRestException) as error:
        twilio_client(twilio, password='wrong').messages.create(to='+15551230000', from_=SENDER, body='Hi')
    assert (error.value.status, error.value.code) == (401, 20003)
    assert twilio.messages == [] and twilio.requests[0]['form']['To'] == '+15551230000'


def test_twilio_api_key_sends_but_cannot_read_the_account(twilio):
    twilio.add_api_key(KEY_SID, KEY_SECRET)
    client = twilio_client(twilio, username=KEY_SID, password=KEY_SECRET)
    assert client.messages.create(to='+15551230000', from_=SENDER, body='Hi').account_sid == SID
    with pytest.raises(TwilioRestException) as error:
        client.api.accounts(SID).fetch()
    assert (error.value.status, error.value.code) == (403, 20006)


REFUSALS = [
    ('+15005550001', SENDER, 'Hi', 21211),
    ('+15005550002', SENDER, 'Hi', 21612),
    ('+15005550003', SENDER, 'Hi', 21408),
    ('+15005550004', SENDER, 'Hi', 21610),
    ('+15005550009', SENDER, 'Hi', 21614),
    ('+15551230000', '+15005550001', 'Hi', 21212),
    ('+15551230000', '+15005550007', 'Hi', 21606),
    ('+15551230000', '+15005550008', 'Hi', 21611),
    ('0612345678', SENDER, 'Hi', 21211),
    ('+15551230000', None, 'Hi', 21603),
    ('+15551230000', SENDER, 'x' * 1601, 21617),
]


@pytest.mark.parametrize('to, from_, body, code', REFUSALS, ids=[str(case[-1]) for case in REFUSALS])
def test_twilio_refuses_documented_cases_with_their_codes(twilio, to, from_, body, code):
    with pytest.raises(TwilioRestException) as error:
        twilio_client(twilio).messages.create(to=to, from_=from_, body=body)
    assert (error.value.status, error.value.code) == (400, code)
    assert twilio.messages == []


def test_twilio_transient_failure_then_success(twilio):
    twilio.fail_next(status=503)
    client = twilio_client(twilio)
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to='+15551230000', from_=SENDER, body='Hi')
    assert (error.value.status, error.value.code) == (503, 20503)
    assert client.messages.create(to='+15551230000', from_=SENDER, body='Hi').status == 'queued'
    assert len(twilio.messages) == 1


def test_twilio_late_answer_times_out_but_message_is_accepted(twilio):
    twilio.delay_next(1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        twilio_client(twilio, timeout=0.2).messages.create(to='+15551230000', from_=SENDER, body='Hi')
    assert [m['to'] for m in twilio.messages] == ['+15551230000']


def test_twilio_status_callbacks_are_signed_and_carry_the_final_status(twilio, receiver):
    client = twilio_client(twilio)
    url = f'{receiver.base_url}/twilio/status?db=test'
    for to in ('+15551230000', '+15551230007', '+15551230009'):
        client.messages.create(to=to, from_=SENDER, body='Hi', status_callback=url)
    results = twilio.send_status_callbacks()
    assert results == [(url, 200)] * 5  # the failing message is never 'sent'
    validator = RequestValidator(TOKEN)
    posted = []
    for request in receiver.requests:
        params = dict(parse_qsl(request['body'].decode()))
        assert validator.validate(url, params, request['headers']['x-twilio-signature'])
        posted.append((params['To'], params['MessageStatus'], params.get('ErrorCode')))
    assert posted == [('+15551230000', 'sent', None), ('+15551230000', 'delivered', None),
                      ('+15551230007', 'sent', None), ('+15551230007', 'undelivered', '30003'),
                      ('+15551230009', 'failed', '30008')]
    assert [client.messages(m['sid']).fetch().error_code for m in twilio.messages] == [None, 30003, 30008]
    assert twilio.send_status_callbacks() == []


def test_twilio_inbound_stop_blocks_and_start_unblocks(twilio, receiver):
    url = f'{receiver.base_url}/twilio/inbound'
    assert twilio.send_inbound(url, '+15551230000', ' stop ', to=SENDER).status_code == 200
    request = receiver.requests[0]
    params = dict(parse_qsl(request['body'].decode()))
    assert RequestValidator(TOKEN).validate(url, params, request['headers']['x-twilio-signature'])
    assert (params['From'], params['Body'], params['AccountSid']) == ('+15551230000', ' stop ', SID)
    client = twilio_client(twilio)
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to='+15551230000', from_=SENDER, body='Hi')
    assert error.value.code == 21610
    twilio.send_inbound(url, '+15551230000', 'START', to=SENDER)
    assert client.messages.create(to='+15551230000', from_=SENDER, body='Hi').status == 'queued'


def infobip_send(fake, payload, headers=AUTH):
    return requests.post(f'{fake.base_url}/sms/3/messages', json=payload, headers=headers, timeout=5)


def infobip_get(fake, path, **params):
    return requests.get(f'{fake.base_url}{path}', params=params, headers=AUTH, timeout=5)


def test_infobip_send_answers_per_destination(infobip):
    response = infobip_send(infobip, {
        'messages': [{'sender': 'Shop', 'content': {'text': 'Hi'},
                      'destinations': [{'to': '41793026720', 'messageId': 'own-1'}, {'to': '41793026721'},
                                       {'to': '+41793026722'}, {'to': '0793026723'}],
                      'webhooks': {'delivery': {'url': 'http://127.0.0.1:9/dlr'}}}],
        'options': {'schedule': {'bulkId': 'bulk-1'}, 'includeSmsCountInResponse': True}})
    assert response.status_code == 200
    body = response.json()
    assert body['bulkId'] == 'bulk-1'
    assert [(m['destination'], m['status']['name'], m['status']['groupId']) for m in body['messages']] == [
        ('41793026720', 'PENDING_ACCEPTED', 1), ('41793026721', 'PENDING_ACCEPTED', 1),
        ('+41793026722', 'REJECTED_DESTINATION', 5), ('0793026723', 'REJECTED_PREFIX_MISSING', 5)]
    assert body['messages'][0]['messageId'] == 'own-1' and body['messages'][0]['details'] == {'messageCount': 1}
    assert infobip.messages[0]['delivery_url'] == 'http://127.0.0.1:9/dlr'
    duplicate = infobip_send(infobip, {'messages': [{'destinations': [{'to': '41793026720', 'messageId': 'own-1'}],
                                                     'content': {'text': 'Hi'}}]}).json()
    assert duplicate['messages'][0]['status']['name'] == 'REJECTED_DUPLICATE_MESSAGE_ID'
    assert 'details' not in duplicate['messages'][0] and duplicate['bulkId']


def test_infobip_error_shapes(infobip):
    unauthorized = infobip_send(infobip, {'messages': []}, headers={'Authorization': 'App wrong'})
    assert unauthorized.status_code == 401 and unauthorized.json()['errorCode'] == 'E401'
    legacy = requests.get(f'{infobip.base_url}/account/1/balance', timeout=5)
    assert legacy.status_code == 401
    assert legacy.json()['requestError']['serviceException']['messageId'] == 'UNAUTHORIZED'
    invalid = infobip_send(infobip, {'messages': [{'destinations': [], 'content': {'text': 'Hi'}}]})
    assert invalid.status_code == 400
    assert invalid.json()['violations'] == [{'property': 'messages[0].destinations', 'violation': 'must not be empty'}]
    infobip.fail_next(status=429)
    throttled = infobip_send(infobip, {'messages': [{'destinations': [{'to': '41793026720'}],
                                                     'content': {'text': 'Hi'}}]})
    assert throttled.status_code == 429 and throttled.json()['errorCode'] == 'E429'
    assert infobip.messages == []


def test_infobip_no_credit_rejects_and_balance_reports_it():
    with FakeInfobip(API_KEY, balance=0.01) as infobip:
        body = infobip_send(infobip, {'messages': [{'destinations': [{'to': '41793026720'}, {'to': '41793026721'}],
                                                    'content': {'text': 'Hi'}}]}).json()
        assert [m['status']['name'] for m in body['messages']] == ['PENDING_ACCEPTED', 'REJECTED_NOT_ENOUGH_CREDITS']
        assert infobip_get(infobip, '/account/1/balance').json() == {'balance': 0.0, 'currency': 'EUR'}


def test_infobip_reports_are_pulled_once_and_logs_stay(infobip):
    infobip_send(infobip, {'messages': [{'sender': 'Shop', 'content': {'text': 'Hi'},
                                         'destinations': [{'to': '41793026720', 'messageId': 'a'},
                                                          {'to': '41793026727', 'messageId': 'b'},
                                                          {'to': '41793026729', 'messageId': 'c'}]}]})
    assert infobip_get(infobip, '/sms/3/logs', messageId='a').json()['results'][0]['status']['name'] == \
        'PENDING_ACCEPTED'
    assert infobip_get(infobip, '/sms/3/reports').json() == {'results': []}
    infobip.queue_reports()
    first = infobip_get(infobip, '/sms/3/reports', limit=1).json()['results']
    assert [(r['messageId'], r['status']['name'], r['error']['name']) for r in first] == [
        ('a', 'DELIVERED_TO_HANDSET', 'NO_ERROR')]
    legacy = infobip_get(infobip, '/sms/1/reports', messageId='c').json()['results']
    assert [(r['messageId'], r['from'], r['smsCount'], r['status']['name']) for r in legacy] == [
        ('c', 'Shop', 1, 'EXPIRED_EXPIRED')]
    rest = infobip_get(infobip, '/sms/3/reports').json()['results']
    assert [(r['messageId'], r['error']['name'], r['error']['permanent']) for r in rest] == [
        ('b', 'EC_ABSENT_SUBSCRIBER', False)]
    assert infobip_get(infobip, '/sms/3/reports').json() == {'results': []}
    logs = infobip_get(infobip, '/sms/3/logs', messageId='a,b').json()['results']
    assert sorted((log['messageId'], log['status']['groupName']) for log in logs) == [
        ('a', 'DELIVERED'), ('b', 'UNDELIVERABLE')]
    assert len(infobip_get(infobip, '/sms/3/logs', bulkId=first[0]['bulkId']).json()['results']) == 3


def test_infobip_pushes_delivery_reports_in_batches_per_url(infobip, receiver):
    url = f'{receiver.base_url}/infobip/dlr'
    destinations = [{'to': f'4179302670{digit}'} for digit in range(5)]
    infobip_send(infobip, {'messages': [{'destinations': destinations, 'content': {'text': 'Hi'},
                                         'webhooks': {'delivery': {'url': url}, 'callbackData': 'mailing-7'}}]})
    assert infobip.send_delivery_reports(batch_size=2) == [(url, 200)] * 3
    results = [r for request in receiver.requests for r in json.loads(request['body'])['results']]
    assert sorted(r['to'] for r in results) == sorted(d['to'] for d in destinations)
    assert {(r['status']['name'], r['callbackData'], r['messageCount']) for r in results} == {
        ('DELIVERED_TO_HANDSET', 'mailing-7', 1)}
    assert infobip.send_delivery_reports() == []


def test_infobip_inbound_push(infobip, receiver):
    url = f'{receiver.base_url}/infobip/inbound'
    assert infobip.send_inbound(url, '385916242493', 'QUIZ Paris', keyword='QUIZ').status_code == 200
    body = json.loads(receiver.requests[0]['body'])
    assert body['messageCount'] == 1 and body['pendingMessageCount'] == 0
    assert {k: body['results'][0][k] for k in ('from', 'text', 'cleanText', 'keyword', 'smsCount')} == {
        'from': '385916242493', 'text': 'QUIZ Paris', 'cleanText': 'Paris', 'keyword': 'QUIZ', 'smsCount': 1}
