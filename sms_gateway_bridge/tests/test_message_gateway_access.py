from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestMessageGatewayAccess(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tenant = cls.env['sms.gateway.tenant'].create({'name': 'default'})
        cls.tenant._new_app_key()
        cls.message = cls.env['sms.gateway.tenant.message'].create({
            'tenant_id': cls.tenant.id, 'internal_id': '1', 'mobile_number': '12', 'error_message': 'Invalid number'})
        cls.user = new_test_user(cls.env, login='sms_user', groups='base.group_user')
        cls.portal = new_test_user(cls.env, login='sms_portal', groups='base.group_portal')
        cls.admin = new_test_user(cls.env, login='sms_admin', groups='base.group_user,base.group_system')

    def test_users_and_portal_see_no_tenant_nor_message(self):
        for user in (self.user, self.portal):
            for records in (self.tenant, self.message):
                with self.subTest(user=user.login, model=records._name), self.assertRaises(AccessError):
                    records.with_user(user).read(['display_name'])
            with self.assertRaises(AccessError):
                self.env['sms.gateway.tenant'].with_user(user).create({'name': 'mine'})
            with self.assertRaises(AccessError):
                self.tenant.with_user(user).action_rotate_app_key()

    def test_administrators_manage_tenants_and_read_messages(self):
        tenant = self.env['sms.gateway.tenant'].with_user(self.admin).create({'name': 'other'})
        action = tenant.action_rotate_app_key()
        self.assertTrue(tenant.has_app_key)
        self.assertNotIn(tenant.sudo().app_key_hash, str(action))
        tenant.action_revoke_app_key()
        self.assertFalse(tenant.has_app_key)
        self.assertEqual(self.message.with_user(self.admin).error_message, 'Invalid number')
        with self.assertRaises(AccessError):
            self.message.with_user(self.admin).write({'internal_id': '2'})
        with self.assertRaises(AccessError):
            self.env['sms.gateway.tenant.message'].with_user(self.admin).create({
                'tenant_id': tenant.id, 'internal_id': '3', 'mobile_number': '12'})

    def test_tenants_of_another_company_are_hidden(self):
        other_company = self.env['res.company'].create({'name': 'Other Microfinance'})
        hidden = self.env['sms.gateway.tenant'].create({'name': 'hidden', 'company_id': other_company.id})
        visible = self.env['sms.gateway.tenant'].with_user(self.admin).search([])
        self.assertIn(self.tenant, visible)
        self.assertNotIn(hidden, visible)

    def test_views_load(self):
        for model in ('sms.gateway.tenant', 'sms.gateway.tenant.message'):
            views = self.env[model].with_user(self.admin).get_views([(False, 'list'), (False, 'form')])
            self.assertTrue(views['views']['list']['arch'])

    def test_messages_forgotten_with_the_outbound_log(self):
        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.outbound_retention_days', 30)
        recent = self.env['sms.gateway.tenant.message'].create({
            'tenant_id': self.tenant.id, 'internal_id': '2', 'mobile_number': '12', 'error_message': 'Invalid number'})
        self.env.cr.execute("UPDATE sms_gateway_tenant_message SET create_date = now() - interval '31 days' "
                            "WHERE id = %s", [self.message.id])
        self.env.invalidate_all()
        self.env['sms.gateway.tenant.message']._gc_tenant_messages()
        self.assertFalse(self.message.exists())
        self.assertTrue(recent.exists())
