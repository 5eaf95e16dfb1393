from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# What a marketer can do about a provider failure that is not the recipient's number
GATEWAY_FAILURE_ADVICE = {
    'account': _lt("Check the gateway's credentials, balance and account status at the provider (or ask your "
                   "administrator), then click Retry."),
    'unavailable': _lt("The provider could not be reached or refused the traffic; click Retry in a moment, or "
                   "choose another gateway."),
    'message': _lt("The provider refused the message itself; review its content and sender, then click Retry."),
}


class MailingMailing(models.Model):
    _inherit = 'mailing.mailing'

    sms_gateway_bridge_id = fields.Many2one(
        'sms.gateway.bridge', 'SMS Gateway', domain="[('company_id', '=', company_id)]",
        default=lambda self: self._default_sms_gateway_bridge(),
        help="Send every SMS of this mailing through this gateway. Empty, each SMS goes through the gateway "
             "that serves its number.")
    sms_allow_unsubscribe = fields.Boolean(default=lambda self: self._default_sms_allow_unsubscribe())
    company_id = fields.Many2one('res.company', compute='_compute_company_id')
    sms_gateway_summary = fields.Char('Sent Through', compute='_compute_sms_gateway_summary')
    sms_gateway_error = fields.Text('Gateway Error', compute='_compute_sms_gateway_error')

    @api.model
    def _default_sms_gateway_bridge(self):
        """The default gateway of Mass SMS settings; none, SMS are routed by number."""
        bridge_id = self.env['ir.config_parameter'].sudo().get_param('mass_sms.default_gateway_id')
        return self.env['sms.gateway.bridge'].sudo().browse(int(bridge_id or 0)).exists().filtered(
            lambda bridge: bridge.company_id == self.env.company)

    @api.model
    def _default_sms_allow_unsubscribe(self):
        return self.env['ir.config_parameter'].sudo().get_param('mass_sms.allow_unsubscribe_default', 'True') == 'True'

    @api.depends_context('company')
    def _compute_company_id(self):
        self.company_id = self.env.company

    @api.depends('sms_gateway_bridge_id')
    def _compute_sms_gateway_summary(self):
        bridges = self.env['sms.gateway.bridge'].sudo().search([('company_id', '=', self.env.company.id)])
        routed = self.env._("Each number's gateway: %(gateways)s", gateways=', '.join(
            '%s (%s)' % (bridge.name, bridge.sender) for bridge in bridges)) if bridges else \
            self.env._("No SMS gateway: configure one in Mass SMS › Configuration › SMS Gateways.")
        for mailing in self:
            bridge = mailing.sms_gateway_bridge_id.sudo()
            mailing.sms_gateway_summary = self.env._(
                "%(gateway)s, sender %(sender)s", gateway=bridge.name, sender=bridge.sender) if bridge else routed

    def _compute_sms_gateway_error(self):
        """The last error a gateway gave for this mailing, in the provider's words, with what to do;
        failures of the recipients' numbers are bounces, not gateway errors."""
        self.sms_gateway_error = False
        last_ids = self.env['sms.outbound.message'].sudo()._read_group(
            self._sms_outbound_domain() + [('state', '=', 'failed'), ('failure', 'in', list(GATEWAY_FAILURE_ADVICE))],
            ['mailing_id'], ['id:max'])
        messages = self.env['sms.outbound.message'].sudo().browse(last_id for _mailing, last_id in last_ids)
        for message in messages:
            message.mailing_id.sms_gateway_error = '%s\n%s' % (
                message.error_message, str(GATEWAY_FAILURE_ADVICE[message.failure]))

    def action_retry_failed_sms(self):
        """The failed SMS a retry replaces leave the mailing's figures and its error banner; the
        outbound log keeps them."""
        failed = self.env['sms.sms'].sudo().search([('mailing_id', 'in', self.ids), ('state', '=', 'error')])
        self.env['sms.outbound.message'].sudo().search(
            [('sms_uuid', 'in', failed.mapped('uuid'))]).mailing_retried = True
        return super().action_retry_failed_sms()

    def _compute_sms_has_iap_failure(self):
        """Odoo's banners offer to buy IAP credits or register an IAP account: they do not apply
        when the company's SMS leave through its own SMS gateways."""
        super()._compute_sms_has_iap_failure()
        if self.env['sms.gateway.bridge'].sudo().search_count([('company_id', '=', self.env.company.id)], limit=1):
            self.sms_has_insufficient_credit = self.sms_has_unregistered_account = False
