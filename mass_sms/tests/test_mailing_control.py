from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import MassSmsMixin


@tagged('post_install', '-at_install')
class TestMailingControl(MassSmsMixin, TransactionCase):
    """Progress, pause, resume and cancel of an SMS mailing, and its gradual sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param('mass_sms.preparation_batch_size', 2)

    def setUp(self):
        super().setUp()
        self._bridge('infobip')

    def _sending(self, count, **values):
        mailing = self._mailing(['+3247000095%s' % index for index in range(count)], sms_allow_unsubscribe=False,
                                state='sending', **values)
        mailing._sms_prepare_batch()  # the first 2 recipients
        return mailing

    def _mark_done(self, mailing):
        """What the mailing queue job does to a mailing with no recipient left to prepare."""
        mailing.write({'state': 'done', 'sent_date': fields.Datetime.now(), 'kpi_mail_required': True})

    def _queued(self, mailing):
        return self.env['sms.sms'].search([('mailing_id', '=', mailing.id), ('state', '=', 'outgoing')])

    def test_progress(self):
        mailing = self._sending(5)
        self.assertEqual((mailing.sms_progress_prepared, mailing.sms_progress_queued, mailing.sms_progress_sent,
                          mailing.sms_progress_remaining, mailing.sms_progress), (2, 2, 0, 5, 0.0))

        self.env['sms.sms']._process_queue()
        mailing.invalidate_recordset()
        self.assertEqual((mailing.sms_progress_sent, mailing.sms_progress_remaining, mailing.sms_progress), (2, 3, 40.0))
        self.assertGreater(mailing.sms_estimated_end, fields.Datetime.now() - timedelta(seconds=1))

    def test_pause_stops_preparing_and_handing_sms_to_gateways(self):
        mailing = self._sending(5)
        mailing.action_pause_sms()
        self.assertTrue(mailing.sms_paused)

        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()

        self.assertEqual(self.infobip.messages, [])
        self.assertEqual(len(self._traces(mailing)), 2, "no further batch is prepared")
        self.assertFalse(self.env['sms.sms'].search_count(self.env['sms.sms']._queued_domain() + [
            ('mailing_id', '=', mailing.id)]), "a paused mailing's SMS do not count as queued")
        mailing.sms_prepared_last_id = mailing.contact_list_ids.contact_ids.sorted('id')[-1].id
        self._mark_done(mailing)
        self.assertEqual(mailing.state, 'sending', "a paused mailing with queued SMS is not sent")
        mailing.sms_prepared_last_id = 0

        mailing.action_resume_sms()
        mailing.action_send_sms()
        self.env['sms.sms']._process_queue()

        self.assertEqual(sorted(self._sent_to(self.infobip)), ['+3247000095%s' % index for index in range(5)])
        self.assertEqual(mailing.state, 'done')

    def test_cancel(self):
        mailing = self._sending(5)
        self.env['sms.sms']._process_queue()  # the first 2 are sent
        mailing._sms_prepare_batch()  # 2 more queued, 1 not prepared

        mailing.action_cancel_sms()
        self.env['sms.sms']._process_queue()
        mailing.action_send_sms()

        self.assertEqual(len(self.infobip.messages), 2)
        self.assertEqual((mailing.state, mailing.sms_canceled), ('done', True))
        traces = self._traces(mailing)
        self.assertEqual(sorted(traces.mapped('failure_type'), key=str), [False, False, 'sms_mailing_canceled',
                                                                         'sms_mailing_canceled'])
        self.assertEqual(set(self.env['sms.sms'].search([('mailing_id', '=', mailing.id), ('id', 'in', traces.mapped(
            'sms_id_int'))]).filtered(lambda sms: sms.state not in ('sent', 'pending')).mapped('state')), {'canceled'})
        self.assertEqual(mailing.sms_progress_remaining, 0)

    def test_not_done_while_recipients_or_sms_remain(self):
        mailing = self._sending(3)
        self.env['sms.sms']._process_queue()
        self.assertEqual(mailing.state, 'sending', "Odoo's trackers find no SMS with a gateway, but 1 recipient is left")

        mailing.action_send_sms()
        self._mark_done(mailing)
        self.assertEqual(mailing.state, 'sending', "an SMS is still queued")

        self.env['sms.sms']._process_queue()
        self.assertEqual(mailing.state, 'done', "Odoo's trackers mark it sent once the last SMS has left")

    @freeze_time('2026-03-02 10:00:00')
    def test_gradual_sending_spreads_the_sms(self):
        mailing = self._sending(5, sms_max_per_minute=30)
        mailing.action_send_sms()

        times = self._queued(mailing).sorted('id').mapped('send_after')
        start = fields.Datetime.now()
        self.assertEqual(times, [start + timedelta(seconds=2 * index) for index in range(5)])
        self.assertEqual(mailing.sms_estimated_end, start + timedelta(seconds=10))

        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.infobip), ['+32470000950'])

    def test_resume_spreads_the_queued_sms_from_now(self):
        with freeze_time('2026-03-02 10:00:00'):
            mailing = self._sending(3, sms_max_per_minute=60)
            mailing.action_pause_sms()
        with freeze_time('2026-03-02 11:00:00'):
            mailing.action_resume_sms()
            self.assertEqual(self._queued(mailing).sorted('id').mapped('send_after'),
                             [fields.Datetime.now(), fields.Datetime.now() + timedelta(seconds=1)])
