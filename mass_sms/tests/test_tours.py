import re

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMarketerTour(MassSmsMixin, HttpCase):

    def test_marketer_creates_tests_sends_and_reads_metrics(self):
        self._bridge('twilio', report_poll_delay=0, sms_price_per_segment=0.05)
        self.env['mailing.list'].create({'name': 'Tour Customers', 'contact_ids': [
            Command.create({'name': 'Ann Tour', 'mobile': '+32470009000'}),
            Command.create({'name': 'Bob Tour', 'mobile': '+32470009001'}),
        ]})
        self.start_tour('/odoo', 'mass_sms_marketer_send', login='admin')

        mailing = self.env['mailing.mailing'].search([('subject', '=', 'Tour Spring Sale')])
        self.assertEqual(self._sent_to(self.twilio), ['+32470009999'], 'the test SMS, once')
        self.assertEqual(mailing.state, 'in_queue')
        # what the mailing queue job does with it (the job commits, which a test cannot)
        mailing.state = 'sending'
        mailing._action_send_mail()
        self.env['sms.sms']._process_queue()
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        self.assertEqual(sorted(self._sent_to(self.twilio)), ['+32470009000', '+32470009001', '+32470009999'])
        self.assertEqual((mailing.sms_sent, mailing.sms_delivered), (2, 2))

        self.start_tour('/odoo', 'mass_sms_marketer_metrics', login='admin')


@tagged('post_install', '-at_install')
class TestCustomerOptOutTour(MassSmsMixin, HttpCase):
    browser_size = '390x844'

    def test_customer_unsubscribes_in_one_tap_and_comes_back(self):
        self._bridge('twilio')
        mailing = self._mailing(['+32470009101'], sms_allow_unsubscribe=True)
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()
        code = re.search(r'/so/([\w-]+)$', self.twilio.messages[0]['body']).group(1)
        subscription = mailing.contact_list_ids.subscription_ids

        self.start_tour('/so/%s' % code, 'mass_sms_optout')

        self.assertFalse(subscription.opt_out)
        self.assertEqual(self.env['sms.consent.entry'].search(
            [('number', '=', '+32470009101'), ('channel', '=', 'link')], order='id').mapped('consent'),
            ['opt_out', 'opt_in'])


@tagged('post_install', '-at_install')
class TestBroadcastTour(MassSmsMixin, HttpCase):

    def test_marketer_sends_a_pending_broadcast(self):
        self._bridge('twilio')
        source = self.env['sms.broadcast.source'].create({'name': 'Tour uploads', 'protocol': 'upload'})
        broadcast, _imported = source._import_file(
            'tour.csv', b'Phone,Message,Campaign Name\n+32470009201,Hello from the tour,Tour Broadcast\n')
        self.assertEqual(broadcast.status, 'pending')

        self.start_tour('/odoo', 'mass_sms_broadcast_send', login='admin')

        self.assertEqual((broadcast.status, broadcast.mailing_id.state), ('sending', 'in_queue'))
        broadcast.mailing_id.state = 'sending'
        broadcast.mailing_id._action_send_mail()
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.twilio), ['+32470009201'])
