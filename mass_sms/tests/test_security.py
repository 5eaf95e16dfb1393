from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMarketerAccess(MassSmsMixin, TransactionCase):

    def test_marketer_never_sees_credentials(self):
        bridge = self._bridge('twilio')
        marketer = new_test_user(self.env, 'sms_marketer', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        self.assertNotIn('twilio_auth_token', self.env['sms.gateway.bridge'].with_user(marketer).fields_get())
        with self.assertRaises(AccessError):
            bridge.with_user(marketer).read(['twilio_auth_token'])
        with self.assertRaises(AccessError):
            self.env['sms.outbound.message'].with_user(marketer).search([])
        menus = self.env['ir.ui.menu'].with_user(marketer)._visible_menu_ids()
        self.assertIn(self.env.ref('mass_sms.mass_sms_menu_root').id, menus)
        self.assertNotIn(self.env.ref('mass_sms.mass_sms_menu_gateways').id, menus)
        admin = new_test_user(self.env, 'sms_admin', groups='base.group_user,base.group_system')
        self.assertIn(self.env.ref('mass_sms.mass_sms_menu_gateways').id,
                      self.env['ir.ui.menu'].with_user(admin)._visible_menu_ids())

    def test_marketer_reads_reports_and_ledger_but_not_settings(self):
        marketer = new_test_user(self.env, 'sms_analyst', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        employee = new_test_user(self.env, 'sms_employee', groups='base.group_user')
        self.env['mass.sms.report'].with_user(marketer).search([])
        self.env['sms.consent.entry'].with_user(marketer).search([])
        for model in ('mass.sms.report', 'sms.consent.entry'):
            with self.assertRaises(AccessError):
                self.env[model].with_user(employee).search([])
        with self.assertRaises(AccessError):
            self.env['res.config.settings'].with_user(marketer).create({})
        menus = self.env['ir.ui.menu'].with_user(marketer)._visible_menu_ids()
        self.assertIn(self.env.ref('mass_sms.mass_sms_menu_consent_ledger').id, menus)
        self.assertNotIn(self.env.ref('mass_sms.mass_sms_menu_settings').id, menus)
