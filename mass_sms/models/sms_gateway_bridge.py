from odoo import fields, models


class SmsGatewayBridge(models.Model):
    _inherit = 'sms.gateway.bridge'

    sms_price_per_segment = fields.Float(
        'Price per SMS Segment', digits=(16, 5),
        help="What the provider charges per SMS segment: Mass SMS estimates the cost of a mailing with it.")
    sms_price_currency_id = fields.Many2one(
        'res.currency', 'Price Currency', default=lambda self: self.env.company.currency_id)

    def _receive_inbound(self, inbound_messages):
        return super(SmsGatewayBridge, self.with_context(sms_consent_channel='reply'))._receive_inbound(
            inbound_messages)
