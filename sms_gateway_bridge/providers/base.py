"""The contract between Odoo and an SMS provider.

Providers are plain Python classes: no ORM, no Odoo. The bridge model builds a provider
from its configuration, hands it messages and gets back one outcome per message; webhook
controllers and the polling job hand it raw provider payloads and get back delivery reports.
A provider registers itself by subclassing :class:`SmsProvider` with a ``code``.
"""
import enum
import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from urllib3.exceptions import NewConnectionError

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)
_logger = logging.getLogger(__name__)

PROVIDERS = {}


class Failure(enum.Enum):
    """Why a message did not reach, or did not get through, the provider."""
    NUMBER = 'number'            # invalid, non-mobile or unreachable number: a bounce
    OPT_OUT = 'opt_out'          # the recipient opted out at the provider (replied STOP)
    EXPIRED = 'expired'          # the provider gave up before the handset took it
    MESSAGE = 'message'          # this message is refused (content, sender): an exception
    ACCOUNT = 'account'          # credentials, balance, suspended account: try the fallback bridge
    UNAVAILABLE = 'unavailable'  # throttled, server errors or network after retries: try the fallback
    UNKNOWN_OUTCOME = 'unknown_outcome'  # the request may have been taken: never resend blindly


# Failures that say nothing about the message: another bridge may succeed with it.
FALLBACK_FAILURES = frozenset({Failure.ACCOUNT, Failure.UNAVAILABLE})


class DeliveryState(enum.Enum):
    """Where a message stands at the provider, in the order it moves (see ``rank``)."""
    ACCEPTED = 'accepted'    # taken by the provider, no report yet
    SENT = 'sent'            # handed to the carrier
    DELIVERED = 'delivered'  # on the handset
    FAILED = 'failed'        # will never be delivered


@dataclass(frozen=True)
class ProviderConfig:
    sender: str
    credentials: dict
    base_url: str = ''
    max_per_second: int = 10
    status_url: str = ''     # where the provider posts delivery reports, if webhooks are used
    timeout: float = 15.0  # seconds


@dataclass(frozen=True)
class OutgoingSms:
    uuid: str        # our id of the SMS: send results are keyed by it
    number: str      # E.164
    body: str
    attempt_id: str  # our id of this attempt at sending it, new at every attempt: the provider's message id
                     # where the provider lets us choose it, and the reference of its status callbacks


@dataclass(kw_only=True)
class Outcome:
    """What a provider says of a message: why it failed, if it did, and what it cost."""
    failure: Failure = None
    error_code: str = None
    error_message: str = None  # a lazy translation
    segments: int = None
    price: float = None
    currency: str = None


@dataclass
class SendResult(Outcome):
    uuid: str
    provider_message_id: str = None

    @property
    def accepted(self):
        return self.failure is None


@dataclass
class DeliveryReport(Outcome):
    provider_message_id: str
    state: DeliveryState
    attempt_id: str = None  # our id of the attempt it reports on, when the provider gives it back


@dataclass(frozen=True)
class WebhookRequest:
    """What a provider posted to one of our webhooks."""
    url: str       # the public URL it was posted to, with its query string
    form: dict     # form-encoded body, if any
    json: object   # JSON body, if any
    query: dict
    headers: dict


@dataclass(frozen=True)
class InboundMessage:
    number: str  # the sender, E.164
    text: str


class ProviderError(Exception):
    """A call failed for a reason a person must act on; ``str()`` says what to do."""

    def __init__(self, message, failure=Failure.ACCOUNT, code=None):
        super().__init__(message)
        self.failure = failure
        self.code = code


class TransientError(ProviderError):
    """The provider did not take the request and asks to try again (throttling, server errors)."""

    def __init__(self, message, code=None, retry_after=None):
        super().__init__(message, Failure.UNAVAILABLE, code)
        self.retry_after = retry_after


def network_error(provider_label, error):
    """The ProviderError for a ``requests`` error: to retry when the request provably never
    reached the provider, else of unknown outcome (the provider may have acted on it)."""
    if connection_never_made(error):
        return TransientError(_lt("%(provider)s could not be reached: %(error)s", provider=provider_label,
                                  error=error))
    return ProviderError(_lt("%(provider)s did not answer in time (%(error)s): it may or may not have acted "
                             "on the request.", provider=provider_label, error=error), Failure.UNKNOWN_OUTCOME)


def server_error(provider_label, status, detail, sending, code=None, retry_after=None):
    """The ProviderError for an HTTP status of throttling or server trouble (None for others).

    429 and 503 say the provider turned the request away: to retry, or to hand to another bridge.
    Another 5xx answer to a send may come after the provider acted on it (its own 500, a gateway's
    502 or 504): of unknown outcome, never sent again blindly. Reads are retried on any 5xx."""
    if status in (429, 503) or (status >= 500 and not sending):
        return TransientError(_lt("%(provider)s is unavailable (HTTP %(status)s, %(detail)s).",
                                  provider=provider_label, status=status, detail=detail),
                              code=code, retry_after=retry_after)
    if status >= 500:
        return ProviderError(_lt("%(provider)s failed while handling the message (HTTP %(status)s, %(detail)s): it "
                                 "may or may not have taken it.", provider=provider_label, status=status,
                                 detail=detail), Failure.UNKNOWN_OUTCOME, code)
    return None


def connection_never_made(error):
    """Whether a ``requests`` error proves the request never reached the server."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], 'reason', None) if error.args else None
    return isinstance(reason, NewConnectionError)


def unknown_outcomes(messages, error):
    """A SendResult of unknown outcome for each of ``messages``, whose sending raised ``error``."""
    return [SendResult(sms.uuid, failure=Failure.UNKNOWN_OUTCOME,
                       error_message=_lt("Unexpected error while sending: %(error)s", error=repr(error)))
            for sms in messages]


def guarded(function, on_error):
    """``function(item)`` for a provider thread, where an unexpected exception (a bug, an answer of
    an unforeseen shape) is logged and becomes ``on_error(item, error)``, so that one item does not
    abort the batch of every other."""
    @functools.wraps(function)
    def call(item):
        try:
            return function(item)
        except Exception as error:  # noqa: BLE001 -- whatever it is, the other items go on
            _logger.exception("Unexpected error in an SMS provider call")
            return on_error(item, error)
    return call


class Throttle:
    """At most ``rate`` units per second across threads, paced evenly."""

    def __init__(self, rate):
        self.interval = 1.0 / max(rate, 1)
        self.next_slot = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, units=1):
        with self.lock:
            now = time.monotonic()
            slot = max(self.next_slot, now)
            self.next_slot = slot + units * self.interval
        if slot > now:
            time.sleep(slot - now)

    def not_before(self, wall_time):
        """Send nothing before ``wall_time`` (a time.time()): the start of a window of the rate
        that this process reserved among others sharing it."""
        with self.lock:
            self.next_slot = max(self.next_slot, time.monotonic() + wall_time - time.time())


@functools.cache
def _pool():
    """The threads that talk to providers, shared by every send of this process."""
    return ThreadPoolExecutor(max_workers=SmsProvider.max_concurrency, thread_name_prefix='sms-provider')


class SmsProvider:
    code = None
    label = None
    can_find_accepted = False  # whether find_accepted() can tell which messages the provider took
    validity_hours = 24  # how long the provider tries to deliver a message
    retry_attempts = 3
    retry_backoff = 0.5  # seconds, doubled at each attempt unless the provider says when
    max_concurrency = 64

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.code:
            PROVIDERS[cls.code] = cls

    def __init__(self, config):
        self.config = config
        self.throttle = Throttle(config.max_per_second)

    # sending ---------------------------------------------------------------

    def send(self, messages):
        """Send ``messages``; return one :class:`SendResult` per message, in any order."""
        raise NotImplementedError

    def find_accepted(self, messages, since):
        """Which of ``messages`` (OutgoingSms whose sending was interrupted, none sent before
        ``since``, a naive UTC datetime) did the provider take? ``{uuid: SendResult}`` for the ones
        it has, each of its messages matched to at most one of ours; raise ProviderError when it
        cannot be asked. Only for providers with ``can_find_accepted``."""
        raise NotImplementedError

    def test_connection(self):
        """Make one authenticated call; return a short success text or raise ProviderError."""
        raise NotImplementedError

    # delivery reports -------------------------------------------------------

    def pull_reports(self):
        """Delivery reports the provider keeps for us to collect, each handed out once (None when
        the provider has no such queue)."""
        return None

    def fetch_reports(self, provider_message_ids):
        """The current status of these messages, asked from the provider."""
        raise NotImplementedError

    def is_authentic(self, request):
        """Whether a webhook request comes from the provider, beyond the bridge's secret URL token."""
        return True

    def parse_status_callback(self, request):
        """Delivery reports from a webhook request; raise ValueError when it is malformed."""
        raise NotImplementedError

    def parse_inbound(self, request):
        """Inbound messages from a webhook request; raise ValueError when it is malformed."""
        raise NotImplementedError

    # helpers for subclasses ----------------------------------------------------

    def _retrying(self, call):
        """``call()``, retried with backoff while it raises TransientError."""
        for attempt in range(1, self.retry_attempts + 1):
            try:
                return call()
            except TransientError as error:
                if attempt == self.retry_attempts:
                    raise
                time.sleep(error.retry_after or self.retry_backoff * 2 ** (attempt - 1))

    def _concurrently(self, function, items):
        """``function(item)`` for every item, as many at once as the rate allows (the throttle
        paces the calls); ``function`` may not itself run things concurrently."""
        if len(items) <= 1 or self.config.max_per_second <= 1:
            return [function(item) for item in items]
        return list(_pool().map(function, items))
