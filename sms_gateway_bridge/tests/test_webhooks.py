"""The webhooks' own checks, through real HTTP requests to the test server: tokens, Twilio
signatures against the bridge's public URL, and the token kept out of the request log."""
import logging
import time
from unittest.mock import patch

from twilio.request_validator import RequestValidator

import odoo
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import TWILIO_TOKEN, BridgeMixin, WebhookMixin

WEBHOOK_LOGGER = 'odoo.addons.sms_gateway_bridge.controllers.main'
PUBLIC_URL = 'https://sms.example.com'


@tagged('post_install', '-at_install')
class TestWebhooks(BridgeMixin, WebhookMixin, HttpCase):

    def _blacklisted(self, number):
        return self.env['phone.blacklist'].with_context(active_test=False).search([('number', '=', number)])

    def _local(self, public_url):
        """Where a reverse proxy forwards a call to ``public_url``: this test server."""
        return public_url.replace(PUBLIC_URL, self.base_url())

    def _twilio_inbound(self, url, number, signed_url=None, headers=None):
        params = {'MessageSid': 'SM' + '0' * 32, 'AccountSid': 'AC' + '0' * 32, 'From': number,
                  'To': '+15005550006', 'Body': 'STOP', 'NumMedia': '0', 'SmsStatus': 'received'}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(signed_url or url, params)
        return self._post(url, data=params, headers={'X-Twilio-Signature': signature, **(headers or {})})

    def test_malformed_tokens_are_forbidden(self):
        bridge = self._bridge('infobip')
        for token in ('%C3%A9t%C3%A9', '%FF%FE', 'caf%C3%A9-' + bridge.webhook_token, 'x' * 2000):
            with self.subTest(token=token), mute_logger(WEBHOOK_LOGGER):
                response = self._post('%s/sms_gateway_bridge/%d/%s/inbound' % (self.base_url(), bridge.id, token),
                                      json={'results': [{'from': '32470000700', 'text': 'STOP'}]})
                self.assertEqual(response.status_code, 403)
        self.assertFalse(self._blacklisted('+32470000700'))

    def test_token_is_masked_in_the_request_log(self):
        bridge = self._bridge('infobip')
        with self.assertLogs('werkzeug', logging.INFO) as captured:  # Odoo names level 25 "INFO"
            response = self._post(bridge.inbound_webhook_url, json={'results': [{'from': '32470000701', 'text': 'Hi'}]})
            self.assertEqual(response.status_code, 200)
            deadline = time.monotonic() + 5  # the server logs the request line after it answered
            while not any('/inbound' in line for line in captured.output) and time.monotonic() < deadline:
                time.sleep(0.05)
        [line] = [line for line in captured.output if '/inbound' in line]
        self.assertIn('/sms_gateway_bridge/%d/***/inbound' % bridge.id, line)
        self.assertNotIn(bridge.webhook_token, '\n'.join(captured.output))

    def test_twilio_signature_is_checked_against_the_public_url(self):
        """Behind a reverse proxy, with or without proxy mode, Twilio signs the URL it was given."""
        self.env['ir.config_parameter'].set_param('web.base.url', PUBLIC_URL)
        bridge = self._bridge('twilio')
        public_url = bridge.inbound_webhook_url
        self.assertTrue(public_url.startswith(PUBLIC_URL + '/sms_gateway_bridge/'))
        for proxy_mode in (False, True):
            with self.subTest(proxy_mode=proxy_mode), patch.dict(odoo.tools.config.options, {'proxy_mode': proxy_mode}):
                number = '+3247000071%d' % proxy_mode
                response = self._twilio_inbound(self._local(public_url), number, signed_url=public_url)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(self._blacklisted(number).active)

        forged = {'X-Forwarded-Host': 'forged.example.com', 'X-Forwarded-Proto': 'https', 'Host': 'forged.example.com'}
        with patch.dict(odoo.tools.config.options, {'proxy_mode': True}), mute_logger(WEBHOOK_LOGGER):
            response = self._twilio_inbound(self._local(public_url), '+32470000712', headers=forged,
                                            signed_url=public_url.replace(PUBLIC_URL, 'https://forged.example.com'))
        self.assertEqual(response.status_code, 403, 'only the configured URL counts, whatever the Host says')

        with self.subTest('the actual query string is signed'):
            response = self._twilio_inbound(self._local(public_url) + '?via=proxy', '+32470000713',
                                            signed_url=public_url + '?via=proxy')
            self.assertEqual(response.status_code, 200)
            with mute_logger(WEBHOOK_LOGGER):
                response = self._twilio_inbound(self._local(public_url) + '?via=proxy', '+32470000714',
                                                signed_url=public_url)
            self.assertEqual(response.status_code, 403)

    def test_twilio_inbound_needs_the_auth_token(self):
        """Twilio signs incoming messages with the Auth Token only: a bridge that sends with an API key
        and polls has no incoming message URL, and refuses calls to it, saying why."""
        bridge = self._bridge('twilio', twilio_auth_token=False, twilio_api_key_sid='SK' + 'cd' * 16,
                              twilio_api_key_secret='secret', delivery_report_mode='polling')
        self.assertFalse(bridge.inbound_webhook_url)
        url = bridge._webhook_url('inbound')
        with self.assertLogs(WEBHOOK_LOGGER, 'WARNING') as logs:
            self.assertEqual(self._twilio_inbound(url, '+32470000720').status_code, 403)
        self.assertIn('Auth Token', logs.output[0])
        self.assertNotIn(bridge.webhook_token, logs.output[0])
        self.assertFalse(self._blacklisted('+32470000720'))
