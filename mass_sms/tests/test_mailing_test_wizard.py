from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingTestWizard(MassSmsMixin, TransactionCase):

    def test_defaults_to_the_current_user(self):
        mailing = self._mailing(['+32470000901'])
        marketer = new_test_user(self.env, 'sms_tester', groups='base.group_user,mass_mailing.group_mass_mailing_user',
                                 name='Marie Tester')
        marketer.partner_id.phone = '+32 456 00 11 22'
        wizard = self.env['mailing.sms.test'].with_user(marketer).create({'mailing_id': mailing.id})
        self.assertEqual(wizard.numbers, 'Marie Tester, +32 456 00 11 22')

        marketer.partner_id.phone = False
        wizard = self.env['mailing.sms.test'].with_user(marketer).new({'mailing_id': mailing.id})
        self.assertFalse(wizard.numbers, 'without a number, the placeholder (123)-456-7890 shows')
        arch = self.env['mailing.sms.test'].get_view(view_type='form')['arch']
        self.assertIn('placeholder="(123)-456-7890"', arch)
        self.assertIn('string="Send Sample SMS"', arch)

    def test_test_sms_sent_once_leaves_the_mailing_in_draft(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470000911', '+32470000912'], body='Hi {{ object.name }}',
                                sms_allow_unsubscribe=True)
        wizard = self.env['mailing.sms.test'].create({
            'mailing_id': mailing.id, 'numbers': 'Marie, +32 470 00 09 99\n+32470000998'})
        wizard.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.env['sms.sms']._process_queue()

        self.assertEqual(sorted(self._sent_to(self.twilio)), ['+32470000998', '+32470000999'],
                         'each test SMS is sent exactly once, "Name, number" lines included')
        self.assertTrue(self.twilio.messages[0]['body'].startswith('Hi Contact 0911\n'),
                        "the test is rendered for the mailing's first recipient")
        self.assertRegex(self.twilio.messages[0]['body'], r'/so/[\w-]{16}$')
        mailing.invalidate_recordset()
        self.assertEqual(mailing.state, 'draft')
        self.assertFalse(self._traces(mailing), 'a test leaves no trace on the mailing')
        self.assertEqual((mailing.sms_total, mailing.sms_sent, mailing.sent), (0, 0, 0), 'a test is never counted')
        outbound = self.env['sms.outbound.message'].search([('mailing_id', '=', mailing.id)])
        self.assertEqual(set(outbound.mapped('origin')), {'mailing_test'})
        self.assertEqual(len(outbound), 2)

        # the real sending still reaches every recipient, the test changed nothing
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        self.assertEqual(len(self.twilio.messages), 4)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.sms_total, 2)
