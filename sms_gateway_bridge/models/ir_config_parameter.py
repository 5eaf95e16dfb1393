from odoo import api, models

from .ir_http import PREFIX_PARAMETER


class IrConfigParameter(models.Model):
    _inherit = 'ir.config_parameter'

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._clear_routing_on_prefix_change()
        return records

    def write(self, vals):
        result = super().write(vals)
        self._clear_routing_on_prefix_change()
        return result

    def _clear_routing_on_prefix_change(self):
        """Every worker rebuilds its routes when the message-gateway prefix changes."""
        if PREFIX_PARAMETER in self.mapped('key'):
            self.env.registry.clear_cache('routing')
