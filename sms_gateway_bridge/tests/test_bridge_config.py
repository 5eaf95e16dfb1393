from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import TWILIO_SID, BridgeCase


@tagged('post_install', '-at_install')
class TestBridgeConfig(BridgeCase):

    def test_sender_formats(self):
        for sender in ('+14155550100', 'MyShop', 'Shop 24', 'MG' + 'ab' * 16):
            self._bridge('twilio', sender=sender)
        for provider, sender in (('twilio', '0475123456'), ('twilio', 'Way too long sender'), ('twilio', '12345'),
                                 ('infobip', 'MG' + 'ab' * 16), ('simulator', 'Shop!')):
            with self.subTest(provider=provider, sender=sender), self.assertRaisesRegex(ValidationError, 'sender'):
                self._bridge(provider, sender=sender)

    def test_missing_credentials(self):
        with self.assertRaisesRegex(ValidationError, 'Auth Token, or API Key SID and API Key Secret'):
            self._bridge('twilio', twilio_auth_token=False)
        with self.assertRaisesRegex(ValidationError, 'Account SID'):
            self._bridge('twilio', twilio_account_sid=False)
        with self.assertRaisesRegex(ValidationError, 'API Key'):
            self._bridge('infobip', infobip_api_key=False)
        with self.assertRaisesRegex(ValidationError, 'Base URL'):
            self._bridge('infobip', base_url=False)
        api_key = {'twilio_auth_token': False, 'twilio_api_key_sid': 'SK' + 'cd' * 16, 'twilio_api_key_secret': 'secret'}
        self._bridge('twilio', **api_key)
        with self.assertRaisesRegex(ValidationError, 'Twilio signs its webhooks with the account.s Auth Token'):
            self._bridge('twilio', delivery_report_mode='both', **api_key)

    def test_malformed_credentials(self):
        with self.assertRaisesRegex(ValidationError, "'AC' followed by 32 hexadecimal"):
            self._bridge('twilio', twilio_account_sid='AC123')
        with self.assertRaisesRegex(ValidationError, "'SK' followed by 32 hexadecimal"):
            self._bridge('twilio', twilio_api_key_sid='KS123', twilio_api_key_secret='secret')
        with self.assertRaisesRegex(ValidationError, 'https://'):
            self._bridge('infobip', base_url='xyz.api.infobip.com/ with spaces')

    def test_destination_prefixes_are_digits(self):
        bridge = self._bridge('simulator', destination_prefixes='32, +4478 ,33')
        self.assertEqual(bridge._prefix_list(), ['32', '4478', '33'])
        with self.assertRaisesRegex(ValidationError, "'3a2'"):
            bridge.destination_prefixes = '3a2'

    def test_fallback_may_not_loop(self):
        first, second, third = (self._bridge('simulator', name=name) for name in ('First', 'Second', 'Third'))
        first.fallback_bridge_id = second
        second.fallback_bridge_id = third
        with self.assertRaisesRegex(ValidationError, 'may not loop'):
            third.fallback_bridge_id = first
        with self.assertRaises(ValidationError):
            first.fallback_bridge_id = first

    def test_one_default_per_company(self):
        self._bridge('simulator', is_company_default=True)
        with self.assertRaises(IntegrityError), self.cr.savepoint(), mute_logger('odoo.sql_db'):
            self._bridge('simulator', is_company_default=True)
        other_company = self.env['res.company'].create({'name': 'Other company'})
        self._bridge('simulator', is_company_default=True, company_id=other_company.id)

    def test_credentials_only_for_administrators(self):
        bridge = self._bridge('twilio')
        marketer = new_test_user(self.env, 'marketer', groups='base.group_user,base.group_partner_manager')
        with self.assertRaises(AccessError):
            bridge.with_user(marketer).read(['name'])
        self.assertNotIn('twilio_auth_token', self.env['sms.gateway.bridge'].with_user(marketer).fields_get())
        admin = new_test_user(self.env, 'sms_admin', groups='base.group_user,base.group_system')
        self.assertEqual(bridge.with_user(admin).twilio_auth_token, 'twilio-auth-token')

    def test_test_connection(self):
        twilio = self._bridge('twilio')
        notification = twilio.action_test_connection()['params']
        self.assertEqual(notification['type'], 'success')
        self.assertIn(TWILIO_SID, notification['message'])

        twilio.twilio_auth_token = 'wrong'
        notification = twilio.action_test_connection()['params']
        self.assertEqual(notification['type'], 'danger')
        self.assertIn('20003', notification['message'])
        self.assertIn("Check the bridge's Account SID and Auth Token", notification['message'])

        infobip = self._bridge('infobip')
        notification = infobip.action_test_connection()['params']
        self.assertEqual(notification['type'], 'success')
        self.assertIn('100.0 EUR', notification['message'])
        infobip.infobip_api_key = 'wrong'
        notification = infobip.action_test_connection()['params']
        self.assertEqual(notification['type'], 'danger')
        self.assertIn('Infobip refused the API key', notification['message'])

        self.assertTrue(self.twilio.requests and self.infobip.requests, 'Test connection makes real calls')

    def test_webhook_urls_and_rotation(self):
        bridge = self._bridge('infobip', delivery_report_mode='both')
        token = bridge.webhook_token
        self.assertGreaterEqual(len(token), 40)
        self.assertTrue(bridge.status_webhook_url.endswith('/sms_gateway_bridge/%d/%s/status' % (bridge.id, token)))
        bridge.action_rotate_webhook_token()
        self.assertNotEqual(bridge.webhook_token, token)
        self.assertIn(bridge.webhook_token, bridge.inbound_webhook_url)
        self.assertNotEqual(self._bridge('infobip').webhook_token, bridge.webhook_token)

    def test_delivery_reports_stay_in_their_company(self):
        other_company = self.env['res.company'].create({'name': 'Other company'})
        ours = self._bridge('simulator')
        theirs = self._bridge('simulator', company_id=other_company.id)
        reports = self.env['sms.delivery.report'].create([
            {'bridge_id': bridge.id, 'provider_message_id': 'SIM-D-%d' % bridge.id, 'state': 'delivered'}
            for bridge in ours | theirs])
        admin = new_test_user(self.env, 'one_company_admin', groups='base.group_user,base.group_system',
                              company_id=self.env.company.id, company_ids=self.env.company.ids)
        self.assertEqual(self.env['sms.delivery.report'].with_user(admin).search([('id', 'in', reports.ids)]),
                         reports.filtered(lambda report: report.bridge_id == ours))
