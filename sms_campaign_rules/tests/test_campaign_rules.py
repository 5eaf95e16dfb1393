"""Business rules: who they select, SQL rules for administrators only, and their checks."""
import json

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools import sql_report
from .common import CampaignMixin

READY_MADE_RULES = {'rule_sale_order_confirmed': 'sale.order', 'rule_invoice_paid': 'account.move',
                    'rule_payment_received': 'account.payment', 'rule_contact_created': 'res.partner',
                    'rule_contact_tagged': 'res.partner'}
SQL_REPORT = ("SELECT p.phone, p.name AS \"fullName\", p.id AS partner_id FROM res_partner p "
              "WHERE p.phone LIKE %(prefix)s")


@tagged('post_install', '-at_install')
class TestCampaignRules(CampaignMixin, TransactionCase):

    def _sql_rule(self, query=SQL_REPORT, user=None, **values):
        return self.env['sms.campaign.rule'].with_user(user or self.env.user).create({
            'name': 'SQL report', 'rule_type': 'sql', 'sql_query': query,
            'parameter_ids': [Command.create({'name': 'prefix', 'label': 'Prefix', 'value_type': 'char'})], **values})

    def test_sql_rule_selects_and_renders(self):
        self._contacts('+32470000300')
        rule = self._sql_rule()
        self.assertEqual(rule.available_parameters, '{fullName}, {partner_id}')
        campaign = self._campaign(rule_id=rule.id, param_value=json.dumps({'prefix': '+3247000030%'}),
                                  message='Hi {fullName}')
        self.assertEqual(campaign.recipient_count, 1)
        self.assertEqual(campaign.preview, '+32470000300: Hi Contact 300')

    def test_sql_parameters_are_bound_not_formatted(self):
        self._contacts('+32470000301')
        rule = self._sql_rule()
        injection = "x' OR '1'='1"
        self.assertEqual(rule._recipients({'prefix': injection}), [])

    def test_sql_rule_refused_for_marketers(self):
        with self.assertRaises(AccessError):
            self._sql_rule(user=self.marketer)
        rule = self._sql_rule()
        with self.assertRaises(AccessError):
            rule.with_user(self.marketer).sql_query = "SELECT phone FROM res_users WHERE login = %(prefix)s"

    def test_sql_rule_refuses_other_statements(self):
        for query in ("DELETE FROM res_partner WHERE id = %(prefix)s",
                      "SELECT phone FROM res_partner WHERE name = 'x'",
                      "SELECT phone FROM res_partner WHERE name = %(prefix)s; DROP TABLE res_partner",
                      "SELECT phone FROM res_partner WHERE name = '%s' || %(prefix)s"):
            with self.subTest(query=query), self.assertRaises(ValidationError):
                self._sql_rule(query)

    def test_sql_rule_runs_read_only_with_a_timeout(self):
        rule = self._sql_rule("SELECT %(prefix)s AS phone, nextval('res_partner_id_seq') AS next_id")
        with self.assertRaisesRegex(ValueError, 'read-only transaction'), mute_logger('odoo.sql_db'):
            rule._recipients({'prefix': 'x'})
        with self.assertRaisesRegex(Exception, 'statement timeout'), mute_logger('odoo.sql_db'):
            sql_report.run(self.env.cr, "SELECT %(prefix)s AS phone FROM pg_sleep(2)", {'prefix': 'x'}, timeout_ms=50)
        self.env['res.partner'].create({'name': 'The transaction goes on, read-write'})

    def test_sql_rule_needs_a_phone_column(self):
        rule = self._sql_rule("SELECT name FROM res_partner WHERE name = %(prefix)s")
        with self.assertRaisesRegex(ValueError, 'phone'):
            rule._recipients({'prefix': 'x'})

    def test_marketer_runs_campaigns_and_writes_record_rules(self):
        self._contacts('+32470000310')
        rule = self.env['sms.campaign.rule'].with_user(self.marketer).create({
            'name': 'Everyone tagged', 'model_id': self.env.ref('base.model_res_partner').id,
            'domain': "[('category_id', 'in', [%d])]" % self.tag.id, 'template_fields': 'name'})
        campaign = self.env['sms.campaign'].with_user(self.marketer).create({
            'name': 'Marketer campaign', 'rule_id': rule.id, 'message': 'Hello {name}'})
        campaign.action_activate()
        self.assertEqual(campaign.pending_count, 1)
        self.assertEqual(campaign.message_ids.body, 'Hello Contact 310')

    def test_rule_kinds_match_trigger_types(self):
        event_rule = self.env.ref('sms_campaign_rules.rule_contact_created')
        with self.assertRaisesRegex(ValidationError, 'Triggered campaign'):
            self._campaign('direct', rule_id=event_rule.id, param_value='{}')
        with self.assertRaisesRegex(ValidationError, 'event rule'):
            self._campaign('triggered')

    def test_unknown_template_parameter_is_refused(self):
        with self.assertRaisesRegex(ValidationError, r'\{fullName\}'):
            self._campaign(message='Hello {fullName}')

    def test_ready_made_rules_follow_the_installed_apps(self):
        """The rules of Sales and Invoicing exist whatever is installed, and are offered while their
        model is: installing the app before or after this addon makes no difference."""
        available = self.env['sms.campaign.rule'].search([('is_available', '=', True)])
        for xmlid, model in READY_MADE_RULES.items():
            rule = self.env.ref('sms_campaign_rules.%s' % xmlid)
            with self.subTest(rule=xmlid):
                self.assertEqual((rule.is_triggered, rule.model_name), (True, model))
                self.assertEqual(rule.is_available, model in self.env)
                self.assertEqual(rule in available, model in self.env)
                self.assertEqual(rule.model_id.model or False, model in self.env and model)

    def test_marketer_picks_the_model_in_the_form(self):
        form = Form(self.env['sms.campaign.rule'].with_user(self.marketer))
        form.name = 'Contacts by form'
        form.model_id = self.env.ref('base.model_res_partner')
        self.assertEqual(form.phone_field, 'phone', 'the phone field is guessed from the model')
        form.template_fields = 'name'
        rule = form.save()
        self.assertEqual((rule.model_name, rule.is_available), ('res.partner', True))

    def test_rule_of_a_missing_model_is_unavailable(self):
        rule = self.env['sms.campaign.rule'].create({
            'name': 'Of an app to come', 'rule_type': 'event', 'model_name': 'x_sms.not.installed',
            'phone_field': 'partner_id.phone', 'trigger': 'on_state_set', 'trigger_field_name': 'state',
            'trigger_value': 'done'})
        self.assertFalse(rule.is_available or rule.model_id or rule.trigger_field_id)
        self.assertNotIn(rule, self.env['sms.campaign.rule'].search([('is_available', '=', True)]))
        self.assertIn(rule, self.env['sms.campaign.rule'].search([('is_available', '=', False)]))
        with self.assertRaisesRegex(ValidationError, 'not installed'):
            self._campaign('triggered', rule_id=rule.id, param_value='{}', message='Done')

    def test_state_rule_of_an_installed_model_runs_its_campaign(self):
        """The same mechanism with a model that is installed: the rule names res.partner and its
        type field; the campaign's automation rule fires when a contact's type becomes Invoice."""
        rule = self.env['sms.campaign.rule'].create({
            'name': 'Invoice address', 'rule_type': 'event', 'model_name': 'res.partner', 'phone_field': 'phone',
            'trigger': 'on_state_set', 'trigger_field_name': 'type', 'trigger_value': 'invoice',
            'template_fields': 'name'})
        self.assertTrue(rule.is_available)
        self.assertEqual((rule.model_id, rule.trigger_field_id),
                         (self.env.ref('base.model_res_partner'), self.env.ref('base.field_res_partner__type')))
        campaign = self._campaign('triggered', rule_id=rule.id, param_value='{}', message='Billing to {name}')
        campaign.action_activate()
        self.assertEqual(campaign.automation_id.trg_selection_field_id.value, 'invoice')
        contact = self._partner('+32470000310', name='Billing')
        self.assertFalse(campaign.message_ids, 'a contact created with another type is not texted')
        contact.type = 'invoice'
        self.assertEqual(campaign.message_ids.mapped('body'), ['Billing to Billing'])

    def test_marketer_rule_reads_only_what_marketers_read(self):
        bridge_model = self.env.ref('sms_gateway_bridge.model_sms_gateway_bridge')
        with self.assertRaisesRegex(ValidationError, 'only administrators'):
            self.env['sms.campaign.rule'].with_user(self.marketer).create({
                'name': 'Leak', 'model_id': bridge_model.id, 'phone_field': 'sender',
                'template_fields': 'twilio_auth_token'})
        with self.assertRaisesRegex(ValidationError, 'only administrators'):
            self.env['sms.campaign.rule'].with_user(self.marketer).create({
                'name': 'Leak', 'model_id': self.env.ref('sms_gateway_bridge.model_sms_outbound_message').id,
                'phone_field': 'number', 'template_fields': 'body'})
