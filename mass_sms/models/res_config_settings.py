from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    mass_sms_default_gateway_id = fields.Many2one(
        'sms.gateway.bridge', 'Default Gateway for SMS Mailings', config_parameter='mass_sms.default_gateway_id',
        domain="[('company_id', '=', company_id)]",
        help="New SMS mailings go through this gateway; empty, each SMS goes through the gateway that serves "
             "its number.")
    # stored as 'True' or 'False': an absent parameter means the default, on
    mass_sms_allow_unsubscribe = fields.Boolean(
        'Opt-out Link by Default',
        help="New SMS mailings end with a short link to unsubscribe in one tap.")
    sms_gateway_serves_company = fields.Boolean(compute='_compute_sms_gateway_serves_company')
    sms_window_start = fields.Float(related='company_id.sms_window_start', readonly=False)
    sms_window_end = fields.Float(related='company_id.sms_window_end', readonly=False)
    sms_window_quiet_day_ids = fields.Many2many(related='company_id.sms_window_quiet_day_ids', readonly=False)
    sms_window_transactional = fields.Boolean(related='company_id.sms_window_transactional', readonly=False)
    sms_frequency_cap = fields.Boolean(related='company_id.sms_frequency_cap', readonly=False)
    sms_frequency_cap_hours = fields.Integer(related='company_id.sms_frequency_cap_hours', readonly=False)

    @api.depends('company_id')
    def _compute_sms_gateway_serves_company(self):
        for settings in self:
            settings.sms_gateway_serves_company = bool(self.env['sms.gateway.bridge'].sudo().search_count(
                [('company_id', '=', settings.company_id.id)], limit=1))

    @api.model
    def get_values(self):
        values = super().get_values()
        values['mass_sms_allow_unsubscribe'] = self.env['mailing.mailing']._default_sms_allow_unsubscribe()
        return values

    def set_values(self):
        super().set_values()
        self.env['ir.config_parameter'].sudo().set_param(
            'mass_sms.allow_unsubscribe_default', str(self.mass_sms_allow_unsubscribe))
