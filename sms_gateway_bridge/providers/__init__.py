# Importing a provider module registers it (see SmsProvider.__init_subclass__).
from . import infobip, simulator, twilio
from .base import (
    FALLBACK_FAILURES, PROVIDERS, DeliveryReport, DeliveryState, Failure, InboundMessage, OutgoingSms,
    ProviderConfig, ProviderError, SendResult, SmsProvider, WebhookRequest,
)
