from odoo.tests import HttpCase, tagged


@tagged('post_install', '-at_install')
class TestMassSmsApp(HttpCase):

    def test_app_menu_folds_sms_marketing(self):
        root = self.env.ref('mass_sms.mass_sms_menu_root')
        self.assertEqual(root.name, 'Mass SMS')
        self.assertFalse(self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_root').active)
        self.assertIn(self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_mass_sms'), root.child_id)
        apps = self.env['ir.module.module'].search([('application', '=', True), ('state', '=', 'installed')])
        self.assertIn('mass_sms', apps.mapped('name'))
        self.assertNotIn('mass_mailing_sms', apps.mapped('name'), 'one SMS app in Apps')
        self.assertEqual(self.env.ref('mass_mailing_sms.mass_mailing_sms_menu_reporting').action,
                         self.env.ref('mass_sms.mass_sms_report_action'))

    def test_seed_labels(self):
        form = self.env['mailing.mailing'].with_context(default_mailing_type='sms').get_view(
            self.env.ref('mass_mailing.view_mail_mass_mailing_form').id)['arch']
        self.assertIn('This will send the SMS Text Message to all recipients. Do you still want to proceed?', form)
        self.assertNotIn('bzzzzz', form)
        for warning in ('SMS Text Message(s) have been ignored and will not be sent.',
                        'SMS Text Message(s) are in queue and will be sent soon.',
                        'SMS Text Message(s) could not be sent.'):
            self.assertIn(warning, form)
        self.assertIn('fa-comment-o', form)
        self.assertIn('o_mass_sms_gateway_error', form)
        kanban = self.env['mailing.mailing'].get_view(
            self.env.ref('mass_mailing.view_mail_mass_mailing_kanban').id, 'kanban')['arch']
        self.assertIn('o_mass_sms_kanban_error', kanban)
        self.assertIn('o_mass_sms_kanban_metrics', kanban)
        self.assertIn('name="sms_template_id"', form)
        self.assertEqual(self.env.ref('mass_mailing_sms.utm_medium_sms').name, 'SMS Text Message')
        sms_sent = self.env['mailing.trace'].get_view(
            self.env.ref('mass_mailing_sms.mailing_trace_view_tree_sms').id, 'list')['arch']
        self.assertIn('name="sms_recipient_name"', sms_sent)
        self.assertRegex(sms_sent, r'name="sms_number"[^>]*string="Mobile"')
        self.assertNotIn('open_datetime', sms_sent)
        self.assertNotIn('reply_datetime', sms_sent)
        lists = self.env['mailing.list'].get_view(self.env.ref('mass_mailing.mailing_list_view_tree').id, 'list')['arch']
        for field in ('contact_pct_bounce', 'contact_pct_blacklisted'):
            self.assertRegex(lists, r'name="%s"[^>]*column_invisible="context.get\(.mailing_sms.\)"' % field)
        lists = self.env['mailing.list'].get_view(
            self.env.ref('mass_mailing.mailing_list_view_kanban').id, 'kanban')['arch']
        for action in ('action_view_contacts_email', 'action_view_contacts_bouncing', 'action_send_mailing'):
            self.assertRegex(lists, r'name="%s"[^>]*invisible="context.get\(.mailing_sms.\)"' % action)
        campaign = self.env['utm.campaign'].get_view(self.env.ref('utm.utm_campaign_view_form').id)['arch']
        for field in ('sms_sent', 'sms_delivered_ratio', 'sms_bounced_ratio', 'sms_exception_ratio'):
            self.assertIn('name="%s"' % field, campaign)
        contacts = self.env['mailing.contact'].with_context(mailing_sms=True).get_view(
            self.env.ref('mass_mailing.mailing_contact_view_tree').id)['arch']
        for field in ('email', 'is_blacklisted', 'message_bounce'):
            pattern = r'name="%s"[^>]*column_invisible="context.get\(.mailing_sms.\)"' % field
            self.assertRegex(contacts, pattern)

    def test_tour_open_mass_sms_app(self):
        self.start_tour('/odoo', 'mass_sms_open_app', login='admin')

    def test_settings_block_and_no_iap_purchase_with_a_gateway(self):
        arch = self.env['res.config.settings'].get_view(self.env.ref('base.res_config_settings_view_form').id)['arch']
        self.assertIn('name="mass_sms"', arch)
        self.assertIn('name="mass_sms_default_gateway_id"', arch)
        self.assertRegex(arch, r'name="iap_buy_more_credits"[^>]*invisible="sms_gateway_serves_company"')
        self.assertTrue(self.env['res.config.settings'].create({}).sms_gateway_serves_company,
                        'the demo Simulator gateway serves the company')
        bridge = self.env['sms.gateway.bridge'].search([], limit=1)
        self.env['res.config.settings'].create({'mass_sms_default_gateway_id': bridge.id}).execute()
        self.assertEqual(self.env['mailing.mailing'].create(
            {'subject': 'Default gateway', 'mailing_type': 'sms', 'body_plaintext': 'Hi'}).sms_gateway_bridge_id, bridge)

    def test_opt_out_link_default_can_be_turned_off(self):
        Settings = self.env['res.config.settings']
        self.assertTrue(Settings.create({}).mass_sms_allow_unsubscribe, 'on by default')
        Settings.create({'mass_sms_allow_unsubscribe': False}).execute()
        self.assertFalse(Settings.create({}).mass_sms_allow_unsubscribe)
        self.assertFalse(self.env['mailing.mailing'].default_get(['sms_allow_unsubscribe'])['sms_allow_unsubscribe'])
        Settings.create({'mass_sms_allow_unsubscribe': True}).execute()
        self.assertTrue(self.env['mailing.mailing'].default_get(['sms_allow_unsubscribe'])['sms_allow_unsubscribe'])
