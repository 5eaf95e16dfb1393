from unittest.mock import patch

import requests

import odoo
from odoo.tests import TransactionCase

from tests.fakes.infobip import FakeInfobip
from tests.fakes.twilio import FakeTwilio

TWILIO_SID = 'AC' + '0123456789abcdef' * 2
TWILIO_TOKEN = 'twilio-auth-token'
TWILIO_SENDER = '+15005550006'  # Twilio's test sender that passes validation
INFOBIP_KEY = 'infobip-api-key'


class FakeProvidersMixin:
    """Fake Twilio and Infobip servers, fresh for every test."""

    def setUp(self):
        super().setUp()
        self.twilio = self.enterContext(FakeTwilio(TWILIO_SID, TWILIO_TOKEN))
        self.infobip = self.enterContext(FakeInfobip(INFOBIP_KEY))


class BridgeMixin(FakeProvidersMixin):
    """Bridges to the fake providers, and SMS to send through them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['sms.gateway.bridge'].search([]).action_archive()  # the demo Simulator
        cls.env['sms.sms'].search([('state', '=', 'outgoing')]).unlink()  # only what the tests queue
        # Odoo's test framework raises shorter request timeouts to 10 seconds
        cls.env['ir.config_parameter'].set_param('sms_gateway_bridge.request_timeout', 10)

    def _bridge(self, provider, **values):
        defaults = {
            'twilio': {'sender': TWILIO_SENDER, 'twilio_account_sid': TWILIO_SID,
                       'twilio_auth_token': TWILIO_TOKEN, 'base_url': self.twilio.base_url},
            'infobip': {'sender': 'InfoSMS', 'infobip_api_key': INFOBIP_KEY, 'base_url': self.infobip.base_url},
            'simulator': {'sender': 'Simulator'},
        }[provider]
        return self.env['sms.gateway.bridge'].create({
            'name': '%s bridge' % provider.title(), 'provider': provider, 'max_per_second': 50,
            'delivery_report_mode': 'polling', **defaults, **values,
        })

    def _partner(self, phone, name=None, **values):
        return self.env['res.partner'].create({'name': name or 'Recipient %s' % phone, 'phone': phone, **values})

    def _chatter_sms(self, partners, body='Your order is ready'):
        """Post an SMS on each partner's chatter, as the SMS composer does; return the sms.sms."""
        messages = self.env['mail.message']
        for partner in partners:
            messages |= partner._message_sms(body, partner_ids=partner.ids)
        return self.env['sms.sms'].search([('mail_message_id', 'in', messages.ids)])

    def _outbound(self, sms):
        return self.env['sms.outbound.message'].search([('sms_uuid', 'in', sms.mapped('uuid'))])

    def _notifications(self, sms):
        return self.env['mail.notification'].search([('sms_id_int', 'in', sms.ids)])

    def _sent_to(self, fake):
        """The numbers a fake took messages for, E.164, in the order it took them."""
        return [message['to'] if message['to'].startswith('+') else '+' + message['to'] for message in fake.messages]


class BridgeCase(BridgeMixin, TransactionCase):
    pass


class WebhookMixin:
    """For HttpCase: calls from the providers' side, such as the fakes posting to webhooks."""

    def setUp(self):
        super().setUp()
        # providers call without cookies: the database comes from the filter, as in production
        self.enterContext(patch.dict(odoo.tools.config.options, {'dbfilter': '^%s$' % self.env.cr.dbname}))

    def _from_outside(self, call, *args, **kwargs):
        """``call()`` as a provider does: HTTP requests without cookies, which see what the test
        wrote so far and change what the test reads next."""
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            result = call(*args, **kwargs)
        self.env.invalidate_all()
        return result

    def _post(self, url, **kwargs):
        return self._from_outside(requests.post, url, timeout=30, **kwargs)
