from odoo import fields, models


class SmsGatewayBridge(models.Model):
    """A bridge that a message-gateway tenant created through /smsbridges."""
    _inherit = 'sms.gateway.bridge'

    gateway_tenant_id = fields.Many2one(
        'sms.gateway.tenant', 'Message Gateway Tenant', index='btree_not_null', ondelete='restrict',
        check_company=True,
        help="The message-gateway tenant that manages this bridge through the API and sends through it.")
    country_code = fields.Char(
        help="Country calling code (+91) that completes the national numbers a message-gateway tenant sends.")
    description = fields.Char()
