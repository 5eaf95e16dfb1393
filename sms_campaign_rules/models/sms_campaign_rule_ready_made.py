from odoo import api, models

# Event rules for the apps that may be installed: created by _load_ready_made_rules for the
# models present, so that this addon does not depend on sale or account.
READY_MADE_RULES = {
    'rule_sale_order_confirmed': {
        'model': 'sale.order', 'name': 'Sales order confirmed', 'trigger': 'on_state_set',
        'trigger_field': 'state', 'trigger_value': 'sale',
        'template_fields': 'fullName=partner_id.name, orderName=name, amount=amount_total',
    },
    'rule_invoice_paid': {
        'model': 'account.move', 'name': 'Invoice paid', 'trigger': 'on_match',
        'domain': "[('move_type', '=', 'out_invoice'), ('payment_state', 'in', ('paid', 'in_payment'))]",
        'template_fields': 'fullName=partner_id.name, invoiceNumber=name, amount=amount_total',
    },
    'rule_payment_received': {
        'model': 'account.payment', 'name': 'Payment received', 'trigger': 'on_match',
        'domain': "[('payment_type', '=', 'inbound'), ('state', 'in', ('in_process', 'paid'))]",
        'template_fields': 'fullName=partner_id.name, amount=amount, paymentDate=date',
    },
}


class SmsCampaignRule(models.Model):
    _inherit = 'sms.campaign.rule'

    @api.model
    def _load_ready_made_rules(self):
        """Create the ready-made event rules of the installed apps that do not exist yet; return them."""
        rules = self.browse()
        for xmlid, spec in READY_MADE_RULES.items():
            if spec['model'] not in self.env or self.env.ref('sms_campaign_rules.%s' % xmlid, raise_if_not_found=False):
                continue
            model = self.env['ir.model']._get(spec['model'])
            trigger_field = self.env['ir.model.fields']._get(spec['model'], spec['trigger_field']) \
                if spec.get('trigger_field') else self.env['ir.model.fields']
            rule = self.sudo().create({
                'name': spec['name'], 'rule_type': 'event', 'model_id': model.id, 'phone_field': 'partner_id.phone',
                'partner_field': 'partner_id', 'trigger': spec['trigger'], 'trigger_field_id': trigger_field.id,
                'trigger_value': spec.get('trigger_value'), 'domain': spec.get('domain', '[]'),
                'template_fields': spec['template_fields'],
            })
            self.env['ir.model.data'].sudo().create({
                'module': 'sms_campaign_rules', 'name': xmlid, 'model': self._name, 'res_id': rule.id, 'noupdate': True})
            rules |= rule
        return rules

    def action_load_ready_made_rules(self):
        rules = self._load_ready_made_rules()
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {
                'message': self.env._("%(count)s ready-made rules added for the installed apps.", count=len(rules)),
                'type': 'success', 'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'},
            },
        }
