"""An in-process provider for demos and trials: nothing leaves the server.

The outcome of a message is chosen by the last four digits of its number:

====== ===========================================================
0001   refused at sending: invalid number (a bounce)
0002   accepted, then undelivered: unreachable handset (a bounce)
0003   accepted, then expired before reaching the handset
0004   refused at sending: the recipient opted out (replied STOP)
0005   accepted and sent to the carrier, never confirmed delivered
other  accepted, then delivered
====== ===========================================================

Delivery reports come like a real provider's: posted to the bridge's webhook when it has
one, and answered to the polling job. The outcome travels in the message id, so any worker
can answer for any message.
"""
import logging
import threading

import requests

from odoo.tools.translate import LazyTranslate

from .base import DeliveryReport, DeliveryState, Failure, InboundMessage, SendResult, SmsProvider

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

REFUSED = {
    '0001': (Failure.NUMBER, _lt("Simulated refusal: invalid number.")),
    '0004': (Failure.OPT_OUT, _lt("Simulated refusal: the recipient opted out.")),
}
# outcome letter in the message id -> final report
OUTCOMES = {'0002': 'U', '0003': 'E', '0005': 'S'}
REPORTS = {
    'D': (DeliveryState.DELIVERED, None, None),
    'U': (DeliveryState.FAILED, Failure.NUMBER, _lt("Simulated failure: unreachable handset.")),
    'E': (DeliveryState.FAILED, Failure.EXPIRED, _lt("Simulated failure: expired before delivery.")),
    'S': (DeliveryState.SENT, None, None),
}
WEBHOOK_DELAY = 1.0  # seconds before the simulated delivery reports are posted


class SimulatorProvider(SmsProvider):
    code = 'simulator'
    label = 'Simulator'
    validity_hours = 1
    can_find_accepted = True

    def send(self, messages):
        results = [self._send_one(sms) for sms in messages]
        accepted = [result.provider_message_id for result in results if result.accepted]
        if accepted and self.config.status_url:
            timer = threading.Timer(WEBHOOK_DELAY, self._post_reports, args=(accepted,))
            timer.daemon = True
            timer.start()
        return results

    def _send_one(self, sms):
        suffix = sms.number[-4:]
        if suffix in REFUSED:
            failure, reason = REFUSED[suffix]
            return SendResult(sms.uuid, failure=failure, error_code='SIM-%s' % suffix, error_message=reason)
        segments = max(1, -(-len(sms.body) // 160))
        return SendResult(sms.uuid, provider_message_id='SIM-%s-%s' % (OUTCOMES.get(suffix, 'D'), sms.attempt_id),
                          segments=segments, price=0.0, currency='EUR')

    def find_accepted(self, messages, since):
        return {}  # it keeps nothing: a send that its sender did not see to the end never happened

    def test_connection(self):
        return _lt("The simulator is always reachable.")

    def fetch_reports(self, provider_message_ids):
        return [self._report(message_id) for message_id in provider_message_ids]

    @staticmethod
    def _report(message_id):
        prefix, outcome, attempt_id = (message_id.split('-', 2) + ['', ''])[:3]
        if prefix != 'SIM' or outcome not in REPORTS or not attempt_id:
            raise ValueError('not a simulator message id: %r' % message_id)
        state, failure, reason = REPORTS[outcome]
        return DeliveryReport(message_id, state, attempt_id=attempt_id, failure=failure,
                              error_code='SIM-%s' % failure.value if failure else None, error_message=reason)

    def _post_reports(self, message_ids):
        payload = {'results': [{'messageId': message_id} for message_id in message_ids]}
        try:
            requests.post(self.config.status_url, json=payload, timeout=self.config.timeout)
        except requests.RequestException as error:
            _logger.warning("Simulator could not post its delivery reports: %s", error)

    def parse_status_callback(self, request):
        results = request.json.get('results') if isinstance(request.json, dict) else None
        if not isinstance(results, list) or not all(isinstance(result, dict) for result in results):
            raise ValueError('not a simulator delivery report')
        return [self._report(str(result.get('messageId'))) for result in results]

    def parse_inbound(self, request):
        payload = request.json
        if not isinstance(payload, dict) or not payload.get('from') or 'text' not in payload:
            raise ValueError('not a simulator inbound message')
        return [InboundMessage(payload['from'], payload['text'])]
