from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestMassSmsApp(HttpCase):

    def test_app_menu_folds_sms_marketing(self):
        root = self.env.ref('mass_sms.mass_sms_menu_root')
        self.assertEqual(root.name, 'Mass SMS')
        self.assertFalse(self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_root').active)
        self.assertIn(self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_mass_sms'), root.child_id)

    def test_tour_open_mass_sms_app(self):
        self.start_tour('/odoo', 'mass_sms_open_app', login='admin')
