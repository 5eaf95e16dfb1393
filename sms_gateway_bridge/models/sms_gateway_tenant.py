import hashlib
import hmac
import logging
import secrets
import time

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

DEFAULT_REQUESTS_PER_MINUTE = 600
# compared against when the tenant is unknown, so that an unknown tenant takes as long as a wrong key
UNKNOWN_TENANT_HASH = hashlib.sha256(b'unknown tenant').hexdigest()


def hash_app_key(app_key):
    # app keys are 256-bit random tokens: a plain SHA-256 cannot be brute-forced
    return hashlib.sha256(app_key.encode()).hexdigest()


class SmsGatewayTenant(models.Model):
    """A client of the message-gateway API (a Fineract tenant): it authenticates with its tenant
    id and app key and uses its own bridges, which send for its company."""
    _name = 'sms.gateway.tenant'
    _description = 'Message Gateway Tenant'
    _order = 'name'
    _check_company_auto = True

    name = fields.Char(
        'Tenant ID', required=True,
        help="The tenant identifier the client sends in the Fineract-Platform-TenantId header "
             "(Fineract's tenant identifier, e.g. default).")
    description = fields.Char()
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company,
        help="The company whose SMS the tenant sends: its bridges, messages and outbound log.")
    active = fields.Boolean(default=True)
    app_key_hash = fields.Char(readonly=True, copy=False, groups='base.group_system')
    has_app_key = fields.Boolean('App Key Set', compute='_compute_has_app_key')
    requests_per_minute = fields.Integer(
        default=DEFAULT_REQUESTS_PER_MINUTE, required=True,
        help="API calls the tenant may make per minute; more are answered 429 Too Many Requests.")
    bridge_ids = fields.One2many('sms.gateway.bridge', 'gateway_tenant_id', 'SMS Bridges')
    message_ids = fields.One2many('sms.gateway.tenant.message', 'tenant_id', 'Messages')
    message_count = fields.Integer(compute='_compute_message_count')
    # fixed one-minute window of the rate limit, written outside the request's transaction
    rate_window = fields.Integer(readonly=True, copy=False)
    rate_count = fields.Integer(readonly=True, copy=False)

    _name_unique = models.Constraint('unique(name)', "A tenant ID is used by one tenant only.")
    _requests_per_minute_positive = models.Constraint(
        'CHECK(requests_per_minute > 0)', "The number of requests per minute must be positive.")

    @api.depends('app_key_hash')
    def _compute_has_app_key(self):
        for tenant in self:
            tenant.has_app_key = bool(tenant.sudo().app_key_hash)

    def _compute_message_count(self):
        counts = dict(self.env['sms.gateway.tenant.message']._read_group(
            [('tenant_id', 'in', self.ids)], ['tenant_id'], ['__count']))
        for tenant in self:
            tenant.message_count = counts.get(tenant, 0)

    # app keys --------------------------------------------------------------------------

    def _new_app_key(self):
        """Give the tenant a new app key; return it: only its hash is kept."""
        self.ensure_one()
        app_key = secrets.token_urlsafe(32)
        self.sudo().app_key_hash = hash_app_key(app_key)
        _logger.info("Message gateway: new app key for tenant %s", self.name)
        return app_key

    def action_rotate_app_key(self):
        self.ensure_one()
        app_key = self._new_app_key()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("App key of tenant %s", self.name),
                'message': self.env._(
                    "%(key)s\nCopy it now into Fineract's message gateway settings (Tenant App Key): it is "
                    "shown only this once. The previous key no longer works.", key=app_key),
                'type': 'warning',
                'sticky': True,
            },
        }

    def action_revoke_app_key(self):
        self.sudo().app_key_hash = False
        _logger.info("Message gateway: app key revoked for tenants %s", self.mapped('name'))

    @api.model
    def _authenticate(self, tenant_name, app_key):
        """The active tenant with this id and app key, compared in constant time; else empty."""
        tenant = self.sudo().search([('name', '=', tenant_name or '')], limit=1) if tenant_name else self.sudo()
        expected = tenant.app_key_hash or UNKNOWN_TENANT_HASH
        matches = hmac.compare_digest(expected, hash_app_key(app_key or ''))
        return tenant if matches and tenant.app_key_hash else self.sudo()

    # rate limit ----------------------------------------------------------------------------

    def _consume_request(self):
        """Count one API call in the current minute; False once the tenant is over its limit.
        The counter is committed at once in its own transaction, so that calls of one tenant never
        wait for each other's transaction and every worker sees the same count."""
        self.ensure_one()
        window = int(time.time() // 60)
        with self.env.registry.cursor() as cr:
            cr.execute(SQL(
                "UPDATE sms_gateway_tenant SET rate_count = CASE WHEN rate_window = %(window)s "
                "THEN rate_count + 1 ELSE 1 END, rate_window = %(window)s WHERE id = %(id)s RETURNING rate_count",
                window=window, id=self.id))
            count = cr.fetchone()[0]
        return count <= self.requests_per_minute

    # actions ------------------------------------------------------------------------------

    def action_view_messages(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Messages of %s", self.name),
            'res_model': 'sms.gateway.tenant.message',
            'view_mode': 'list,form',
            'domain': [('tenant_id', '=', self.id)],
        }
