import math
import re

from odoo.tests import HttpCase, tagged

from ..models.mailing_trace import OPTOUT_CODE_BYTES
from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestOptOut(MassSmsMixin, HttpCase):

    def _send(self, mailing):
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        return {message['to']: re.search(r'/so/([\w-]+)$', message['body']).group(1) for message in self.twilio.messages}

    def _tap(self, code, action):
        page = self.url_open('/so/%s' % code)
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open('/so/%s/%s' % (code, action), data={'csrf_token': token})
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        return response

    def _ledger(self, number):
        return self.env['sms.consent.entry'].search([('number', '=', number)], order='id')

    def test_link_is_short_and_unguessable(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470001001', '+32470001002'], sms_allow_unsubscribe=True)
        codes = self._send(mailing)
        self.assertGreaterEqual(OPTOUT_CODE_BYTES * 8, 64)
        for code in codes.values():
            self.assertEqual(len(code), 16)
            self.assertGreaterEqual(len(code) * math.log2(64), 96, '16 URL-safe characters: 96 random bits')
        self.assertEqual(len(set(codes.values())), 2, 'one link per recipient')
        self.assertEqual(self.url_open('/so/%s' % ('A' * 16)).status_code, 404)
        self.assertEqual(self.url_open('/so/abc').status_code, 404)

    def test_one_tap_unsubscribe_from_the_lists_and_back(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470001011', '+32470001012'], sms_allow_unsubscribe=True)
        code = self._send(mailing)['+32470001011']
        subscription = mailing.contact_list_ids.subscription_ids.filtered(
            lambda sub: sub.contact_id.phone_sanitized == '+32470001011')

        page = self.url_open('/so/%s' % code)
        self.assertIn('YourCompany', page.text)
        company = self.env.company
        self.assertEqual('company_logo' in page.text, not company.uses_default_logo,
                         'the company\'s logo, never the "Your logo" placeholder')
        company.logo = False
        self.env.flush_all()
        self.assertNotIn('company_logo', self.url_open('/so/%s' % code).text)
        self.assertIn('Customers', page.text)
        self.assertIn('1011', page.text)
        self.assertIn('Unsubscribe', page.text)
        self.assertFalse(subscription.opt_out, 'opening the link changes nothing')

        self.assertIn('You are unsubscribed', self._tap(code, 'unsubscribe').text)
        self.assertTrue(subscription.opt_out)
        self.assertFalse(self.env['phone.blacklist'].search([('number', '=', '+32470001011')]),
                         'a mailing to lists opts out of its lists, it does not blacklist')
        self._tap(code, 'unsubscribe')
        entries = self._ledger('+32470001011')
        self.assertEqual(entries.mapped('consent'), ['opt_in', 'opt_out'], 'idempotent: one opt-out entry')
        self.assertEqual((entries[1].channel, entries[1].mailing_id), ('link', mailing))

        self.assertIn('Welcome back', self._tap(code, 'resubscribe').text)
        self.assertFalse(subscription.opt_out)
        self.assertEqual(self._ledger('+32470001011').mapped('consent'), ['opt_in', 'opt_out', 'opt_in'])
        other = mailing.contact_list_ids.subscription_ids - subscription
        self.assertFalse(other.opt_out)

    def test_mailing_without_lists_blacklists_the_number(self):
        self._bridge('twilio')
        partner = self._partner('+32470001021', lang='en_US')
        mailing = self._mailing([], sms_allow_unsubscribe=True)
        mailing.write({'mailing_model_id': self.env['ir.model']._get_id('res.partner'), 'contact_list_ids': False,
                       'mailing_domain': [('id', '=', partner.id)]})
        code = self._send(mailing)['+32470001021']
        self._tap(code, 'unsubscribe')
        self.assertTrue(self.env['phone.blacklist'].search([('number', '=', '+32470001021')]))
        self._tap(code, 'resubscribe')
        self.assertFalse(self.env['phone.blacklist'].search([('number', '=', '+32470001021')]))
        self.assertEqual(self._ledger('+32470001021').mapped('channel'), ['link', 'link'])

    def test_test_sms_link_changes_nothing(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470001031'], sms_allow_unsubscribe=True)
        self.env['mailing.sms.test'].create({'mailing_id': mailing.id, 'numbers': '+32470001031'}).action_send_sms()
        code = re.search(r'/so/([\w-]+)$', self.twilio.messages[0]['body']).group(1)
        response = self._tap(code, 'unsubscribe')
        self.assertIn('test SMS', response.text)
        self.assertFalse(mailing.contact_list_ids.subscription_ids.opt_out)
        self.assertFalse(self._ledger('+32470001031').filtered(lambda entry: entry.consent == 'opt_out'))

    def test_old_links_keep_working(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470001041'], sms_allow_unsubscribe=True)
        self._send(mailing)
        trace = self._traces(mailing)
        response = self.url_open('/sms/%s/%s' % (mailing.id, trace.sms_code))
        self.assertEqual(response.status_code, 200)
