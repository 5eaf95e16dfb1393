from odoo import models

from ..tools.message_gateway import DEFAULT_PREFIX

PREFIX_PARAMETER = 'sms_gateway_bridge.message_gateway_prefix'


class IrHttp(models.AbstractModel):
    _inherit = 'ir.http'

    def _generate_routing_rules(self, modules, converters):
        """Serve the message-gateway API under the prefix an administrator chose (the "endpoint" of
        Fineract's message gateway settings), /messagegateway by default."""
        prefix = self.env['ir.config_parameter'].sudo().get_param(PREFIX_PARAMETER, DEFAULT_PREFIX)
        prefix = '/' + prefix.strip().strip('/') if prefix.strip().strip('/') else ''
        for url, endpoint in super()._generate_routing_rules(modules, converters):
            if prefix != DEFAULT_PREFIX and url.startswith(DEFAULT_PREFIX + '/'):
                url = prefix + url[len(DEFAULT_PREFIX):]
            yield url, endpoint
