import hmac
import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.http import request

from ..providers import WebhookRequest
from ..tools import access_log

_logger = logging.getLogger(__name__)
access_log.install()

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class SmsGatewayWebhook(http.Controller):
    """Public webhooks of the bridges: /sms_gateway_bridge/<bridge id>/<secret token>/<kind>.

    A request is authenticated by the bridge's secret token, compared in constant time, and by
    the provider's own signature where it has one (Twilio), computed over the bridge's public URL.
    Anything that fails gets a 403 and changes nothing; a body the provider would never send gets
    a 400. The token is masked in the server's request log (tools/access_log.py).
    """

    @http.route('/sms_gateway_bridge/<int:bridge_id>/<string:token>/status', type='http', auth='public',
                methods=['POST'], csrf=False, save_session=False)
    def delivery_report(self, bridge_id, token, **params):
        bridge, provider, webhook = self._authenticate(bridge_id, token, 'status')
        bridge._receive_reports(self._parse(bridge, provider.parse_status_callback, webhook))
        return request.make_response('OK')

    @http.route('/sms_gateway_bridge/<int:bridge_id>/<string:token>/inbound', type='http', auth='public',
                methods=['POST'], csrf=False, save_session=False)
    def inbound_message(self, bridge_id, token, **params):
        bridge, provider, webhook = self._authenticate(bridge_id, token, 'inbound')
        bridge._receive_inbound(self._parse(bridge, provider.parse_inbound, webhook))
        if bridge.provider == 'twilio':  # Twilio answers the sender with the TwiML it gets back
            return request.make_response(TWIML_EMPTY, headers=[('Content-Type', 'text/xml')])
        return request.make_response('OK')

    @staticmethod
    def _parse(bridge, parse, webhook):
        try:
            return parse(webhook)
        except ValueError as error:
            _logger.warning("SMS gateway %s: malformed webhook call refused: %s", bridge.name, error)
            raise BadRequest() from error

    def _authenticate(self, bridge_id, token, kind):
        httprequest = request.httprequest
        bridge = request.env['sms.gateway.bridge'].sudo().with_context(active_test=False).browse(bridge_id).exists()
        if not (bridge and bridge.webhook_token and _same_token(bridge.webhook_token, token)):
            self._refuse(httprequest, "unknown bridge or token")
        public_url = bridge._webhook_url(kind)
        query = httprequest.query_string.decode('utf-8', 'replace')
        webhook = WebhookRequest(
            # the URL the provider was given, which it signs (not one rebuilt from a request that a proxy
            # may have rewritten, or whose Host header anybody can set)
            url='%s?%s' % (public_url, query) if query else public_url,
            form=httprequest.form.to_dict(),
            json=self._json(httprequest),
            query=httprequest.args.to_dict(),
            headers=dict(httprequest.headers),
        )
        provider = bridge._provider()
        if not provider.is_authentic(webhook):
            self._refuse(httprequest, "no Auth Token to check Twilio's signature with: set the bridge's Auth Token"
                         if bridge.provider == 'twilio' and not bridge.twilio_auth_token else "bad signature")
        return bridge, provider, webhook

    @staticmethod
    def _refuse(httprequest, reason):
        _logger.warning("SMS gateway webhook: refused a request to %s from %s: %s",
                        access_log.mask_webhook_tokens(httprequest.path), httprequest.remote_addr, reason)
        raise Forbidden()

    @staticmethod
    def _json(httprequest):
        if not httprequest.mimetype.endswith('json'):
            return None
        try:
            return json.loads(httprequest.get_data(as_text=True) or 'null')
        except ValueError:
            raise BadRequest() from None


def _same_token(expected, given):
    """Constant-time comparison that takes any text: compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(expected.encode(), given.encode('utf-8', 'replace'))
