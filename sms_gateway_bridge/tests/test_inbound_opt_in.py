"""START, YES and UNSTOP lift only the opt-out that a STOP reply made."""
import logging

from odoo.tests import tagged

from ..providers import InboundMessage
from .common import BridgeCase

BRIDGE_LOGGER = 'odoo.addons.sms_gateway_bridge.models.sms_gateway_bridge'


@tagged('post_install', '-at_install')
class TestInboundOptIn(BridgeCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blacklist = cls.env['phone.blacklist']

    def setUp(self):
        super().setUp()
        self.bridge = self._bridge('infobip')

    def _reply(self, number, text):
        self.bridge._receive_inbound([InboundMessage(number, text)])

    def _entry(self, number):
        return self.blacklist.with_context(active_test=False).search([('number', '=', number)])

    def test_start_lifts_a_stop_reply(self):
        for index, opt_in in enumerate(('START', 'yes', ' Unstop ')):
            number = '+3247000080%d' % index
            with self.subTest(opt_in=opt_in):
                self._reply(number, 'STOP')
                self.assertTrue(self._entry(number).active and self._entry(number).opted_out_by_sms_reply)
                self._reply(number, opt_in)
                self.assertFalse(self._entry(number).active)

    def test_start_never_lifts_anyone_elses_opt_out(self):
        ways = {
            'administrator': lambda number: self.blacklist.create({'number': number}),
            'mailing link or provider error': lambda number: self.blacklist.add(number),
            'import': lambda number: self.blacklist.create([{'number': number}]),
        }
        for index, (way, blacklist) in enumerate(ways.items()):
            number = '+3247000081%d' % index
            with self.subTest(way=way):
                blacklist(number)
                with self.assertLogs(BRIDGE_LOGGER, logging.INFO):
                    self._reply(number, 'START')
                entry = self._entry(number)
                self.assertTrue(entry.active)
                self.assertFalse(entry.opted_out_by_sms_reply)
                self.assertIn('was not made by an SMS reply', entry.message_ids[0].body)

    def test_stop_does_not_take_over_an_existing_opt_out(self):
        number = '+32470000820'
        self.blacklist.add(number)
        self._reply(number, 'STOP')
        self.assertFalse(self._entry(number).opted_out_by_sms_reply)
        with self.assertLogs(BRIDGE_LOGGER, logging.INFO):
            self._reply(number, 'START')
        self.assertTrue(self._entry(number).active)

    def test_blacklisting_again_after_a_stop_reply_makes_it_someone_elses(self):
        still_out, lifted_then_out = '+32470000830', '+32470000831'
        self._reply(still_out, 'STOP')
        self.blacklist.add(still_out)  # e.g. the provider refused a send: error 21610
        self._reply(lifted_then_out, 'STOP')
        self._reply(lifted_then_out, 'START')
        self._entry(lifted_then_out).action_add()  # an administrator blacklists it again
        for number in (still_out, lifted_then_out):
            with self.subTest(number=number):
                self.assertFalse(self._entry(number).opted_out_by_sms_reply)
                with self.assertLogs(BRIDGE_LOGGER, logging.INFO):
                    self._reply(number, 'START')
                self.assertTrue(self._entry(number).active)

    def test_stop_reactivates_a_lifted_opt_out_as_its_own(self):
        number = '+32470000840'
        self.blacklist.add(number)
        self._entry(number).action_archive()  # an administrator lifted it
        self._reply(number, 'STOP')
        self.assertTrue(self._entry(number).active and self._entry(number).opted_out_by_sms_reply)
        self._reply(number, 'START')
        self.assertFalse(self._entry(number).active)
