from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingPreparation(MassSmsMixin, TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param('mass_sms.preparation_batch_size', 3)

    def _sms(self, mailing):
        return self.env['sms.sms'].search([('mailing_id', '=', mailing.id)])

    def test_batches_give_one_sms_per_distinct_valid_number(self):
        """Duplicates across batches, a blacklisted number, an opted-out contact and a bad number."""
        self._bridge('infobip')
        phones = ['+32470000801', '+32470000802', '+32470000803', '+32470000801', '+32470000804',
                  '+32470000802', 'not a number', '+32470000805', '+32470000806']
        mailing = self._mailing(phones, sms_allow_unsubscribe=False)
        self.env['phone.blacklist'].sudo()._add(['+32470000804'])
        contacts = mailing.contact_list_ids.contact_ids.sorted('id')
        mailing.contact_list_ids.subscription_ids.filtered(lambda sub: sub.contact_id == contacts[7]).opt_out = True

        mailing.action_send_sms()

        self.assertEqual(sorted(self._sms(mailing).mapped('number')),
                         ['+32470000801', '+32470000802', '+32470000803', '+32470000806'])
        traces = self._traces(mailing)
        self.assertEqual(sorted(traces.mapped('res_id')), contacts.ids)
        failures = {trace.res_id: trace.failure_type for trace in traces if trace.trace_status == 'cancel'}
        self.assertEqual(failures, {
            contacts[3].id: 'sms_duplicate', contacts[4].id: 'sms_blacklist', contacts[5].id: 'sms_duplicate',
            contacts[6].id: 'sms_number_format', contacts[7].id: 'sms_optout'})
        self.assertEqual(mailing.sms_prepared_last_id, contacts[-1].id)
        self.assertFalse(mailing._get_remaining_recipients())

    def test_resumes_after_the_last_prepared_batch(self):
        self._bridge('infobip')
        mailing = self._mailing(['+3247000081%s' % index for index in range(7)], sms_allow_unsubscribe=True)
        contacts = mailing.contact_list_ids.contact_ids.sorted('id')

        mailing._sms_prepare_batch()
        self.assertEqual(mailing.sms_prepared_last_id, contacts[2].id)
        self.assertEqual(mailing._get_remaining_recipients(), contacts[3].ids)
        mailing.action_send_sms()

        self.assertEqual(len(self._sms(mailing)), 7)
        self.assertEqual(sorted(self._traces(mailing).mapped('res_id')), contacts.ids)
        sms = self._sms(mailing)[0]
        trace = self._traces(mailing).filtered(lambda trace: trace.sms_number == sms.number)
        self.assertIn('/so/%s' % trace.sms_code, sms.body)

    def test_prepared_recipients_are_skipped_when_read_again(self):
        """Read again from the first recipient (as a retry does), nobody gets a second SMS."""
        self._bridge('infobip')
        mailing = self._mailing(['+3247000082%s' % index for index in range(5)])
        mailing.action_send_sms()
        mailing.sms_prepared_last_id = 0

        mailing.action_send_sms()

        self.assertEqual(len(self._sms(mailing)), 5)
        self.assertEqual(len(self._traces(mailing)), 5)

    def test_one_trace_per_recipient_and_mailing(self):
        self._bridge('infobip')
        mailing = self._mailing(['+32470000831'])
        mailing.action_send_sms()
        trace = self._traces(mailing)

        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env['mailing.trace'].create({
                'mass_mailing_id': mailing.id, 'model': trace.model, 'res_id': trace.res_id, 'trace_type': 'sms',
                'sms_prepared_in_batch': True})

    def test_traces_are_written_as_the_orm_creates_them(self):
        """Batches insert traces and trackers with SQL: each column reads as if the ORM had created
        the trace from the same values (its campaign, its defaults, any column added later)."""
        self._bridge('infobip')
        campaign = self.env['utm.campaign'].create({'name': 'Spring'})
        mailing = self._mailing(['+32470000871', 'not a number'], campaign_id=campaign.id)
        mailing.action_send_sms()
        traces = self._traces(mailing)
        self.assertEqual(len(traces.sms_tracker_ids), 2)
        given = ['mass_mailing_id', 'model', 'res_id', 'sms_code', 'sms_number', 'trace_type',
                 'sms_prepared_in_batch', 'sms_id_int', 'trace_status', 'failure_type']
        columns = [name for name, field in traces._fields.items()
                   if field.store and field.column_type and name not in ('id', 'create_date', 'write_date')]
        for trace in traces:
            batched = trace.read(columns, load=None)[0]
            values = {name: batched[name] for name in given}
            trace.unlink()

            created = self.env['mailing.trace'].create(values)

            self.assertEqual(created.read(columns, load=None)[0], dict(batched, id=created.id))
            self.assertEqual(created.campaign_id, campaign)

    def test_archives_are_kept_when_asked(self):
        self._bridge('infobip')
        mailing = self._mailing(['+3247000084%s' % index for index in range(4)], keep_archives=True)

        mailing.action_send_sms()

        messages = self.env['mail.message'].search([
            ('model', '=', 'mailing.contact'), ('res_id', 'in', mailing.contact_list_ids.contact_ids.ids),
            ('message_type', '=', 'sms')])
        self.assertEqual(len(messages), 4)

    def test_ab_tests_keep_odoos_preparation(self):
        self._bridge('infobip')
        mailing = self._mailing(['+3247000085%s' % index for index in range(4)],
                                ab_testing_enabled=True, ab_testing_pc=50)

        mailing.action_send_sms()

        self.assertEqual(len(self._sms(mailing)), 2)
        self.assertFalse(mailing.sms_prepared_last_id)

    def test_links_are_tracked_once_for_every_batch(self):
        self._bridge('infobip')
        mailing = self._mailing(['+3247000086%s' % index for index in range(5)],
                                body='Sale on https://example.com/sale for {{ object.name }}')

        mailing.action_send_sms()

        tracker = self.env['link.tracker'].search([('url', '=', 'https://example.com/sale')])
        self.assertEqual(len(tracker), 1)
        for sms in self._sms(mailing):
            self.assertIn(tracker.short_url, sms.body)
            self.assertNotIn('https://example.com/sale', sms.body)
