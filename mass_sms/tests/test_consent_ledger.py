from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.sms_gateway_bridge.providers import InboundMessage

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestConsentLedger(MassSmsMixin, TransactionCase):

    def _entries(self, number):
        return self.env['sms.consent.entry'].search([('number', '=', number)], order='id')

    def test_every_channel_is_recorded(self):
        bridge = self._bridge('twilio')
        marketer = new_test_user(self.env, 'ledger_marketer', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        # manual: the blacklist's buttons
        admin = self.env.ref('base.user_admin')
        self.env['phone.blacklist'].with_user(admin).new({'number': '+32470002001'}).action_add()
        entry = self._entries('+32470002001')
        self.assertEqual((entry.consent, entry.channel, entry.user_id), ('opt_out', 'manual', admin))
        # reply: STOP and START to a gateway
        bridge._receive_inbound([InboundMessage('+32470002002', 'STOP')])
        bridge._receive_inbound([InboundMessage('+32470002002', 'START')])
        self.assertEqual([(e.consent, e.channel) for e in self._entries('+32470002002')],
                         [('opt_out', 'reply'), ('opt_in', 'reply')])
        # list subscription, then an opt-out by hand
        mailing_list = self.env['mailing.list'].create({'name': 'VIP'})
        contact = self.env['mailing.contact'].create({
            'name': 'Ann', 'mobile': '+32470002003', 'subscription_ids': [Command.create({'list_id': mailing_list.id})]})
        contact.subscription_ids.with_user(marketer).opt_out = True
        self.assertEqual([(e.consent, e.channel) for e in self._entries('+32470002003')],
                         [('opt_in', 'list'), ('opt_out', 'list')])
        self.assertEqual(self._entries('+32470002003')[0].mailing_list_ids, mailing_list)
        # import
        self.env['mailing.contact'].with_context(import_file=True).create({
            'name': 'Bob', 'mobile': '+32470002004', 'subscription_ids': [Command.create({'list_id': mailing_list.id})]})
        self.assertEqual(self._entries('+32470002004').channel, 'import')
        # visible from the blacklist record and the contact
        action = self.env['phone.blacklist'].search([('number', '=', '+32470002001')]).action_view_consent_entries()
        self.assertEqual(self.env['sms.consent.entry'].search(action['domain']), self._entries('+32470002001'))
        action = contact.action_view_consent_entries()
        self.assertEqual(self.env['sms.consent.entry'].search(action['domain']), self._entries('+32470002003'))

    def test_ledger_access_per_group(self):
        self.env['phone.blacklist']._add(['+32470002011'])
        entry = self._entries('+32470002011')
        marketer = new_test_user(self.env, 'ledger_reader', groups='base.group_user,mass_mailing.group_mass_mailing_user')
        employee = new_test_user(self.env, 'ledger_employee', groups='base.group_user')
        self.assertEqual(entry.with_user(marketer).read(['number'])[0]['number'], '+32470002011')
        for user in (marketer, self.env.ref('base.user_admin')):
            with self.assertRaises(AccessError):
                entry.with_user(user).write({'consent': 'opt_in'})
            with self.assertRaises(AccessError):
                entry.with_user(user).unlink()
        with self.assertRaises(AccessError):
            entry.with_user(employee).read(['number'])
