import logging
import re
import secrets
import time

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.urls import urljoin

from ..providers import PROVIDERS, ProviderConfig, ProviderError
from ..tools.jobs import can_commit, commit_progress
from ..tools.keywords import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, keyword_of
from ..tools.routing import Route, Router

_logger = logging.getLogger(__name__)

E164_RE = re.compile(r'^\+[1-9]\d{6,14}$')
ALPHANUMERIC_SENDER_RE = re.compile(r'^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$')
TWILIO_SID_RE = {prefix: re.compile(r'^%s[0-9a-fA-F]{32}$' % prefix) for prefix in ('AC', 'SK', 'MG')}
URL_RE = re.compile(r'^https?://[^\s/]+(/\S*)?$')
DEFAULT_REQUEST_TIMEOUT = 15  # seconds a provider has to answer a request
CLAIM_SECONDS = 5  # a claim of the queue job holds what its bridge sends in this many seconds
MAX_CHUNK_SIZE = 1000  # SMS sent between two commits of their answers
CREDENTIAL_FIELDS = (
    'twilio_account_sid', 'twilio_auth_token', 'twilio_api_key_sid', 'twilio_api_key_secret', 'infobip_api_key',
)


class SmsGatewayBridge(models.Model):
    """An account at an SMS provider through which a company sends its SMS."""
    _name = 'sms.gateway.bridge'
    _description = 'SMS Gateway Bridge'
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True)
    provider = fields.Selection(selection='_selection_provider', required=True, default='twilio')
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    is_company_default = fields.Boolean(
        'Default for the Company',
        help="Among the bridges that serve every destination, the one that sends first.")
    sender = fields.Char(
        required=True,
        help="The E.164 number (+14155550100), alphanumeric sender ID (up to 11 letters and digits) "
             "or, for Twilio, Messaging Service SID (MG...) that recipients see.")
    destination_country_ids = fields.Many2many(
        'res.country', string='Destination Countries',
        help="Send only to numbers of these countries. Leave countries and prefixes empty to serve every destination.")
    destination_prefixes = fields.Char(
        help="Send only to numbers starting with these dialing prefixes, separated by commas (e.g. 32, 4478). "
             "The longest matching prefix wins over countries.")
    max_per_second = fields.Integer(
        'Max Messages per Second', default=10, required=True,
        help="Throughput allowed by the provider account; messages are sent concurrently up to this rate.")
    fallback_bridge_id = fields.Many2one(
        'sms.gateway.bridge', string='Fallback Bridge', check_company=True,
        domain="[('id', '!=', id), ('company_id', '=', company_id)]",
        help="Sends the messages this bridge could not send for a reason other than the number "
             "(credentials, balance, provider outage).")
    base_url = fields.Char(
        'Base URL',
        help="Infobip: your account's own API base URL (https://xxxxx.api.infobip.com). "
             "Twilio: leave empty unless you go through a proxy or regional edge.")
    delivery_report_mode = fields.Selection([
        ('webhook', 'Webhook'),
        ('polling', 'Polling'),
        ('both', 'Webhook and Polling'),
    ], required=True, default='both',
        help="Webhook: the provider posts delivery reports to this database (it needs a public URL). "
             "Polling: a scheduled job asks the provider. Both: polling catches what webhooks missed.")
    report_poll_delay = fields.Integer(
        'Ask Provider After (Minutes)', default=10, required=True,
        help="How long a message waits for a delivery report before the polling job asks the provider.")
    validity_hours = fields.Integer(
        'Validity (Hours)', compute='_compute_validity_hours', store=True, readonly=False, precompute=True,
        help="How long the provider keeps trying to deliver; a message with no final report by then is "
             "marked \"No Delivery Report\".")
    webhook_token = fields.Char(
        groups='base.group_system', copy=False, default=lambda self: secrets.token_urlsafe(32),
        help="Secret part of this bridge's webhook URLs; rotating it invalidates the old URLs.")
    status_webhook_url = fields.Char(
        'Delivery Report URL', compute='_compute_webhook_urls', groups='base.group_system',
        help="Where the provider posts delivery reports; sent with every message.")
    inbound_webhook_url = fields.Char(
        'Incoming Message URL', compute='_compute_webhook_urls', groups='base.group_system',
        help="Set it as the incoming message webhook of your number at the provider so that STOP "
             "replies reach Odoo. Twilio bridges take incoming messages only with the Auth Token, "
             "which signs them.")
    twilio_account_sid = fields.Char('Account SID', groups='base.group_system')
    twilio_auth_token = fields.Char('Auth Token', groups='base.group_system')
    twilio_api_key_sid = fields.Char('API Key SID', groups='base.group_system')
    twilio_api_key_secret = fields.Char('API Key Secret', groups='base.group_system')
    infobip_api_key = fields.Char('API Key', groups='base.group_system')

    _max_per_second_positive = models.Constraint(
        'CHECK(max_per_second > 0)', "The maximum number of messages per second must be positive.")
    _report_delays_positive = models.Constraint(
        'CHECK(report_poll_delay >= 0 AND validity_hours >= 0)',
        "Delivery report delays must be positive.")
    _one_default_per_company = models.UniqueIndex(
        '(company_id) WHERE is_company_default AND active',
        "A company has only one default SMS gateway bridge.")

    @api.model
    def _selection_provider(self):
        return [(code, provider.label) for code, provider in sorted(PROVIDERS.items())]

    @api.depends('provider')
    def _compute_validity_hours(self):
        for bridge in self:
            bridge.validity_hours = PROVIDERS[bridge.provider].validity_hours if bridge.provider else 24

    @api.depends('webhook_token', 'provider', 'twilio_auth_token')
    def _compute_webhook_urls(self):
        for bridge in self:
            bridge.status_webhook_url = bridge._webhook_url('status')
            # Twilio signs incoming messages with the Auth Token: without it, none can be trusted
            signed = bridge.provider != 'twilio' or bridge.twilio_auth_token
            bridge.inbound_webhook_url = bridge._webhook_url('inbound') if signed else False

    def _webhook_url(self, kind):
        if not self.id or not self.webhook_token:
            return False
        return urljoin(self.get_base_url(), '/sms_gateway_bridge/%s/%s/%s' % (self.id, self.webhook_token, kind))

    def action_rotate_webhook_token(self):
        self.webhook_token = secrets.token_urlsafe(32)

    # constraints ---------------------------------------------------------------

    @api.constrains('provider', 'sender')
    def _check_sender(self):
        for bridge in self:
            sender = bridge.sender
            if E164_RE.match(sender) or ALPHANUMERIC_SENDER_RE.match(sender):
                continue
            if bridge.provider == 'twilio' and TWILIO_SID_RE['MG'].match(sender):
                continue
            raise ValidationError(self.env._(
                "The sender %(sender)r of bridge %(bridge)s is neither an E.164 number (+14155550100), nor an "
                "alphanumeric sender ID (1 to 11 letters, digits or spaces, with at least one letter)%(service)s.",
                sender=sender, bridge=bridge.name,
                service=self.env._(", nor a Twilio Messaging Service SID (MG...)") if bridge.provider == 'twilio' else ''))

    @api.constrains('provider', 'delivery_report_mode', 'twilio_auth_token')
    def _check_twilio_webhook_signatures(self):
        for bridge in self.sudo():
            if bridge.provider == 'twilio' and bridge.delivery_report_mode != 'polling' and not bridge.twilio_auth_token:
                raise ValidationError(self.env._(
                    "Twilio signs its webhooks with the account's Auth Token: give bridge %(bridge)s its Auth Token, "
                    "or take delivery reports by polling only.", bridge=bridge.name))

    @api.constrains('provider', 'base_url', *CREDENTIAL_FIELDS)
    def _check_credentials(self):
        for bridge in self.sudo():
            if bridge.base_url and not URL_RE.match(bridge.base_url):
                raise ValidationError(self.env._(
                    "The base URL of bridge %(bridge)s must start with https:// (or http://).", bridge=bridge.name))
            missing = bridge._missing_credentials()
            if missing:
                raise ValidationError(self.env._(
                    "Bridge %(bridge)s needs: %(fields)s.", bridge=bridge.name, fields=', '.join(missing)))
            if bridge.provider == 'twilio':
                bridge._check_twilio_sids()

    def _missing_credentials(self):
        self.ensure_one()
        labels = {name: self._fields[name]._description_string(self.env) for name in CREDENTIAL_FIELDS}
        if self.provider == 'twilio':
            missing = [] if self.twilio_account_sid else [labels['twilio_account_sid']]
            has_api_key = self.twilio_api_key_sid and self.twilio_api_key_secret
            if not self.twilio_auth_token and not has_api_key:
                missing.append(self.env._("%(token)s, or %(key)s and %(secret)s", token=labels['twilio_auth_token'],
                                          key=labels['twilio_api_key_sid'], secret=labels['twilio_api_key_secret']))
            return missing
        if self.provider == 'infobip':
            missing = [] if self.infobip_api_key else [labels['infobip_api_key']]
            return missing + ([] if self.base_url else [self._fields['base_url']._description_string(self.env)])
        return []

    def _check_twilio_sids(self):
        for fname, prefix in (('twilio_account_sid', 'AC'), ('twilio_api_key_sid', 'SK')):
            if self[fname] and not TWILIO_SID_RE[prefix].match(self[fname]):
                raise ValidationError(self.env._(
                    "The %(field)s of bridge %(bridge)s must be '%(prefix)s' followed by 32 hexadecimal characters.",
                    field=self._fields[fname]._description_string(self.env), bridge=self.name, prefix=prefix))

    @api.constrains('destination_prefixes')
    def _check_destination_prefixes(self):
        for bridge in self:
            for prefix in bridge._prefix_list():
                if not prefix.isdigit():
                    raise ValidationError(self.env._(
                        "The destination prefix %(prefix)r of bridge %(bridge)s must contain only digits "
                        "(a dialing prefix such as 32 or 4478).", prefix=prefix, bridge=bridge.name))

    @api.constrains('fallback_bridge_id')
    def _check_fallback_loop(self):
        for bridge in self:
            seen = bridge
            fallback = bridge.fallback_bridge_id
            while fallback:
                if fallback in seen:
                    raise ValidationError(self.env._(
                        "The fallback of bridge %(bridge)s leads back to %(loop)s: fallbacks may not loop.",
                        bridge=bridge.name, loop=fallback.name))
                seen |= fallback
                fallback = fallback.fallback_bridge_id

    # provider ----------------------------------------------------------------------

    def _provider(self):
        """The provider client of this bridge (credentials are read as superuser)."""
        self.ensure_one()
        bridge = self.sudo()
        return PROVIDERS[bridge.provider](ProviderConfig(
            sender=bridge.sender,
            credentials={
                'account_sid': bridge.twilio_account_sid,
                'auth_token': bridge.twilio_auth_token,
                'api_key_sid': bridge.twilio_api_key_sid,
                'api_key_secret': bridge.twilio_api_key_secret,
                'api_key': bridge.infobip_api_key,
            },
            base_url=bridge.base_url or '',
            max_per_second=bridge.max_per_second,
            status_url=bridge._status_webhook_url(),
            timeout=float(self.env['ir.config_parameter'].sudo().get_param(
                'sms_gateway_bridge.request_timeout', DEFAULT_REQUEST_TIMEOUT)),
        ))

    def _claim_size(self, time_left):
        """How many SMS the queue job claims for this bridge at once: what it sends in a few
        seconds, and no more than it sends in the ``time_left`` to the job."""
        return max(1, int(self.max_per_second * min(CLAIM_SECONDS, time_left)))

    def _validity_hours(self):
        return self.validity_hours or PROVIDERS[self.provider].validity_hours

    def _chunk_size(self):
        """How many SMS this bridge sends between two commits of their answers: a second's worth."""
        return min(self.max_per_second, MAX_CHUNK_SIZE)

    def init(self):
        # Not a model: one row per bridge that every worker updates, outside any other transaction.
        self.env.cr.execute(SQL("""
            CREATE TABLE IF NOT EXISTS sms_gateway_bridge_send_window (
                bridge_id integer PRIMARY KEY REFERENCES sms_gateway_bridge (id) ON DELETE CASCADE,
                free_at double precision NOT NULL
            )"""))

    def _reserve_send_window(self, count):
        """Reserve the time to send ``count`` SMS at this bridge's rate, which every worker and
        server shares: return the time.time() from which this worker may send them."""
        duration = count / self.max_per_second
        query = SQL("""
            INSERT INTO sms_gateway_bridge_send_window AS reserved (bridge_id, free_at) VALUES (%(bridge)s, %(end)s)
            ON CONFLICT (bridge_id) DO UPDATE SET free_at = GREATEST(reserved.free_at, %(now)s) + %(duration)s
            RETURNING free_at - %(duration)s""", bridge=self.id, now=time.time(), end=time.time() + duration,
                    duration=duration)
        if not can_commit():  # a test's transaction: nobody else shares the rate
            self.env.cr.execute(query)
            return self.env.cr.fetchone()[0]
        # in a transaction of its own that sees the other workers' reservations as they commit
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            cr.execute(query)
            return cr.fetchone()[0]

    def _status_webhook_url(self):
        """Where the provider posts delivery reports, if this bridge takes them by webhook."""
        return self.sudo()._webhook_url('status') if self.delivery_report_mode != 'polling' else ''

    def action_test_connection(self):
        self.ensure_one()
        try:
            message, kind = self.env._(self._provider().test_connection()), 'success'
        except ProviderError as error:
            message, kind = self.env._(error.args[0]), 'danger'
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': self.env._("Test connection of %s", self.name),
                'message': message,
                'type': kind,
                'sticky': kind == 'danger',
            },
        }

    # routing -------------------------------------------------------------------------

    def _prefix_list(self):
        return [prefix.strip().lstrip('+') for prefix in (self.destination_prefixes or '').split(',') if prefix.strip()]

    def _router(self):
        """A router over ``self``, the active bridges of one company."""
        return Router(Route(
            key=bridge.id, prefixes=tuple(bridge._prefix_list()),
            country_codes=frozenset(bridge.destination_country_ids.mapped('code')),
            is_default=bridge.is_company_default, sequence=bridge.sequence,
        ) for bridge in self)

    # delivery reports and inbound messages ---------------------------------------------------

    def _receive_reports(self, reports):
        """Store then apply delivery reports; a report whose message is not known yet (its send is
        still being recorded) waits for it, see sms.delivery.report."""
        self.ensure_one()
        self.env['sms.delivery.report']._store(self, reports)._apply()._notify_odoo()

    def _pull_reports(self, max_pages=50):
        """Collect the reports the provider keeps for us, page after page until none is left;
        each page is stored and committed before the next is read, and applied later."""
        provider = self._provider()
        for _page in range(max_pages):
            try:
                reports = provider.pull_reports()
            except ProviderError as error:
                _logger.warning("SMS gateway %s: delivery reports not collected: %s", self.name, error)
                return
            if not reports:
                return
            self.env['sms.delivery.report']._store(self, reports)
            commit_progress(self.env, len(reports))

    def _fetch_reports(self, messages):
        """Ask the provider the status of ``messages`` and apply it."""
        try:
            reports = self._provider().fetch_reports(messages.mapped('provider_message_id'))
        except ProviderError as error:
            _logger.warning("SMS gateway %s: statuses not fetched: %s", self.name, error)
            return
        self.env['sms.delivery.report']._store(self, reports)._apply()

    def _receive_inbound(self, inbound_messages):
        """Opt-out and opt-in keywords from recipients update the phone blacklist. An opt-in lifts
        only an opt-out that an opt-out keyword made: never one from a mailing link, an import, an
        administrator or the provider."""
        blacklist = self.env['phone.blacklist'].sudo()
        for inbound in inbound_messages:
            keyword = keyword_of(inbound.text)
            if keyword not in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS:
                continue
            message = self.env._(
                "Replied %(keyword)s to SMS gateway %(bridge)s on %(date)s.", keyword=keyword, bridge=self.name,
                date=fields.Datetime.to_string(fields.Datetime.now()))
            try:
                if keyword in OPT_OUT_KEYWORDS:
                    blacklist._add_by_sms_reply(inbound.number, message)
                elif not blacklist._remove_by_sms_reply(inbound.number, message):
                    _logger.info("SMS gateway %s: %s from %s refused: it was not opted out by an SMS reply",
                                 self.name, keyword, inbound.number)
            except UserError as error:
                _logger.warning("SMS gateway %s: %s from an unusable number %r: %s",
                                self.name, keyword, inbound.number, error)
