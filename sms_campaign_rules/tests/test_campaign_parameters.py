"""A campaign's parameter values: one typed value per parameter of its rule, from the form or JSON."""
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .common import CampaignMixin


@tagged('post_install', '-at_install')
class TestCampaignParameters(CampaignMixin, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.typed_rule = cls.env['sms.campaign.rule'].create({
            'name': 'Typed', 'model_id': cls.env.ref('base.model_res_partner').id, 'phone_field': 'phone',
            'domain': "[('category_id', 'in', [tag_id]), ('create_date', '>=', since), ('name', 'ilike', part)]",
            'template_fields': 'name',
            'parameter_ids': [
                Command.create({'name': 'tag_id', 'label': 'Tag', 'value_type': 'integer'}),
                Command.create({'name': 'since', 'label': 'Created since', 'value_type': 'date',
                                'default_value': '2020-01-01'}),
                Command.create({'name': 'part', 'label': 'Name part', 'value_type': 'char', 'default_value': 'Contact'}),
            ],
        })

    def test_form_fills_a_typed_value_per_rule_parameter(self):
        self._contacts('+32470000800')
        form = Form(self.env['sms.campaign'].with_user(self.marketer))
        form.name = 'Typed values'
        form.rule_id = self.typed_rule
        self.assertEqual(form.parameter_types and set(form.parameter_types.split(',')), {'integer', 'date', 'char'})
        with form.param_value_ids.edit(0) as value:
            self.assertEqual(value.label, 'Tag')
            value.value_integer = self.tag.id
        form.message = 'Hello {name}'
        campaign = form.save()
        self.assertEqual(campaign.param_value_ids.mapped('name'), ['tag_id', 'since', 'part'])
        self.assertEqual(str(campaign.param_value_ids[1].value_date), '2020-01-01', 'the default value')
        self.assertEqual(campaign._param_values()['tag_id'], self.tag.id)
        self.assertEqual(campaign.recipient_count, 1)

        old_values = campaign.param_value_ids
        form = Form(campaign)
        form.rule_id = self.rule
        self.assertEqual(form.parameter_types, 'integer', "another rule's parameters replace the values")
        form.save()
        self.assertEqual(campaign.param_value_ids.parameter_id, self.rule.parameter_ids)
        self.assertFalse(old_values.exists())

    def test_json_sets_the_values_and_refuses_bad_ones(self):
        campaign = self._campaign(rule_id=self.typed_rule.id)
        campaign.param_value = '{"tag_id": "12", "since": "2021-02-03", "reportName": "ignored"}'
        self.assertEqual((campaign.param_value_ids[0].value_integer, str(campaign.param_value_ids[1].value_date)),
                         (12, '2021-02-03'))
        campaign.invalidate_recordset(['param_value'])
        self.assertEqual(campaign.param_value, '{"tag_id": 12, "since": "2021-02-03", "part": "Contact"}')
        with self.assertRaisesRegex(ValidationError, 'expects a Integer'):
            campaign.param_value = '{"tag_id": "twelve"}'
        with self.assertRaisesRegex(ValidationError, 'not valid JSON'):
            campaign.param_value = '{"tag_id": '

    def test_values_locked_while_active(self):
        campaign = self._campaign()
        campaign.action_activate()
        with self.assertRaisesRegex(UserError, 'close the campaign first'):
            campaign.param_value_ids.value_integer = 0

    def test_access_per_group(self):
        campaign = self._campaign()
        value = campaign.param_value_ids.with_user(self.marketer)
        value.value_integer = self.tag.id
        self.assertEqual(value.value_integer, self.tag.id)
        employee = self.env['res.users'].create({
            'name': 'Employee', 'login': 'sms_employee',
            'group_ids': [Command.set([self.env.ref('base.group_user').id])]})
        with self.assertRaises(AccessError):
            campaign.param_value_ids.with_user(employee).read(['value_integer'])
