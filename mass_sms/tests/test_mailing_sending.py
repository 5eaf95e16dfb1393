from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingSending(MassSmsMixin, TransactionCase):

    def test_mailing_reaches_each_contact_once_through_its_bridge(self):
        twilio = self._bridge('twilio', destination_prefixes='1')
        infobip = self._bridge('infobip', is_company_default=True)
        mailing = self._mailing(['+32470000701', '+32470000702', '+14155550703'], sms_allow_unsubscribe=False)

        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.env['sms.sms']._process_queue()

        self.assertEqual(self._sent_to(self.twilio), ['+14155550703'])
        self.assertEqual(sorted(self._sent_to(self.infobip)), ['+32470000701', '+32470000702'])
        self.assertEqual(sorted(self.infobip.messages, key=lambda m: m['to'])[0]['text'], 'Spring sale: Contact 0701')
        outbound = self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)])
        self.assertEqual(len(outbound), 3)
        self.assertEqual(set(outbound.mapped('origin')), {'mailing'})
        self.assertEqual(outbound.bridge_id, twilio | infobip)
        self.assertEqual(set(self._traces(mailing).mapped('trace_status')), {'pending'})

    def test_test_wizard_sends_each_test_sms_once(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470000711'], sms_allow_unsubscribe=True)
        wizard = self.env['mailing.sms.test'].create({
            'mailing_id': mailing.id, 'numbers': '+32470000712\n+15005550001\nnot a number'})

        wizard.action_send_sms()

        self.assertEqual(self._sent_to(self.twilio), ['+32470000712'])
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.twilio), ['+32470000712'], 'the queue job never sends a test SMS again')
        log = mailing.message_ids[0].body
        self.assertIn('Test SMS successfully sent to +32470000712', log)
        self.assertIn('Test SMS could not be sent to +15005550001', log)
        self.assertIn('Twilio error 21211', log)
        self.assertIn('not a number', log)
        self.assertRegex(self.twilio.messages[0]['body'], r'/so/[\w-]{16}$', 'the opt-out link is tested too')

    def test_test_sms_once_when_the_company_also_uses_odoo_sms_twilio(self):
        """Odoo's sms_twilio, installed beside us, gives companies set to Twilio its own SMS API: a
        test SMS must still leave once, through the bridge, and never again through the queue."""
        self.env.company.write({'sms_provider': 'twilio', 'sms_twilio_account_sid': 'AC' + '1' * 32,
                                'sms_twilio_auth_token': 'odoo-twilio-token'})
        self._bridge('infobip')
        mailing = self._mailing(['+32470000741'])
        wizard = self.env['mailing.sms.test'].create({'mailing_id': mailing.id, 'numbers': '+32470000742'})

        wizard.action_send_sms()
        self.assertEqual(self._sent_to(self.infobip), ['+32470000742'], 'sent at once, through the bridge')
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.infobip), ['+32470000742'], 'and never again by the queue')

    def test_no_iap_banners_for_gateway_failures(self):
        self._bridge('twilio', twilio_auth_token='revoked')
        mailing = self._mailing(['+32470000721'])
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._traces(mailing).failure_type, 'sms_acc')
        self.assertFalse(mailing.sms_has_unregistered_account)
        self.assertFalse(mailing.sms_has_insufficient_credit)

    def test_mailing_of_another_company_leaves_through_its_bridges(self):
        """The mass-mailing job runs as OdooBot in the main company: a mailing of another company
        still goes through that company's bridges."""
        other_company = self.env['res.company'].create(
            {'name': 'Other company', 'sms_window_start': 0, 'sms_window_end': 24})
        self._bridge('twilio')
        theirs = self._bridge('infobip', company_id=other_company.id)
        marketer = new_test_user(self.env, 'other_marketer', groups='base.group_user,mass_mailing.group_mass_mailing_user',
                                 company_id=other_company.id, company_ids=other_company.ids)
        mailing = self._mailing(['+32470000731'], user_id=marketer.id)

        mailing.with_user(self.env.ref('base.user_root'))._action_send_mail()
        self.env['sms.sms']._process_queue()

        self.assertEqual(self._sent_to(self.infobip), ['+32470000731'])
        self.assertFalse(self.twilio.messages)
        self.assertEqual(self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)]).bridge_id, theirs)
