from odoo import fields, models

from .sms_outbound_message import RETENTION_DAYS


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    sms_outbound_retention_days = fields.Integer(
        'Keep Outbound SMS (Days)', default=RETENTION_DAYS,
        config_parameter='sms_gateway_bridge.outbound_retention_days',
        help="Outbound SMS older than this are deleted by the daily cleanup; 0 keeps them forever.")
