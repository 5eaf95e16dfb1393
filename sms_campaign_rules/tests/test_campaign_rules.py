"""Business rules: who they select, SQL rules for administrators only, and their checks."""
import json

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.sms_campaign_rule_ready_made import READY_MADE_RULES
from ..tools import sql_report
from .common import CampaignMixin

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

    def test_ready_made_rules_only_for_installed_apps(self):
        self.env['sms.campaign.rule']._load_ready_made_rules()
        for xmlid, spec in READY_MADE_RULES.items():
            rule = self.env.ref('sms_campaign_rules.%s' % xmlid, raise_if_not_found=False)
            self.assertEqual(bool(rule), spec['model'] in self.env, xmlid)
        self.assertFalse(self.env['sms.campaign.rule']._load_ready_made_rules(), 'loaded once')
        self.assertTrue(self.env.ref('sms_campaign_rules.rule_contact_created').is_triggered)
        self.assertTrue(self.env.ref('sms_campaign_rules.rule_contact_tagged').is_triggered)

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
