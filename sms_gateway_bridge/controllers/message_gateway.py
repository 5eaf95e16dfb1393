import functools
import json
import logging
import re

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..tools import message_gateway as gateway

_logger = logging.getLogger(__name__)

PREFIX = gateway.DEFAULT_PREFIX  # rewritten to the configured prefix by ir.http
ROUTE = {'type': 'http', 'auth': 'public', 'csrf': False, 'save_session': False}


def gateway_call(tenant_required=True):
    """Answer gateway errors with their JSON body; authenticate and rate-limit the tenant.
    Anything a failed call wrote is rolled back."""
    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(self, *args, **kwargs):
            try:
                with request.env.cr.savepoint():
                    if tenant_required:
                        kwargs['tenant'] = self._tenant()
                    return handler(self, *args, **kwargs)
            except gateway.GatewayError as error:
                return self._json(error.body, error.status)
        return wrapper
    return decorate


class MessageGatewayController(http.Controller):
    """The openMF message-gateway's REST API, so that an unchanged Fineract sends its SMS through
    our bridges: /tenants, /smsbridges, /sms and /sms/report under a configurable prefix."""

    # tenants --------------------------------------------------------------------------

    @http.route([f'{PREFIX}/tenants', f'{PREFIX}/tenants/'], methods=['POST'], **ROUTE)
    @gateway_call(tenant_required=False)
    def create_tenant(self):
        """Create a tenant; answer its app key (201, the bare key, as the reference). Only for an
        administrator, by an Odoo API key in ``Authorization: Bearer <key>``."""
        user = self._api_key_user()
        payload = self._payload()
        name = payload.get('tenantId') if isinstance(payload, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise gateway.validation_error([gateway.parameter_error(
                'validation.msg.tenant.tenantId.cannot.be.blank', 'The parameter tenantId is mandatory.', 'tenantId')])
        Tenant = request.env['sms.gateway.tenant'].with_user(user).with_context(active_test=False)
        if Tenant.search_count([('name', '=', name.strip())]):
            raise gateway.domain_rule_violation(
                'error.msg.tenant.already.exists', 'Tenant Already existing with %s identifier' % name.strip())
        tenant = Tenant.create({'name': name.strip(), 'description': payload.get('description') or False,
                                'company_id': user.company_id.id})
        return request.make_response(tenant._new_app_key(), status=201,
                                     headers=[('Content-Type', 'application/json')])

    # SMS bridges ------------------------------------------------------------------------

    @http.route(f'{PREFIX}/smsbridges', methods=['POST'], **ROUTE)
    @gateway_call()
    def create_bridge(self, tenant):
        values = gateway.parse_bridge(self._payload(), creating=True)
        bridge = self._write_bridge(tenant, request.env['sms.gateway.bridge'].sudo(), {
            **values, 'gateway_tenant_id': tenant.id, 'company_id': tenant.company_id.id,
            # the reference takes reports by webhook; polling catches what a webhook missed
            'delivery_report_mode': 'both',
        })
        return self._json(bridge.id, 201)

    @http.route(f'{PREFIX}/smsbridges', methods=['GET'], **ROUTE)
    @gateway_call()
    def list_bridges(self, tenant):
        return self._json([self._bridge_data(bridge) for bridge in tenant.bridge_ids.filtered('active')])

    @http.route(f'{PREFIX}/smsbridges/<int:bridge_id>', methods=['GET'], **ROUTE)
    @gateway_call()
    def get_bridge(self, bridge_id, tenant):
        return self._json(self._bridge_data(self._bridge(tenant, bridge_id)))

    @http.route(f'{PREFIX}/smsbridges/<int:bridge_id>', methods=['PUT'], **ROUTE)
    @gateway_call()
    def update_bridge(self, bridge_id, tenant):
        bridge = self._bridge(tenant, bridge_id)
        self._write_bridge(tenant, bridge, gateway.parse_bridge(
            self._payload(), creating=False, provider=bridge.provider))
        return self._json(bridge_id)

    @http.route(f'{PREFIX}/smsbridges/<int:bridge_id>', methods=['DELETE'], **ROUTE)
    @gateway_call()
    def delete_bridge(self, bridge_id, tenant):
        # archived, not deleted: the outbound log and the delivery reports of its messages keep it
        self._bridge(tenant, bridge_id).action_archive()
        return self._json(bridge_id)

    # SMS ----------------------------------------------------------------------------------

    @http.route([f'{PREFIX}/sms', f'{PREFIX}/sms/'], methods=['POST'], **ROUTE)
    @gateway_call()
    def send_messages(self, tenant):
        """Queue the messages and answer 202 Accepted at once; the queue job sends them."""
        messages = gateway.parse_messages(self._payload())
        request.env['sms.gateway.tenant.message'].sudo()._queue_messages(tenant, messages)
        return request.make_response('', status=202)

    @http.route(f'{PREFIX}/sms/report', methods=['POST'], **ROUTE)
    @gateway_call()
    def delivery_report(self, tenant):
        internal_ids = gateway.parse_internal_ids(self._payload())
        return self._json(request.env['sms.gateway.tenant.message'].sudo()._delivery_statuses(tenant, internal_ids))

    # helpers --------------------------------------------------------------------------------

    @staticmethod
    def _json(data, status=200):
        return request.make_json_response(data, status=status)

    @staticmethod
    def _path():
        return request.httprequest.path

    def _tenant(self):
        headers = request.httprequest.headers
        tenant_name, app_key = headers.get(gateway.TENANT_HEADER), headers.get(gateway.APP_KEY_HEADER)
        if tenant_name is None or app_key is None:
            raise gateway.spring_error(400, self._path())
        tenant = request.env['sms.gateway.tenant']._authenticate(tenant_name, app_key)
        if not tenant:
            _logger.warning("Message gateway: refused a call to %s for tenant %r from %s: unknown tenant or "
                            "wrong app key", self._path(), tenant_name, request.httprequest.remote_addr)
            raise gateway.spring_error(500, self._path())
        if not tenant._consume_request():
            raise gateway.too_many_requests(self._path())
        return tenant

    def _api_key_user(self):
        """The administrator whose Odoo API key authorizes this call."""
        match = re.match(r'^bearer\s+(.+)$', request.httprequest.headers.get('Authorization', ''), re.IGNORECASE)
        uid = match and request.env['res.users.apikeys']._check_credentials(scope='rpc', key=match.group(1))
        if not uid:
            raise gateway.unauthenticated()
        user = request.env['res.users'].sudo().browse(uid)
        if not user.has_group('base.group_system'):
            raise gateway.unauthorized('Only administrators create message gateway tenants.')
        return user

    def _payload(self):
        """The JSON body; another content type is Spring's 415, unreadable JSON its 400."""
        if not request.httprequest.mimetype.endswith('json'):
            raise gateway.spring_error(415, self._path())
        try:
            return json.loads(request.httprequest.get_data(as_text=True))
        except ValueError:
            raise gateway.spring_error(400, self._path()) from None

    @staticmethod
    def _bridge(tenant, bridge_id):
        bridge = tenant.bridge_ids.filtered(lambda b: b.id == bridge_id and b.active)
        if not bridge:
            raise gateway.bridge_not_found(bridge_id)
        return bridge

    @staticmethod
    def _bridge_data(bridge):
        return gateway.bridge_data({
            'id': bridge.id, 'tenant_id': bridge.gateway_tenant_id.id, 'sender': bridge.sender, 'name': bridge.name,
            'description': bridge.description, 'create_date': bridge.create_date, 'write_date': bridge.write_date,
        })

    @staticmethod
    def _write_bridge(tenant, bridge, values):
        """Create (``bridge`` empty) or update a bridge; our own checks answer 400 with their reason."""
        try:
            with request.env.cr.savepoint():
                if bridge:
                    bridge.write(values)
                else:
                    bridge = bridge.create(values)
                bridge.flush_recordset()
        except (UserError, ValidationError) as error:
            raise gateway.validation_error([gateway.parameter_error(
                'validation.msg.smsBridge.invalid', error.args[0], 'bridgeConfigurations')]) from None
        return bridge
