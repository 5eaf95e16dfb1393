"""A fake Twilio REST API (2010-04-01 Messages and Account) that the real twilio SDK talks to unchanged.

Point the SDK at it with ``client.api.base_url = fake.base_url``. Contracts and sources:
tests/fakes/CONTRACTS.md.

Authentication: HTTP Basic with the Account SID and Auth Token, or with an API key SID and secret
(``add_api_key``); anything else is 401 with code 20003. API keys are Standard keys: Twilio denies them
the Account resource, which the fake answers with 403 and code 20006.

Message creation refuses, with HTTP 400 and Twilio's documented codes, in this order: no To (21604),
neither From nor MessagingServiceSid (21603), no Body/MediaUrl/ContentSid (21602), a Body over 1600
characters (21617), an invalid StatusCallback URL (21609), Twilio's magic test numbers for From
(+15005550001: 21212, +15005550007: 21606, +15005550008: 21611) and To (+15005550001: 21211,
+15005550002: 21612, +15005550003: 21408, +15005550004: 21610, +15005550009: 21614), a To that is not
E.164 (21211), and a To that opted out of the From number by texting STOP to it (21610, see send_inbound).

Listing (GET Messages.json) filters by To, From and DateSent / DateSent< / DateSent> (a GMT date ``YYYY-MM-DD``,
or a date-time, which the SDK sends; inclusive bounds), newest DateSent first, PageSize messages a page (default
50, at most 1000), later pages through ``next_page_uri`` and its PageToken. A message's date_sent is set when it
is created, as in the documented create response.

Delivery outcome decided for a To number (``final_status``), by its last digit:
    0-6 -> ('delivered', None)
    7   -> ('undelivered', 30003)  Unreachable destination handset
    8   -> ('undelivered', 30005)  Unknown destination handset
    9   -> ('failed', 30008)       Unknown error
"""
import base64
import operator
import re
import uuid
from collections import deque
from datetime import date, datetime, timezone
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

import requests
from twilio.request_validator import RequestValidator

from .http_server import FakeServer, sms_segments

API_VERSION = '2010-04-01'
E164 = re.compile(r'^\+[1-9]\d{1,14}$')
MAGIC_FROM = {
    '+15005550001': (21212, ("The 'From' number +15005550001 is not a valid phone number, shortcode, "
                             "or alphanumeric sender ID.")),
    '+15005550007': (21606, ("The 'From' phone number provided is not a valid message-capable Twilio phone "
                             "number for this destination.")),
    '+15005550008': (21611, "This 'From' number has exceeded the maximum number of queued messages"),
}
MAGIC_TO = {
    '+15005550001': (21211, "The 'To' number +15005550001 is not a valid phone number."),
    '+15005550002': (21612, "The 'To' phone number is not currently reachable via SMS"),
    '+15005550003': (21408, ("Permission to send an SMS has not been enabled for the region indicated by the "
                             "'To' number: +15005550003")),
    '+15005550004': (21610, 'Attempt to send to unsubscribed recipient'),
    '+15005550009': (21614, "'To' number is not a valid mobile number"),
}
FAILURES = {429: (20429, 'Too Many Requests'), 500: (20500, 'Internal Server Error'),
            503: (20503, 'Service unavailable')}
OPT_OUT = {'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'}
OPT_IN = {'START', 'YES', 'UNSTOP'}
FINAL = {'delivered', 'undelivered', 'failed'}
OUTCOMES = {'7': ('undelivered', 30003), '8': ('undelivered', 30005), '9': ('failed', 30008)}
INBOUND_TO = '+15005550006'  # the magic From number that passes validation

ACCOUNT = re.compile(rf'/{API_VERSION}/Accounts/(?P<account>AC\w+)\.json')
MESSAGES = re.compile(rf'/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages\.json')
MESSAGE = re.compile(rf'/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages/(?P<sid>SM\w+)\.json')


def _error(status, code, message):
    return status, {'code': code, 'message': message,
                    'more_info': f'https://www.twilio.com/docs/errors/{code}', 'status': status}


def _rfc2822(moment):
    return moment.strftime('%a, %d %b %Y %H:%M:%S +0000') if moment else None


DATE_SENT_FILTERS = (('DateSent', operator.eq), ('DateSent<', operator.le), ('DateSent>', operator.ge))


def _sent_bound(text):
    """A DateSent filter value: a date (YYYY-MM-DD) or, as the SDK sends it, a UTC date-time."""
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.strptime(text, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)


def _sent_value(moment, bound):
    """A message's date_sent compared at the precision of the filter."""
    return moment if isinstance(bound, datetime) else moment.date()


def _valid_callback(url):
    match = re.match(r'^https?://([^/?#:]+)', url)
    return bool(match) and '_' not in match.group(1) and len(url) <= 4000


class FakeTwilio(FakeServer):

    def __init__(self, account_sid, auth_token, latency=0.0):
        super().__init__(latency)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages = []
        self._by_sid = {}
        self._api_keys = {}
        self._opted_out = set()  # (Twilio number, recipient) pairs
        self._read_failures = deque()

    def add_api_key(self, sid, secret):
        self._api_keys[sid] = secret

    def fail_next(self, status=503, code=None, message=None, count=1):
        """Answer the next ``count`` message creates with a Twilio error; the messages are not created."""
        default_code, default_message = FAILURES.get(status, (status, HTTPStatus(status).phrase))
        with self._lock:
            self._failures.extend([_error(status, code or default_code, message or default_message)] * count)

    def fail_next_reads(self, status=500, count=1):
        """Answer the next ``count`` message fetches and lists with a Twilio error."""
        default_code, default_message = FAILURES.get(status, (status, HTTPStatus(status).phrase))
        with self._lock:
            self._read_failures.extend([_error(status, default_code, default_message)] * count)

    @staticmethod
    def final_status(number):
        return OUTCOMES.get(number[-1:], ('delivered', None))

    # -- HTTP API ------------------------------------------------------------------------------------

    def handle(self, request):
        request['form'] = dict(parse_qsl(request['body'].decode(), keep_blank_values=True))
        credentials = self._credentials(request['headers'].get('authorization', ''))
        if not credentials:
            return _error(401, 20003, 'Authenticate')
        for method, pattern, view in (('POST', MESSAGES, self._create), ('GET', MESSAGES, self._list),
                                      ('GET', MESSAGE, self._fetch), ('GET', ACCOUNT, self._account)):
            match = pattern.fullmatch(request['path'])
            if match and request['method'] == method:
                if match['account'] != self.account_sid:
                    return _error(401, 20003, 'Authenticate')
                failure = view in (self._fetch, self._list) and self._pop(self._read_failures)
                if failure:
                    return failure
                return view(request, credentials, **match.groupdict())
        return _error(404, 20404, f"The requested resource {request['path']} was not found")

    def _credentials(self, authorization):
        """'auth_token' or 'api_key' for valid HTTP Basic credentials, else None."""
        scheme, _, encoded = authorization.partition(' ')
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(':')
        except ValueError:
            return None
        if scheme == 'Basic' and (user, password) == (self.account_sid, self.auth_token):
            return 'auth_token'
        if scheme == 'Basic' and user in self._api_keys and self._api_keys[user] == password:
            return 'api_key'
        return None

    def _create(self, request, credentials, account):
        failure = self._pop(self._failures)
        if failure:
            return failure
        form = request['form']
        refusal = self._refusal(form)
        if refusal:
            return _error(400, *refusal)
        message = self.add_message(
            form['To'], form.get('Body', ''), from_=form.get('From'),
            messaging_service_sid=form.get('MessagingServiceSid'), status_callback=form.get('StatusCallback'),
            validity_period=form.get('ValidityPeriod'),
            # A Messaging Service picks the sender later: such a message starts 'accepted', else 'queued'.
            status='queued' if form.get('From') else 'accepted')
        self._answer_late()
        return 201, self._resource(message)

    def add_message(self, to, body, from_=None, messaging_service_sid=None, created=None, **fields):
        """Record a message as the account has it, as a create does, or (``created``) sent earlier."""
        created = created or datetime.now(timezone.utc)
        message = {
            'sid': 'SM' + uuid.uuid4().hex, 'account_sid': self.account_sid, 'to': to, 'from_': from_,
            'messaging_service_sid': messaging_service_sid, 'body': body, 'status_callback': None,
            'validity_period': None, 'status': 'delivered', 'num_segments': sms_segments(body), 'error_code': None,
            'date_created': created, 'date_updated': created,
            'date_sent': created,  # Twilio's documented create response already has it
            **fields,
        }
        with self._lock:
            self.messages.append(message)
            self._by_sid[message['sid']] = message
        return message

    def _refusal(self, form):
        to, sender, body = form.get('To'), form.get('From'), form.get('Body', '')
        if not to:
            return 21604, "A 'To' phone number is required."
        if not (sender or form.get('MessagingServiceSid')):
            return 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
        if not (body or form.get('MediaUrl') or form.get('ContentSid')):
            return 21602, 'Message body is required.'
        if len(body.encode('utf-16-le')) // 2 > 1600:
            return 21617, 'The concatenated message body exceeds the 1600 character limit.'
        if form.get('StatusCallback') and not _valid_callback(form['StatusCallback']):
            return 21609, "Invalid 'StatusCallback'. StatusCallback must be a valid HTTP(s) URL."
        if sender in MAGIC_FROM:
            return MAGIC_FROM[sender]
        if to in MAGIC_TO:
            return MAGIC_TO[to]
        if not E164.match(to):
            return 21211, f"The 'To' number {to} is not a valid phone number."
        if (sender, to) in self._opted_out:
            return 21610, 'Attempt to send to unsubscribed recipient'
        return None

    def _fetch(self, request, credentials, account, sid):
        message = self._by_sid.get(sid)
        if not message:
            return _error(404, 20404, f"The requested resource {request['path']} was not found")
        return 200, self._resource(message)

    def _list(self, request, credentials, account):
        query = {name: values[-1] for name, values in request['query'].items()}
        try:
            page_size = int(query.get('PageSize', 50))
            bounds = [(_sent_bound(query[name]), compare) for name, compare in DATE_SENT_FILTERS if name in query]
        except ValueError:
            return _error(400, 20001, 'Invalid parameter')
        if not 1 <= page_size <= 1000:
            return _error(400, 20001, 'Invalid PageSize')
        with self._lock:
            found = [m for m in sorted(self.messages, key=lambda m: m['date_sent'], reverse=True)
                     if query.get('To', m['to']) == m['to'] and query.get('From', m['from_']) == m['from_']
                     and all(compare(_sent_value(m['date_sent'], bound), bound) for bound, compare in bounds)]
        start = 0
        if query.get('PageToken'):  # the SID of the last message of the previous page, as PA<sid>
            start = next((index + 1 for index, m in enumerate(found) if 'PA' + m['sid'] == query['PageToken']), 0)
        page = found[start:start + page_size]
        number = int(query.get('Page', 0))
        uri = f"{request['path']}?{urlencode(sorted(query.items()))}"
        next_query = {**query, 'Page': number + 1, 'PageSize': page_size, 'PageToken': 'PA' + page[-1]['sid']} \
            if page and start + page_size < len(found) else None
        first_query = {key: value for key, value in query.items() if key not in ('Page', 'PageToken')}
        return 200, {
            'messages': [self._resource(m) for m in page], 'page': number, 'page_size': page_size,
            'start': start, 'end': start + max(len(page) - 1, 0), 'uri': uri,
            'first_page_uri': f"{request['path']}?{urlencode(sorted({**first_query, 'Page': 0}.items()))}",
            'next_page_uri': f"{request['path']}?{urlencode(sorted(next_query.items()))}" if next_query else None,
            'previous_page_uri': None,
        }

    def _account(self, request, credentials, account):
        if credentials == 'api_key':
            return _error(403, 20006, 'Access Denied')
        return 200, {
            'sid': account, 'owner_account_sid': account, 'friendly_name': 'Fake Twilio account',
            'status': 'active', 'type': 'Full', 'auth_token': self.auth_token,
            'date_created': 'Thu, 30 Jul 2015 20:00:00 +0000', 'date_updated': 'Thu, 30 Jul 2015 20:00:00 +0000',
            'uri': request['path'],
            'subresource_uris': {'messages': f'/{API_VERSION}/Accounts/{account}/Messages.json'},
        }

    def _resource(self, message):
        uri = f"/{API_VERSION}/Accounts/{message['account_sid']}/Messages/{message['sid']}.json"
        return {
            'account_sid': message['account_sid'],
            'api_version': API_VERSION,
            'body': message['body'],
            'date_created': _rfc2822(message['date_created']),
            'date_sent': _rfc2822(message['date_sent']),
            'date_updated': _rfc2822(message['date_updated']),
            'direction': 'outbound-api',
            'error_code': message['error_code'],
            'error_message': None,
            'from': message['from_'],
            'messaging_service_sid': message['messaging_service_sid'],
            'num_media': '0',
            # Twilio reports 0 segments until a Messaging Service has picked the sender.
            'num_segments': '0' if message['status'] == 'accepted' else str(message['num_segments']),
            'price': None,
            'price_unit': 'USD',
            'sid': message['sid'],
            'status': message['status'],
            'subresource_uris': {'media': uri.replace('.json', '/Media.json')},
            'to': message['to'],
            'uri': uri,
        }

    # -- Webhooks Twilio sends -----------------------------------------------------------------------

    def send_status_callbacks(self, statuses=('sent', 'delivered')):
        """POST signed status callbacks for every message with a StatusCallback not yet in a final status.

        Each status of ``statuses`` is posted in order; a final one ('delivered', 'undelivered' or
        'failed') stands for the message's ``final_status`` outcome, with its ErrorCode, and a message
        that fails is never reported 'sent'. Returns [(url, http_status)].
        """
        results = []
        for message in [m for m in self.messages if m['status_callback'] and m['status'] not in FINAL]:
            final, error_code = self.final_status(message['to'])
            for status in statuses:
                status = final if status in FINAL else status
                if status == 'sent' and final == 'failed':
                    continue
                self._set_status(message, status, error_code if status in FINAL else None)
                response = self._post(message['status_callback'], self._callback_params(message))
                results.append((message['status_callback'], response.status_code))
        return results

    def settle(self):
        """Give every message its final status without posting anything, as for messages sent
        without a StatusCallback; the API then answers fetches with it."""
        for message in self.messages:
            if message['status'] not in FINAL:
                self._set_status(message, *self.final_status(message['to']))

    def _set_status(self, message, status, error_code):
        now = datetime.now(timezone.utc)
        with self._lock:
            message.update(status=status, error_code=error_code, date_updated=now)

    def _callback_params(self, message):
        params = {'MessageSid': message['sid'], 'SmsSid': message['sid'], 'AccountSid': message['account_sid'],
                  'To': message['to'], 'MessageStatus': message['status'], 'SmsStatus': message['status'],
                  'ApiVersion': API_VERSION}
        if message['from_']:
            params['From'] = message['from_']
        if message['messaging_service_sid']:
            params['MessagingServiceSid'] = message['messaging_service_sid']
        if message['error_code']:
            params['ErrorCode'] = str(message['error_code'])
        if message['status'] in ('delivered', 'undelivered'):
            params['RawDlrDoneDate'] = message['date_updated'].strftime('%y%m%d%H%M')
        return params

    def send_inbound(self, url, from_, body, to=None):
        """POST a signed incoming-message webhook, applying Twilio's default STOP/START handling first.

        An opt-out keyword (the whole body, any case) blocks further messages from ``to`` to ``from_``
        (21610); an opt-in keyword lifts the block. Returns the ``requests.Response``.
        """
        to = to or INBOUND_TO
        keyword = body.strip().upper()
        with self._lock:
            if keyword in OPT_OUT:
                self._opted_out.add((to, from_))
            elif keyword in OPT_IN:
                self._opted_out.discard((to, from_))
        sid = 'SM' + uuid.uuid4().hex
        params = {'MessageSid': sid, 'SmsSid': sid, 'SmsMessageSid': sid, 'AccountSid': self.account_sid,
                  'From': from_, 'To': to, 'Body': body, 'NumMedia': '0',
                  'NumSegments': str(sms_segments(body)), 'SmsStatus': 'received', 'ApiVersion': API_VERSION}
        return self._post(url, params)

    def _post(self, url, params):
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return requests.post(url, data=params, headers={'X-Twilio-Signature': signature}, timeout=30)
