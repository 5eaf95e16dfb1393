import hmac
import json
import logging

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import http
from odoo.http import request

from ..providers import WebhookRequest

_logger = logging.getLogger(__name__)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class SmsGatewayWebhook(http.Controller):
    """Public webhooks of the bridges: /sms_gateway_bridge/<bridge id>/<secret token>/<kind>.

    A request is authenticated by the bridge's secret token, compared in constant time, and by
    the provider's own signature where it has one (Twilio). Anything that fails gets a 403 and
    changes nothing; a body the provider would never send gets a 400.
    """

    @http.route('/sms_gateway_bridge/<int:bridge_id>/<string:token>/status', type='http', auth='public',
                methods=['POST'], csrf=False, save_session=False)
    def delivery_report(self, bridge_id, token, **params):
        bridge, provider, webhook = self._authenticate(bridge_id, token)
        bridge._receive_reports(self._parse(bridge, provider.parse_status_callback, webhook))
        return request.make_response('OK')

    @http.route('/sms_gateway_bridge/<int:bridge_id>/<string:token>/inbound', type='http', auth='public',
                methods=['POST'], csrf=False, save_session=False)
    def inbound_message(self, bridge_id, token, **params):
        bridge, provider, webhook = self._authenticate(bridge_id, token)
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

    def _authenticate(self, bridge_id, token):
        httprequest = request.httprequest
        bridge = request.env['sms.gateway.bridge'].sudo().with_context(active_test=False).browse(bridge_id).exists()
        if not (bridge and bridge.webhook_token and hmac.compare_digest(bridge.webhook_token, token)):
            self._refuse(httprequest, token)
        webhook = WebhookRequest(
            url=httprequest.url,
            form=httprequest.form.to_dict(),
            json=self._json(httprequest),
            query=httprequest.args.to_dict(),
            headers=dict(httprequest.headers),
        )
        provider = bridge._provider()
        if not provider.is_authentic(webhook):
            self._refuse(httprequest, token)
        return bridge, provider, webhook

    @staticmethod
    def _refuse(httprequest, token):
        _logger.warning("SMS gateway webhook: refused an unauthenticated request to %s from %s",
                        httprequest.path.replace(token, '***'), httprequest.remote_addr)
        raise Forbidden()

    @staticmethod
    def _json(httprequest):
        if not httprequest.mimetype.endswith('json'):
            return None
        try:
            return json.loads(httprequest.get_data(as_text=True) or 'null')
        except ValueError:
            raise BadRequest() from None
