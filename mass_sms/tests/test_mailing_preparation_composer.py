import re
from collections import Counter

from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common import MassSmsMixin

# what differs between two mailings by design: each trace's opt-out code, each SMS's id, each mailing's links
CODES = [(re.compile(r'/so/[\w-]{16}'), '/so/CODE'), (re.compile(r'/r/\w+/s/\d+'), '/r/LINK/s/ID')]


@tagged('post_install', '-at_install')
class TestPreparationAsOdoosComposer(MassSmsMixin, TransactionCase):
    """The batched preparation gives a mailing the SMS, traces and logs that Odoo's SMS composer
    gives it, on the same recipients: the two are run side by side and compared."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param('mass_sms.preparation_batch_size', 3)

    def setUp(self):
        super().setUp()
        self._bridge('infobip')

    def _mailings(self, phones, body='Spring sale: {{ object.name }}', **values):
        """Two mailings to the same contacts: one for Odoo's composer, one for the batches."""
        odoo_mailing = self._mailing(phones, body=body, **values)
        ours = odoo_mailing.copy({'contact_list_ids': [Command.set(odoo_mailing.contact_list_ids.ids)], **values})
        return odoo_mailing, ours

    def _assert_same(self, odoo_mailing, ours):
        contacts = odoo_mailing.contact_list_ids.contact_ids.sorted('id')
        self.env['sms.composer'].with_context(active_id=False).create(
            odoo_mailing._send_sms_get_composer_values(contacts.ids))._action_send_sms()
        ours.action_send_sms()
        result = self._results(ours)
        self.assertEqual(result, self._results(odoo_mailing))
        return result

    def _results(self, mailing):
        def normalized(body):
            for pattern, replacement in CODES:
                body = pattern.sub(replacement, body or '')
            return body
        self.env.invalidate_all()  # an SMS's traces point to it by an integer the ORM does not follow
        traces = self._traces(mailing).sorted('res_id')
        sms = self.env['sms.sms'].search([('mailing_id', '=', mailing.id)])
        messages = sms.mail_message_id
        return {
            'traces': [(trace.res_id, trace.trace_status, trace.failure_type or False, trace.sms_number,
                        len(trace.sms_tracker_ids)) for trace in traces],
            'sms': sorted((s.number, s.state, s.partner_id.id, normalized(s.body), s.gateway_bridge_id.id,
                           s.mailing_trace_ids.res_id, s.uuid == s.mailing_trace_ids.sms_tracker_ids.sms_uuid,
                           bool(s.mail_message_id)) for s in sms),
            'messages': sorted((message.res_id, normalized(message.body)) for message in messages),
        }

    def test_duplicate_blacklisted_invalid_and_missing_numbers(self):
        self.env['phone.blacklist'].sudo()._add(['+32470000904'])
        result = self._assert_same(*self._mailings([
            '+32470000901', '+32470000902', '+32470000901', '+32470000904', 'not a number', '',
            '+32470000902', '+32470000905'], sms_allow_unsubscribe=False))
        self.assertEqual(Counter(failure for _res_id, _status, failure, _number, _trackers in result['traces']), {
            False: 3, 'sms_duplicate': 2, 'sms_blacklist': 1, 'sms_number_format': 1, 'sms_number_missing': 1})

    def test_opted_out_contact(self):
        odoo_mailing, ours = self._mailings(['+32470000911', '+32470000912'])
        odoo_mailing.contact_list_ids.subscription_ids.sorted('id')[:1].opt_out = True
        self._assert_same(odoo_mailing, ours)
        self.assertEqual(self._traces(ours).mapped('failure_type').count('sms_optout'), 1)

    def test_opt_out_link_and_tracked_link(self):
        odoo_mailing, ours = self._mailings(['+3247000092%s' % index for index in range(5)], sms_allow_unsubscribe=True,
                                            body='Sale on https://example.com/sale for {{ object.name }}')
        result = self._assert_same(odoo_mailing, ours)
        self.assertTrue(all('/so/CODE' in body and '/r/LINK/s/ID' in body for _n, _s, _p, body, *_rest in result['sms']))
        for sms in self.env['sms.sms'].search([('mailing_id', '=', ours.id)]):
            self.assertIn('/so/%s' % sms.mailing_trace_ids.sms_code, sms.body)
            self.assertRegex(sms.body, r'/r/\w+/s/%d\b' % sms.id)
        self.assertEqual(len(self.env['link.tracker'].search([('mass_mailing_id', '=', ours.id)])), 1)

    def test_keep_archives_on_and_off(self):
        phones = ['+3247000093%s' % index for index in range(4)] + ['+32470000930']
        kept = self._assert_same(*self._mailings(phones, keep_archives=True, sms_allow_unsubscribe=True))
        self.assertEqual(len(kept['messages']), 4)
        not_kept = self._assert_same(*self._mailings(phones, keep_archives=False))
        self.assertEqual(not_kept['messages'], [])

    def test_mailing_gateway(self):
        bridge = self._bridge('twilio')
        result = self._assert_same(*self._mailings(['+32470000941', '+32470000942'], sms_gateway_bridge_id=bridge.id))
        self.assertEqual({line[4] for line in result['sms']}, {bridge.id})
