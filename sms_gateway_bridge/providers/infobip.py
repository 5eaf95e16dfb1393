"""Infobip SMS API v3 over plain HTTP (https://www.infobip.com/docs/api/channels/sms).

Many destinations travel in one request, each with our own messageId, so that Infobip can be
asked whether it took a given message (its message logs) when a request got no answer.
"""
import logging

import requests
from requests.adapters import HTTPAdapter

from odoo.tools import split_every
from odoo.tools.translate import LazyTranslate

from .base import (
    DeliveryReport, DeliveryState, Failure, InboundMessage, Outcome, ProviderError, SendResult, SmsProvider,
    TransientError, guarded, network_error, server_error, unknown_outcomes,
)

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

# https://www.infobip.com/docs/essentials/api-essentials/response-status-and-error-codes
GROUP_STATES = {
    'PENDING': DeliveryState.ACCEPTED,
    'DELIVERED': DeliveryState.DELIVERED,
    'UNDELIVERABLE': DeliveryState.FAILED,
    'EXPIRED': DeliveryState.FAILED,
    'REJECTED': DeliveryState.FAILED,
}
STATUS_STATES = {
    'PENDING_ENROUTE': DeliveryState.SENT,
    'DELIVERED_TO_OPERATOR': DeliveryState.SENT,
}
NUMBER_STATUSES = {
    'MISSING_TO', 'REJECTED_DESTINATION', 'REJECTED_PREFIX_MISSING', 'REJECTED_INVALID_DESTINATION',
    'REJECTED_DESTINATION_NOT_REGISTERED', 'REJECTED_NETWORK', 'REJECTED_NOT_MOBILE',
}
ACCOUNT_STATUSES = {'REJECTED_NOT_ENOUGH_CREDITS', 'REJECTED_SENDER', 'REJECTED_NOT_ALLOWED'}
OPT_OUT_STATUSES = {'REJECTED_BLOCKLISTED', 'REJECTED_OPTED_OUT'}
DUPLICATE_STATUS = 'REJECTED_DUPLICATE_MESSAGE_ID'
NUMBER_ERRORS = {
    'EC_UNKNOWN_SUBSCRIBER', 'EC_ILLEGAL_SUBSCRIBER', 'EC_UNIDENTIFIED_SUBSCRIBER',
    'EC_TELESERVICE_NOT_PROVISIONED', 'EC_NUMBER_CHANGED', 'EC_ILLEGAL_EQUIPMENT',
}
IDS_PER_LOOKUP = 100  # message ids per log query, to keep URLs short
REPORTS_PER_PULL = 1000


class InfobipProvider(SmsProvider):
    code = 'infobip'
    label = 'Infobip'
    can_find_accepted = True
    validity_hours = 48  # Infobip's default validity period
    destinations_per_request = 1000
    max_concurrency = 8

    def _session(self):
        session = requests.Session()
        session.headers.update({
            'Authorization': 'App %s' % self.config.credentials['api_key'],
            'Accept': 'application/json',
        })
        session.mount(self._url(''), HTTPAdapter(pool_maxsize=self.max_concurrency))
        return session

    def _url(self, path):
        base_url = self.config.base_url.rstrip('/')
        if '://' not in base_url:
            base_url = 'https://' + base_url
        return base_url + path

    def _request(self, session, method, path, **kwargs):
        try:
            response = session.request(method, self._url(path), timeout=self.config.timeout, **kwargs)
        except requests.RequestException as error:
            raise network_error(self.label, error) from error
        sending = method != 'GET'
        if response.ok:
            try:
                return response.json()
            except ValueError:
                if sending:  # it took the request, but its answer says nothing of what it did
                    raise ProviderError(_lt("Infobip answered with something that is not JSON: it may or may not "
                                            "have taken the messages."), Failure.UNKNOWN_OUTCOME) from None
                raise TransientError(_lt("Infobip answered with something that is not JSON.")) from None
        raise self._error(response, sending)

    def _error(self, response, sending):
        code, reason = _parse_error(response)
        status = response.status_code
        retry_after = response.headers.get('Retry-After')
        unavailable = server_error(
            self.label, status, '%s: %s' % (code, reason), sending, code=code,
            retry_after=min(float(retry_after), 30) if (retry_after or '').isdigit() else None)
        if unavailable:
            return unavailable
        if status in (401, 403):
            return ProviderError(_lt(
                "Infobip refused the API key (HTTP %(status)s, %(code)s: %(reason)s). Check the bridge's API key "
                "and base URL.", status=status, code=code, reason=reason), Failure.ACCOUNT, code)
        return ProviderError(_lt("Infobip refused the request (HTTP %(status)s, %(code)s: %(reason)s).",
                                 status=status, code=code, reason=reason), Failure.MESSAGE, code)

    # sending ---------------------------------------------------------------

    def send(self, messages):
        session = self._session()
        chunks = list(split_every(self.destinations_per_request, messages))
        send_chunk = guarded(lambda chunk: self._send_chunk(session, chunk), unknown_outcomes)
        return [result for results in self._concurrently(send_chunk, chunks) for result in results]

    def _send_chunk(self, session, chunk):
        self.throttle.wait(len(chunk))
        try:
            answer = self._retrying(lambda: self._request(session, 'POST', '/sms/3/messages', json=self._payload(chunk)))
        except ProviderError as error:
            if error.failure is Failure.MESSAGE and len(chunk) > 1:
                # a request refused as a whole: split it so that only the culprit fails
                half = len(chunk) // 2
                return self._send_chunk(session, chunk[:half]) + self._send_chunk(session, chunk[half:])
            return [SendResult(sms.uuid, failure=error.failure, error_code=error.code, error_message=error.args[0])
                    for sms in chunk]
        statuses = {answer['messageId']: answer for answer in answer.get('messages', [])}
        return [self._send_result(sms, statuses.get(sms.attempt_id)) for sms in chunk]

    def _payload(self, chunk):
        delivery = {'webhooks': {'delivery': {'url': self.config.status_url}, 'contentType': 'application/json'}} \
            if self.config.status_url else {}
        return {
            'messages': [{
                'sender': self.config.sender,
                'destinations': [{'to': sms.number.lstrip('+'), 'messageId': sms.attempt_id}],
                'content': {'text': sms.body},
                **delivery,
            } for sms in chunk],
            'options': {'includeSmsCountInResponse': True},
        }

    def _send_result(self, sms, answer):
        if not answer:
            return SendResult(sms.uuid, failure=Failure.UNKNOWN_OUTCOME,
                              error_message=_lt("Infobip's answer did not mention this message."))
        status = answer.get('status') or {}
        name = status.get('name')
        if status.get('groupName') == 'REJECTED' and name != DUPLICATE_STATUS:
            return SendResult(sms.uuid, failure=_rejection_failure(name), error_code=name, error_message=_lt(
                "Infobip rejected the message: %(status)s (%(description)s).", status=name,
                description=status.get('description')))
        # message ids are new at every attempt: a duplicate means Infobip already took this attempt
        return SendResult(sms.uuid, provider_message_id=sms.attempt_id,
                          segments=(answer.get('details') or {}).get('messageCount'))

    def find_accepted(self, messages, since):
        session = self._session()
        by_attempt = {sms.attempt_id: sms for sms in messages}
        accepted = {}
        for ids in split_every(IDS_PER_LOOKUP, list(by_attempt)):
            answer = self._retrying(lambda ids=ids: self._request(
                session, 'GET', '/sms/3/logs', params={'messageId': list(ids), 'limit': len(ids)}))
            for log in answer.get('results', []):
                sms = by_attempt.get(log.get('messageId'))
                if sms and (log.get('status') or {}).get('groupName') != 'REJECTED':
                    [cost] = self._known_reports([log]) or [Outcome()]  # taken, whatever status it has now
                    accepted[sms.uuid] = SendResult(sms.uuid, provider_message_id=sms.attempt_id, segments=cost.segments,
                                                    price=cost.price, currency=cost.currency)
        return accepted

    def test_connection(self):
        session = self._session()
        self._request(session, 'GET', '/sms/3/logs', params={'limit': 1})  # needs only the SMS scope
        try:
            balance = self._request(session, 'GET', '/account/1/balance')
        except ProviderError:  # the key may not have the account-management scope
            return _lt("Infobip accepted the API key.")
        return _lt("Infobip accepted the API key; balance: %(balance)s %(currency)s.",
                   balance=balance.get('balance'), currency=balance.get('currency'))

    # delivery reports -------------------------------------------------------

    def pull_reports(self):
        answer = self._retrying(lambda: self._request(
            self._session(), 'GET', '/sms/3/reports', params={'limit': REPORTS_PER_PULL}))
        return self._known_reports(answer.get('results', []))

    def fetch_reports(self, provider_message_ids):
        session = self._session()
        reports = []
        for ids in split_every(IDS_PER_LOOKUP, list(provider_message_ids)):
            answer = self._retrying(lambda ids=ids: self._request(
                session, 'GET', '/sms/3/logs', params={'messageId': list(ids), 'limit': len(ids)}))
            reports += self._known_reports(answer.get('results', []))
        return reports

    def _known_reports(self, results):
        """Reports of ``results``, less those whose status we cannot read: no news of them this time."""
        reports = []
        for result in results:
            try:
                reports.append(self._report(result))
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                _logger.warning("Infobip report skipped, %s: %s", error, result)
        return reports

    def parse_status_callback(self, request):
        results = request.json.get('results') if isinstance(request.json, dict) else None
        if not isinstance(results, list) or not all(isinstance(r, dict) and r.get('messageId') for r in results):
            raise ValueError('not an Infobip delivery report')
        return [self._report(result) for result in results]

    def _report(self, result):
        status, error = result.get('status') or {}, result.get('error') or {}
        group, name = status.get('groupName'), status.get('name')
        state = STATUS_STATES.get(name) or GROUP_STATES.get(group)
        if state is None:
            raise ValueError('unknown Infobip status %r' % status)
        failure = None
        if state is DeliveryState.FAILED:
            if group == 'EXPIRED':
                failure = Failure.EXPIRED
            elif group == 'REJECTED':
                failure = _rejection_failure(name)
            elif error.get('name') in NUMBER_ERRORS or (error.get('groupName') == 'HANDSET_ERRORS' and error.get('permanent')):
                failure = Failure.NUMBER
            else:
                failure = Failure.MESSAGE
        price = result.get('price') or {}
        segments = result.get('messageCount') or result.get('smsCount')
        return DeliveryReport(
            result['messageId'], state, attempt_id=result['messageId'], failure=failure,
            error_code=(error.get('name') if error.get('id') else name) if failure else None,
            error_message=_lt("Infobip status %(status)s: %(error)s", status=name,
                              error=error.get('description') or status.get('description')) if failure else None,
            segments=segments,
            price=(price.get('pricePerMessage') or 0) * (segments or 1) if price else None,
            currency=price.get('currency'))

    def parse_inbound(self, request):
        results = request.json.get('results') if isinstance(request.json, dict) else None
        if not isinstance(results, list) or not all(isinstance(r, dict) and r.get('from') for r in results):
            raise ValueError('not an Infobip inbound message')
        return [InboundMessage('+' + result['from'].lstrip('+'), result.get('text') or '') for result in results]


def _rejection_failure(status_name):
    if status_name in NUMBER_STATUSES:
        return Failure.NUMBER
    if status_name in ACCOUNT_STATUSES:
        return Failure.ACCOUNT
    if status_name in OPT_OUT_STATUSES:
        return Failure.OPT_OUT
    return Failure.MESSAGE


def _parse_error(response):
    """(code, reason) from either of Infobip's error bodies."""
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code), response.reason
    if not isinstance(body, dict):
        return str(response.status_code), response.reason
    if 'requestError' in body:  # legacy shape
        exception = body['requestError'].get('serviceException') or body['requestError'].get('policyException') or {}
        return exception.get('messageId'), exception.get('text')
    violations = '; '.join('%s %s' % (v.get('property'), v.get('violation')) for v in body.get('violations') or [])
    reason = body.get('description') or response.reason
    return body.get('errorCode'), '%s (%s)' % (reason, violations) if violations else reason
