"""Twilio Programmable Messaging through the official SDK (https://www.twilio.com/docs/messaging/api)."""
import functools
import json
import logging
from collections import defaultdict
from datetime import timezone
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from odoo.tools.translate import LazyTranslate

from .base import (
    DeliveryReport, DeliveryState, Failure, InboundMessage, ProviderError, SendResult, SmsProvider, guarded,
    network_error, server_error, unknown_outcomes,
)

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)
_sdk_logger = _logger.getChild('sdk')  # the SDK logs every request and response at INFO
_sdk_logger.setLevel(logging.WARNING)

# https://www.twilio.com/docs/api/errors
ERROR_FAILURES = {
    20003: Failure.ACCOUNT,      # authentication failed
    20005: Failure.ACCOUNT,      # account not active (out of funds, not activated)
    20006: Failure.ACCOUNT,      # access denied
    21211: Failure.NUMBER,       # invalid 'To' number
    21212: Failure.ACCOUNT,      # invalid 'From' number
    21408: Failure.ACCOUNT,      # no permission to send to this region
    21602: Failure.MESSAGE,      # empty body
    21603: Failure.ACCOUNT,      # no 'From' nor Messaging Service
    21604: Failure.NUMBER,       # no 'To' number
    21606: Failure.ACCOUNT,      # 'From' number cannot send to this destination
    21608: Failure.ACCOUNT,      # trial account: unverified destination
    21610: Failure.OPT_OUT,      # recipient replied STOP
    21611: Failure.UNAVAILABLE,  # 'From' number queue is full
    21612: Failure.NUMBER,       # 'To' number not reachable by SMS
    21614: Failure.NUMBER,       # 'To' number is not a mobile number
    21617: Failure.MESSAGE,      # body longer than 1600 characters
    21701: Failure.ACCOUNT,      # Messaging Service does not exist
    21703: Failure.ACCOUNT,      # Messaging Service has no sender available
    21704: Failure.ACCOUNT,      # Messaging Service contains no phone numbers
    30002: Failure.ACCOUNT,      # account suspended
    30003: Failure.NUMBER,       # unreachable destination handset
    30004: Failure.NUMBER,       # message blocked by the recipient
    30005: Failure.NUMBER,       # unknown destination handset
    30006: Failure.NUMBER,       # landline or unreachable carrier
    30034: Failure.ACCOUNT,      # US A2P 10DLC: unregistered number
}
ACCOUNT_HINTS = {
    20003: _lt("Check the bridge's Account SID and Auth Token (or API key and secret)."),
    20005: _lt("The Twilio account is not active (out of funds or not activated): check it in the Twilio console."),
    20006: _lt("These credentials may not do this: use the Auth Token or a Main API key."),
    21212: _lt("Check the bridge's sender: it must be a number or sender ID of this Twilio account."),
    21408: _lt("Enable this country in Twilio's Messaging Geographic Permissions."),
    21603: _lt("Set the bridge's sender: a number of this Twilio account or a Messaging Service SID."),
    21606: _lt("Use a sender number of this Twilio account that can send SMS to this country."),
    21608: _lt("A Twilio trial account only sends to verified numbers: verify the number or upgrade."),
    21701: _lt("Check the Messaging Service SID of the bridge's sender."),
    21703: _lt("Add a sender able to reach this destination to the Messaging Service."),
    21704: _lt("Add phone numbers to the Messaging Service."),
    30002: _lt("The Twilio account is suspended: contact Twilio support."),
    30034: _lt("Register the sender number for US A2P 10DLC in the Twilio console."),
}
LIST_PAGE_SIZE = 1000  # the most Twilio lists in a page
# https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
STATUS_STATES = {
    'accepted': DeliveryState.ACCEPTED,
    'scheduled': DeliveryState.ACCEPTED,
    'queued': DeliveryState.ACCEPTED,
    'sending': DeliveryState.ACCEPTED,
    'sent': DeliveryState.SENT,
    'delivered': DeliveryState.DELIVERED,
    'read': DeliveryState.DELIVERED,
    'undelivered': DeliveryState.FAILED,
    'failed': DeliveryState.FAILED,
    'canceled': DeliveryState.FAILED,
}


class TwilioProvider(SmsProvider):
    code = 'twilio'
    label = 'Twilio'
    can_find_accepted = True
    validity_hours = 10  # Twilio keeps a message queued 36,000 seconds by default

    def _client(self):
        credentials = self.config.credentials
        if credentials.get('api_key_sid'):
            username, password = credentials['api_key_sid'], credentials['api_key_secret']
        else:
            username, password = credentials['account_sid'], credentials['auth_token']
        return _client(credentials['account_sid'], username, password, self.config.base_url, self.config.timeout)

    # sending ---------------------------------------------------------------

    def send(self, messages):
        client = self._client()
        send_one = guarded(lambda sms: self._send_one(client, sms), lambda sms, error: unknown_outcomes([sms], error)[0])
        return self._concurrently(send_one, messages)

    def _send_one(self, client, sms):
        params = {'to': sms.number, 'body': sms.body}
        if self.config.sender.startswith('MG'):
            params['messaging_service_sid'] = self.config.sender
        else:
            params['from_'] = self.config.sender
        if self.config.status_url:
            params['status_callback'] = '%s?%s' % (self.config.status_url, urlencode({'sms': sms.attempt_id}))
        try:
            message = self._retrying(lambda: self._call(lambda: client.messages.create(**params), sending=True))
        except ProviderError as error:
            return SendResult(sms.uuid, failure=error.failure, error_code=error.code, error_message=error.args[0])
        return SendResult(sms.uuid, provider_message_id=message.sid, segments=_segments(message.num_segments),
                          **self._price(message.price, message.price_unit))

    def _call(self, call, sending=False):
        self.throttle.wait()
        try:
            return call()
        except TwilioRestException as error:
            raise self._error(error.status, error.code, error.msg, sending) from error
        except TwilioException as error:
            raise self._sdk_error(error, sending) from error
        except requests.RequestException as error:
            raise network_error(self.label, error) from error

    def _sdk_error(self, error, sending):
        """The ProviderError for the SDK's other exceptions: an RFC 9457 problem answer
        (TwilioServiceException), a page of a list that did not load (text, response), or else."""
        if isinstance(getattr(error, 'status', None), int):
            return self._error(error.status, getattr(error, 'code', None),
                               getattr(error, 'detail', None) or getattr(error, 'title', None), sending)
        response = error.args[1] if len(error.args) > 1 else None
        if isinstance(getattr(response, 'status_code', None), int):
            body = _json_or_empty(getattr(response, 'text', ''))
            return self._error(response.status_code, body.get('code'), body.get('message') or error.args[0], sending)
        return ProviderError(
            _lt("Twilio's library failed without an answer from Twilio: %(error)s", error=repr(error)),
            Failure.UNKNOWN_OUTCOME if sending else Failure.UNAVAILABLE)

    def _error(self, status, code, reason, sending):
        unavailable = server_error(self.label, status, 'error %s: %s' % (code, reason), sending, code=code)
        if unavailable:
            return unavailable
        failure = ERROR_FAILURES.get(code, Failure.ACCOUNT if status in (401, 403) else Failure.MESSAGE)
        if failure is Failure.ACCOUNT:
            hint = ACCOUNT_HINTS.get(code) or ACCOUNT_HINTS[20003]
            message = _lt("Twilio refused to send (error %(code)s: %(reason)s). %(hint)s",
                          code=code, reason=reason, hint=hint)
        else:
            message = _lt("Twilio error %(code)s: %(reason)s", code=code, reason=reason)
        return ProviderError(message, failure, code=str(code) if code else None)

    @staticmethod
    def _price(price, unit):
        if price in (None, ''):
            return {}
        return {'price': abs(float(price)), 'currency': unit}

    def find_accepted(self, messages, since):
        """Twilio's messages to each number since ``since`` with our exact body, oldest first, each
        taken for one of ours: message SIDs are Twilio's, so the number, sender, body and date are all
        there is to match on. A message Twilio failed at once was still taken (it has a SID)."""
        client = self._client()
        by_number = defaultdict(list)
        for sms in messages:
            by_number[sms.number].append(sms)
        since = since.replace(microsecond=0, tzinfo=timezone.utc)  # Twilio's dates are to the second
        filters = {'date_sent_after': since.date().isoformat()}  # DateSent> takes a GMT date
        by_service = self.config.sender.startswith('MG')
        if not by_service:
            filters['from_'] = self.config.sender

        def find(number):
            listed = self._retrying(lambda: self._call(lambda: client.messages.list(
                to=number, page_size=LIST_PAGE_SIZE, **filters)))
            taken = [message for message in reversed(listed)
                     if (message.direction or '').startswith('outbound') and message.date_created >= since
                     and (not by_service or message.messaging_service_sid == self.config.sender)]
            accepted = {}
            for sms in by_number[number]:
                message = next((message for message in taken if message.body == sms.body), None)
                if message:
                    taken.remove(message)
                    accepted[sms.uuid] = SendResult(
                        sms.uuid, provider_message_id=message.sid, segments=_segments(message.num_segments),
                        **self._price(message.price, message.price_unit))
            return accepted

        try:
            found = self._concurrently(find, list(by_number))
        except ProviderError:
            raise
        except Exception as error:  # an answer of an unforeseen shape: Twilio could not be asked
            raise ProviderError(_lt("Twilio's messages could not be read: %(error)s", error=repr(error)),
                                Failure.UNAVAILABLE) from error
        return {uuid: result for accepted in found for uuid, result in accepted.items()}

    def test_connection(self):
        client = self._client()
        # listing messages works with the Auth Token and with any API key, unlike fetching the account
        self._call(lambda: client.messages.list(limit=1))
        return _lt("Twilio accepted the credentials of account %(account)s.",
                   account=self.config.credentials['account_sid'])

    # delivery reports -------------------------------------------------------

    def fetch_reports(self, provider_message_ids):
        client = self._client()

        def fetch(sid):
            try:
                message = self._retrying(lambda: self._call(lambda: client.messages(sid).fetch()))
                return self._report(sid, message.status, message.error_code, message.error_message,
                                    message.num_segments, message.price, message.price_unit)
            except ProviderError as error:  # no news of this message, this time
                _logger.info("Twilio status of %s not fetched: %s", sid, error)
            except ValueError as error:
                _logger.warning("Twilio status of %s skipped: %s", sid, error)
            return None

        fetch = guarded(fetch, lambda sid, error: None)
        return [report for report in self._concurrently(fetch, list(provider_message_ids)) if report]

    def parse_status_callback(self, request):
        form = request.form
        sid = form.get('MessageSid') or form.get('SmsSid')
        status = form.get('MessageStatus') or form.get('SmsStatus')
        if not sid or status not in STATUS_STATES:
            raise ValueError('not a Twilio status callback: %s' % sorted(form))
        report = self._report(sid, status, form.get('ErrorCode'), form.get('ErrorMessage'), form.get('NumSegments'))
        report.attempt_id = request.query.get('sms')
        return [report]

    def _report(self, sid, status, error_code, error_message, segments, price=None, price_unit=None):
        state = STATUS_STATES.get(status)
        if state is None:
            raise ValueError('unknown Twilio status %r' % status)
        failure = None
        if state is DeliveryState.FAILED:
            code = int(error_code) if error_code else None
            failure = ERROR_FAILURES.get(code, Failure.MESSAGE)
            error_message = _lt("Twilio status %(status)s, error %(code)s%(reason)s", status=status,
                                code=code or '-', reason=': %s' % error_message if error_message else '')
        return DeliveryReport(
            sid, state, failure=failure, error_code=str(error_code) if error_code else None,
            error_message=error_message if failure else None,
            segments=_segments(segments), **self._price(price, price_unit))

    def is_authentic(self, request):
        signature = request.headers.get('X-Twilio-Signature', '')
        auth_token = self.config.credentials.get('auth_token')
        return bool(signature and auth_token) and RequestValidator(auth_token).validate(
            request.url, request.form, signature)

    def parse_inbound(self, request):
        form = request.form
        if not form.get('From') or 'Body' not in form:
            raise ValueError('not a Twilio inbound message: %s' % sorted(form))
        return [InboundMessage(form['From'], form['Body'])]


@functools.lru_cache(maxsize=32)
def _client(account_sid, username, password, base_url, timeout):
    """A Twilio client whose connections stay open from one batch to the next."""
    http_client = TwilioHttpClient(timeout=timeout)
    http_client.logger = _sdk_logger
    adapter = HTTPAdapter(pool_maxsize=TwilioProvider.max_concurrency)
    for scheme in ('http://', 'https://'):
        http_client.session.mount(scheme, adapter)
    client = Client(username, password, account_sid=account_sid, http_client=http_client)
    if base_url:
        client.api.base_url = base_url.rstrip('/')
    return client


def _segments(num_segments):
    """Twilio's segment count, a string, '0' until a Messaging Service has chosen the sender."""
    return int(num_segments or 0) or None


def _json_or_empty(text):
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
