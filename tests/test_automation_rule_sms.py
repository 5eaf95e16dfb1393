"""An automation rule that texts new contacts sends through the bridge, once."""
from odoo import Command
from odoo.tests import TransactionCase, tagged

from odoo.addons.sms_gateway_bridge.tests.common import TWILIO_SENDER, BridgeMixin


@tagged('post_install', '-at_install')
class TestAutomationRuleSms(BridgeMixin, TransactionCase):

    def test_automation_rule_sms_reaches_the_bridge_once(self):
        self._bridge('twilio')
        partner_model = self.env.ref('base.model_res_partner')
        template = self.env['sms.template'].create({
            'name': 'Welcome', 'model_id': partner_model.id, 'body': 'Welcome aboard, {{ object.name }}!'})
        rule = self.env['base.automation'].create({
            'name': 'Text new contacts', 'model_id': partner_model.id, 'trigger': 'on_create'})
        action = self.env['ir.actions.server'].create({
            'name': 'Welcome SMS', 'model_id': partner_model.id, 'base_automation_id': rule.id,
            'usage': 'base_automation', 'state': 'sms', 'sms_template_id': template.id, 'sms_method': 'sms'})
        rule.write({'action_server_ids': [Command.set(action.ids)]})

        self._partner('+32470000990', name='Grace')
        self.env['sms.sms']._process_queue()
        self.env['sms.sms']._process_queue()

        self.assertEqual([(m['to'], m['from_'], m['body']) for m in self.twilio.messages],
                         [('+32470000990', TWILIO_SENDER, 'Welcome aboard, Grace!')])
