"""A fake Infobip SMS API (v3 send, reports and logs, v1 reports, account balance, webhooks) for tests.

Contracts and sources: tests/fakes/CONTRACTS.md. Requests need ``Authorization: App <api_key>``;
anything else is 401, with the ApiError body on /sms/3 endpoints and the legacy requestError body elsewhere.

A send (POST /sms/3/messages) whose JSON lacks messages, destinations or content is 400 (E400 with
violations). Otherwise it is 200 and each destination gets its own status: PENDING_ACCEPTED, or a REJECTED
one: MISSING_TO (empty), REJECTED_DESTINATION (not 8 to 15 digits), REJECTED_PREFIX_MISSING (national
number starting with 0), REJECTED_DUPLICATE_MESSAGE_ID (a messageId already sent), REJECTED_NOT_ENOUGH_CREDITS
(``balance`` below PRICE per message part; accepted parts are charged to it).

Delivery outcome of an accepted destination (``final_status``), by its last digit:
    0-6 -> DELIVERED_TO_HANDSET         error NO_ERROR
    7   -> UNDELIVERABLE_NOT_DELIVERED  error EC_ABSENT_SUBSCRIBER (temporary)
    8   -> UNDELIVERABLE_NOT_DELIVERED  error EC_UNKNOWN_SUBSCRIBER (permanent)
    9   -> EXPIRED_EXPIRED              error EC_VALIDITY_EXPIRED (permanent)
A message takes its final status when its report is pushed (send_delivery_reports) or queued for the
pull endpoints (queue_reports); logs show the current status.
"""
import json
import re
import uuid
from collections import defaultdict
from datetime import datetime, timezone

import requests

from .http_server import FakeServer, sms_segments

PRICE = 0.01
CURRENCY = 'EUR'
INBOUND_TO = '41793026700'


def _status(group_id, group_name, status_id, name, description):
    return {'groupId': group_id, 'groupName': group_name, 'id': status_id, 'name': name, 'description': description}


def _error_object(group_id, group_name, error_id, name, description, permanent):
    return {'groupId': group_id, 'groupName': group_name, 'id': error_id, 'name': name,
            'description': description, 'permanent': permanent}


STATUSES = {status['name']: status for status in (
    _status(1, 'PENDING', 26, 'PENDING_ACCEPTED', 'Message sent to next instance'),
    _status(3, 'DELIVERED', 5, 'DELIVERED_TO_HANDSET', 'Message delivered to handset'),
    _status(2, 'UNDELIVERABLE', 9, 'UNDELIVERABLE_NOT_DELIVERED', 'Message sent not delivered'),
    _status(4, 'EXPIRED', 15, 'EXPIRED_EXPIRED', 'Message expired'),
    _status(5, 'REJECTED', 51, 'MISSING_TO', 'Missing destination'),
    _status(5, 'REJECTED', 52, 'REJECTED_DESTINATION', 'Invalid destination address'),
    _status(5, 'REJECTED', 8, 'REJECTED_PREFIX_MISSING', 'Number prefix missing'),
    _status(5, 'REJECTED', 23, 'REJECTED_DUPLICATE_MESSAGE_ID', 'Duplicate message ID'),
    _status(5, 'REJECTED', 12, 'REJECTED_NOT_ENOUGH_CREDITS', 'Not enough credits'),
)}
ERRORS = {error['name']: error for error in (
    _error_object(0, 'OK', 0, 'NO_ERROR', 'No Error', False),
    _error_object(1, 'HANDSET_ERRORS', 27, 'EC_ABSENT_SUBSCRIBER', 'Absent Subscriber', False),
    _error_object(1, 'HANDSET_ERRORS', 1, 'EC_UNKNOWN_SUBSCRIBER', 'Unknown Subscriber', True),
    _error_object(2, 'USER_ERRORS', 4101, 'EC_VALIDITY_EXPIRED', 'Validity expired', True),
)}
OUTCOMES = {'7': ('UNDELIVERABLE_NOT_DELIVERED', 'EC_ABSENT_SUBSCRIBER'),
            '8': ('UNDELIVERABLE_NOT_DELIVERED', 'EC_UNKNOWN_SUBSCRIBER'),
            '9': ('EXPIRED_EXPIRED', 'EC_VALIDITY_EXPIRED')}
API_ERRORS = {
    400: ('Request cannot be processed.', 'Check the syntax, violations and adjust the request.'),
    401: ('The request lacks valid authentication credentials for the requested resource.',
          'Check the resources and adjust authentication credentials.'),
    429: ('Too many requests sent.', 'Check request rate limit specified in the API endpoint documentation resource.'),
    500: ('Something went wrong.', 'Contact the support.'),
}


def api_error(status, violations=()):
    """The ApiError body of the /sms/3 endpoints."""
    description, action = API_ERRORS.get(status, API_ERRORS[500])
    return status, {'errorCode': f'E{status}', 'description': description, 'action': action,
                    'violations': list(violations), 'resources': []}


def api_exception(status, message_id, text):
    """The legacy requestError body of the /sms/1 and /account/1 endpoints."""
    return status, {'requestError': {'serviceException': {'messageId': message_id, 'text': text}}}


def _timestamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + f'{moment.microsecond // 1000:03d}+0000' if moment else None


def _refusal(to):
    if not to:
        return 'MISSING_TO'
    if not re.fullmatch(r'\d{8,15}', to):
        return 'REJECTED_DESTINATION'
    if to.startswith('0'):
        return 'REJECTED_PREFIX_MISSING'
    return None


def _violations(payload):
    messages = payload.get('messages') if isinstance(payload, dict) else None
    if not isinstance(messages, list) or not messages:
        return [{'property': 'messages', 'violation': 'must not be empty'}]
    violations = []
    for index, message in enumerate(messages):
        message = message if isinstance(message, dict) else {}
        destinations = message.get('destinations')
        if not isinstance(destinations, list) or not destinations or not all(isinstance(d, dict) for d in destinations):
            violations.append({'property': f'messages[{index}].destinations', 'violation': 'must not be empty'})
        content = message.get('content')
        if not isinstance(content, dict) or not (content.get('text') or content.get('hex')):
            violations.append({'property': f'messages[{index}].content', 'violation': 'must not be null'})
    return violations


def _values(query, name):
    """A multi-valued query parameter, given repeated or comma-separated."""
    return [value for values in query.get(name, []) for value in values.split(',') if value]


def _limit(query):
    try:
        return min(int(query.get('limit', ['50'])[-1]), 1000)
    except ValueError:
        return 50


class FakeInfobip(FakeServer):

    def __init__(self, api_key, latency=0.0, balance=100.0):
        super().__init__(latency)
        self.api_key = api_key
        self.balance = balance
        self.messages = []
        self._by_id = {}
        self._report_queue = []
        self._queued = set()
        self._pushed = set()

    def fail_next(self, status=500, count=1):
        """Answer the next ``count`` sends with an ApiError of ``status`` (E429, E500...); nothing is sent."""
        with self._lock:
            self._failures.extend([api_error(status)] * count)

    @staticmethod
    def final_status(number):
        """(status, error) objects a destination ends with: REJECTED at send, else by its last digit."""
        refusal = _refusal(number)
        status, error = (refusal, 'NO_ERROR') if refusal else OUTCOMES.get(
            number[-1:], ('DELIVERED_TO_HANDSET', 'NO_ERROR'))
        return dict(STATUSES[status]), dict(ERRORS[error])

    # -- HTTP API ------------------------------------------------------------------------------------

    def handle(self, request):
        v3 = request['path'].startswith('/sms/3/')
        if request['headers'].get('authorization') != f'App {self.api_key}':
            return api_error(401) if v3 else api_exception(401, 'UNAUTHORIZED', 'Unauthorized')
        routes = {('POST', '/sms/3/messages'): self._send,
                  ('GET', '/sms/3/reports'): lambda r: self._reports(r, version=3),
                  ('GET', '/sms/1/reports'): lambda r: self._reports(r, version=1),
                  ('GET', '/sms/3/logs'): self._logs,
                  ('GET', '/account/1/balance'): self._balance}
        view = routes.get((request['method'], request['path']))
        return view(request) if view else api_exception(404, 'NOT_FOUND', 'Not found')

    def _send(self, request):
        failure = self._pop(self._failures)
        if failure:
            return failure
        try:
            payload = request['json'] = json.loads(request['body'] or b'null')
        except ValueError:
            return api_error(400, [{'property': '', 'violation': 'Malformed JSON.'}])
        violations = _violations(payload)
        if violations:
            return api_error(400, violations)
        options = payload.get('options') or {}
        bulk_id = (options.get('schedule') or {}).get('bulkId') or str(uuid.uuid4().int)[:19]
        now = datetime.now(timezone.utc)
        answers = []
        for message in payload['messages']:
            text = message['content'].get('text')
            webhooks = message.get('webhooks') or {}
            delivery = webhooks.get('delivery') or {}
            for destination in message['destinations']:
                record = {
                    'messageId': destination.get('messageId') or str(uuid.uuid4()),
                    'bulkId': bulk_id,
                    'to': destination.get('to', ''),
                    'sender': message.get('sender'),
                    'text': text,
                    'delivery_url': delivery.get('url'),
                    'notify': delivery.get('notify', True),
                    'callback_data': webhooks.get('callbackData'),
                    'message_count': sms_segments(text) if text is not None else 1,
                    'sent_at': now,
                    'done_at': None,
                }
                answer = {'messageId': record['messageId'], 'status': dict(STATUSES[self._admit(record)]),
                          'destination': record['to']}
                if options.get('includeSmsCountInResponse'):
                    answer['details'] = {'messageCount': record['message_count']}
                answers.append(answer)
        self._answer_late()
        return 200, {'bulkId': bulk_id, 'messages': answers}

    def _admit(self, record):
        """The status of a destination; the message is kept unless its messageId is a duplicate."""
        with self._lock:
            if record['messageId'] in self._by_id:
                return 'REJECTED_DUPLICATE_MESSAGE_ID'
            cost = PRICE * record['message_count']
            status = _refusal(record['to']) or (
                'REJECTED_NOT_ENOUGH_CREDITS' if self.balance < cost else 'PENDING_ACCEPTED')
            if status == 'PENDING_ACCEPTED':
                self.balance = round(self.balance - cost, 6)
                record['error'] = None
            else:
                record.update(error='NO_ERROR', done_at=record['sent_at'])
            record['status'] = status
            self.messages.append(record)
            self._by_id[record['messageId']] = record
            return status

    def _reports(self, request, version):
        query = request['query']
        message_ids, bulk_ids = _values(query, 'messageId'), _values(query, 'bulkId')
        with self._lock:
            found = [m for m in self._report_queue
                     if (not message_ids or m['messageId'] in message_ids)
                     and (not bulk_ids or m['bulkId'] in bulk_ids)][:_limit(query)]
            taken = {id(m) for m in found}
            self._report_queue = [m for m in self._report_queue if id(m) not in taken]
        return 200, {'results': [self._report(m, version) for m in found]}

    def _logs(self, request):
        query = request['query']
        message_ids, bulk_ids = _values(query, 'messageId'), _values(query, 'bulkId')
        destination, group = query.get('destination', [None])[-1], query.get('generalStatus', [None])[-1]
        found = [m for m in reversed(self.messages)
                 if (not message_ids or m['messageId'] in message_ids) and (not bulk_ids or m['bulkId'] in bulk_ids)
                 and destination in (None, m['to']) and group in (None, STATUSES[m['status']]['groupName'])]
        return 200, {'results': [self._log(m) for m in found[:_limit(query)]]}

    def _balance(self, request):
        return 200, {'balance': self.balance, 'currency': CURRENCY}

    def _report(self, message, version):
        report = {
            'bulkId': message['bulkId'],
            'messageId': message['messageId'],
            'to': message['to'],
            'sentAt': _timestamp(message['sent_at']),
            'doneAt': _timestamp(message['done_at']),
            'price': self._price(message),
            'status': dict(STATUSES[message['status']]),
            'error': dict(ERRORS[message['error']]),
        }
        if version == 3:
            report.update(sender=message['sender'], messageCount=message['message_count'])
        else:
            report.update({'from': message['sender'], 'smsCount': message['message_count']})
        if message['callback_data']:
            report['callbackData'] = message['callback_data']
        return report

    @staticmethod
    def _price(message):
        charged = STATUSES[message['status']]['groupName'] != 'REJECTED'
        return {'pricePerMessage': PRICE if charged else 0, 'currency': CURRENCY}

    def _log(self, message):
        log = {
            'sender': message['sender'],
            'destination': message['to'],
            'bulkId': message['bulkId'],
            'messageId': message['messageId'],
            'sentAt': _timestamp(message['sent_at']),
            'doneAt': _timestamp(message['done_at']),
            'messageCount': message['message_count'],
            'price': self._price(message),
            'status': dict(STATUSES[message['status']]),
            'content': {'text': message['text']},
        }
        if message['error']:
            log['error'] = dict(ERRORS[message['error']])
        return log

    # -- Webhooks Infobip sends ----------------------------------------------------------------------

    def _finalize(self, message):
        with self._lock:
            if message['status'] == 'PENDING_ACCEPTED':
                status, error = self.final_status(message['to'])
                message.update(status=status['name'], error=error['name'], done_at=datetime.now(timezone.utc))

    def send_delivery_reports(self, batch_size=100):
        """POST {"results": [...]} to each message's webhooks.delivery.url, per url in batches of ``batch_size``.

        Messages whose request set notify false are skipped; a batch the endpoint does not take (non-2xx)
        is posted again on the next call, as Infobip retries. Returns [(url, http_status)].
        """
        by_url = defaultdict(list)
        for message in self.messages:
            if message['delivery_url'] and message['notify'] and message['messageId'] not in self._pushed:
                self._finalize(message)
                by_url[message['delivery_url']].append(message)
        results = []
        for url, messages in by_url.items():
            for start in range(0, len(messages), batch_size):
                batch = messages[start:start + batch_size]
                response = requests.post(url, json={'results': [self._report(m, 3) for m in batch]}, timeout=30)
                if response.ok:
                    self._pushed.update(m['messageId'] for m in batch)
                results.append((url, response.status_code))
        return results

    def queue_reports(self):
        """Make the report of every message not yet queued available, once, to GET /sms/3|1/reports."""
        for message in self.messages:
            if message['messageId'] not in self._queued:
                self._finalize(message)
                with self._lock:
                    self._queued.add(message['messageId'])
                    self._report_queue.append(message)

    def send_inbound(self, url, from_, text, to=None, keyword=None):
        """POST an inbound (MO) message as Infobip forwards it (MO_JSON_2). Returns the ``requests.Response``."""
        clean_text = text[len(keyword):].strip() if keyword and text.upper().startswith(keyword.upper()) else text
        result = {
            'messageId': str(uuid.uuid4().int)[:18],
            'from': from_,
            'to': to or INBOUND_TO,
            'text': text,
            'cleanText': clean_text,
            'keyword': keyword,
            'receivedAt': _timestamp(datetime.now(timezone.utc)),
            'smsCount': sms_segments(text),
            'price': {'pricePerMessage': 0, 'currency': CURRENCY},
        }
        return requests.post(url, json={'results': [result], 'messageCount': 1, 'pendingMessageCount': 0},
                             timeout=30)
