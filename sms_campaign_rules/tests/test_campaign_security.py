"""Campaigns belong to the Mass SMS app: its users see and run them, other employees do not."""
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import CampaignMixin

CAMPAIGN_MODELS = ('sms.campaign', 'sms.campaign.rule', 'sms.campaign.rule.parameter',
                   'sms.campaign.parameter.value', 'sms.campaign.message')


@tagged('post_install', '-at_install')
class TestCampaignSecurity(CampaignMixin, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = cls.env['res.users'].create({
            'name': 'Employee', 'login': 'sms_campaign_employee',
            'group_ids': [Command.set([cls.env.ref('base.group_user').id])]})

    def test_menus_in_the_mass_sms_app(self):
        menus = {xmlid: self.env.ref('sms_campaign_rules.%s' % xmlid)
                 for xmlid in ('sms_campaign_menu_root', 'sms_campaign_menu_campaigns',
                               'sms_campaign_menu_notifications', 'sms_campaign_menu_rules')}
        self.assertEqual(menus['sms_campaign_menu_root'].parent_id, self.env.ref('mass_sms.mass_sms_menu_root'))
        self.assertEqual(menus['sms_campaign_menu_rules'].parent_id,
                         self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_configuration'))
        self.assertFalse(self.env['ir.module.module'].search([('name', '=', 'sms_campaign_rules')]).application)
        marketer_menus = self.env['ir.ui.menu'].with_user(self.marketer)._visible_menu_ids()
        employee_menus = self.env['ir.ui.menu'].with_user(self.employee)._visible_menu_ids()
        for xmlid, menu in menus.items():
            with self.subTest(menu=xmlid):
                self.assertIn(menu.id, marketer_menus)
                self.assertNotIn(menu.id, employee_menus)

    def test_access_per_group(self):
        campaign = self._campaign().with_user(self.marketer)
        campaign.action_activate()
        self.assertEqual(campaign.state, 'active')
        for model in CAMPAIGN_MODELS:
            with self.subTest(model=model):
                self.assertTrue(self.env[model].with_user(self.marketer).has_access('read'))
                self.assertFalse(self.env[model].with_user(self.employee).has_access('read'))
        self.assertFalse(self.env['sms.campaign.message'].with_user(self.marketer).has_access('write'),
                         'the message ledger is written by the jobs only')
        with self.assertRaises(AccessError):
            self._campaign(name='By an employee').with_user(self.employee).read(['name'])
