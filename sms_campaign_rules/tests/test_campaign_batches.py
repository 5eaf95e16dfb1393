"""Large campaigns are created batch by batch: the first batch on activation, the others by the job,
each recipient once, from a domain or an SQL report (whose batches follow its phone numbers)."""
import json

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common import CampaignMixin

SQL_REPORT = ("SELECT p.phone, p.name AS \"fullName\", p.id AS partner_id FROM res_partner p "
              "WHERE p.phone LIKE %(prefix)s")


@tagged('post_install', '-at_install')
class TestCampaignBatches(CampaignMixin, TransactionCase):

    def setUp(self):
        super().setUp()
        self.env['ir.config_parameter'].set_param('sms_campaign_rules.generation_batch_size', 2)

    def _generated(self, campaign):
        campaign.invalidate_recordset()
        return sorted(campaign.message_ids.mapped('number')), campaign.generated_activation == campaign.activation_count

    def test_records_in_batches(self):
        numbers = ['+3247000090%d' % index for index in range(5)]
        self._contacts(*numbers)
        campaign = self._campaign()
        campaign.action_activate()
        self.assertEqual(self._generated(campaign), (numbers[:2], False), 'the first batch is Pending at once')
        self.assertTrue(campaign.generation_cursor)

        self.env['sms.campaign']._cron_generate_messages()
        self.assertEqual(self._generated(campaign), (numbers, True))
        self.assertFalse(campaign.generation_cursor)
        self.assertEqual(campaign.recipient_count, 5)

    def test_sql_report_in_batches_of_phone_numbers(self):
        """Two contacts share a number: both are texted, whichever batch the number falls in."""
        numbers = ['+3247000091%d' % index for index in range(4)]
        self._contacts(*numbers)
        self._partner(numbers[1], name='Same number')
        rule = self.env['sms.campaign.rule'].create({
            'name': 'SQL batches', 'rule_type': 'sql', 'sql_query': SQL_REPORT,
            'parameter_ids': [Command.create({'name': 'prefix', 'label': 'Prefix', 'value_type': 'char'})]})
        campaign = self._campaign(rule_id=rule.id, param_value=json.dumps({'prefix': '+3247000091%'}),
                                  message='Hi {fullName}')
        self.assertEqual(campaign.recipient_count, 5)
        campaign.action_activate()
        self.assertEqual(self._generated(campaign), (sorted([numbers[0], numbers[1], numbers[1]]), False))

        self.env['sms.campaign']._cron_generate_messages()
        self.assertEqual(self._generated(campaign), (sorted(numbers + [numbers[1]]), True))
        self.assertIn('Hi Same number', campaign.message_ids.mapped('body'))
