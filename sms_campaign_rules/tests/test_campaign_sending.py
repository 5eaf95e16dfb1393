"""Campaigns end to end through the fake providers, and the jobs rerun without a duplicate."""
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import CampaignMixin


@tagged('post_install', '-at_install')
class TestCampaignSending(CampaignMixin, TransactionCase):

    def _deliver(self, bridge):
        bridge.report_poll_delay = 0
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()

    def test_direct_campaign_pending_then_delivered_or_failed(self):
        bridge = self._bridge('twilio')
        self._contacts('+32470000100', '+32470000107')
        campaign = self._campaign(message='Hello {name} from {city}!')
        self.env['res.partner'].search([('phone', '=', '+32470000100')]).city = 'Ghent'

        campaign.action_activate()
        self.assertEqual(self._counts(campaign)['pending'], 2, 'pending as soon as it is activated (seed 001)')
        self.assertEqual(sorted(campaign.message_ids.mapped('body')),
                         ['Hello Contact 100 from Ghent!', 'Hello Contact 107 from !'])

        self._run_jobs()
        self.assertEqual(self._counts(campaign)['waiting'], 2)
        self._deliver(bridge)

        self.assertEqual(self._counts(campaign), {'pending': 0, 'waiting': 0, 'sent': 0, 'delivered': 1, 'failed': 1})
        failed = campaign.message_ids.filtered(lambda m: m.state == 'failed')
        self.assertIn('30003', failed.outbound_ids.error_code)
        self.assertTrue(failed.error_message)
        self.assertEqual(failed.source, 'Contact 107')
        outbound = campaign.message_ids.outbound_ids
        self.assertEqual(set(outbound.mapped('origin')), {'campaign'})
        self.assertEqual(set(outbound.mapped('triggered_by')), {'System'})

    def test_seed_001_five_tabs_after_a_run(self):
        """Pending until sent; then Waiting for Delivery Report, Sent (the carrier took it, no
        final report yet), Delivered or Failed, as the provider reports them."""
        bridge = self._bridge('twilio')
        self._contacts('+32470000150', '+32470000151', '+32470000152', '+32470000157')
        campaign = self._campaign()
        campaign.action_activate()
        self.assertEqual(self._counts(campaign), {'pending': 4, 'waiting': 0, 'sent': 0, 'delivered': 0, 'failed': 0})

        self._run_jobs()
        self.assertEqual(self._counts(campaign), {'pending': 0, 'waiting': 4, 'sent': 0, 'delivered': 0, 'failed': 0})

        statuses = {'+32470000151': ('sent', None), '+32470000152': ('queued', None)}
        for message in self.twilio.messages:
            self.twilio._set_status(message, *statuses.get(message['to'], self.twilio.final_status(message['to'])))
        bridge.report_poll_delay = 0
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        self.assertEqual(self._counts(campaign), {'pending': 0, 'waiting': 1, 'sent': 1, 'delivered': 1, 'failed': 1})
        action = campaign.with_context(campaign_message_state='sent').action_view_messages()
        self.assertEqual(self.env['sms.campaign.message'].search(action['domain']).number, '+32470000151')

    def test_jobs_rerun_send_nothing_twice(self):
        self._bridge('twilio')
        self._contacts('+32470000110', '+32470000111', '+32470000112')
        campaign = self._campaign()
        campaign.action_activate()
        for _ in range(3):
            self._run_jobs()
        self.assertEqual(sorted(self._sent_to(self.twilio)), ['+32470000110', '+32470000111', '+32470000112'])

    def test_reactivated_direct_campaign_sends_once_per_activation(self):
        self._bridge('twilio')
        self._contacts('+32470000120')
        campaign = self._campaign()
        campaign.action_activate()
        self._run_jobs()
        campaign.action_close()
        self._run_jobs()
        self.assertEqual(len(self.twilio.messages), 1)
        campaign.action_reactivate()
        self._run_jobs()
        self._run_jobs()
        self.assertEqual(len(self.twilio.messages), 2, 'a new activation texts again, once')

    def test_scheduled_campaign_runs_each_occurrence_once_and_never_catches_up(self):
        self._bridge('twilio')
        self._contacts('+32470000130')
        campaign = self._campaign('scheduled', recurrence_type='daily', recurrence_start_date=fields.Date.today(),
                                  send_time=0.0, tz='UTC')
        start = fields.Datetime.now()
        campaign.action_activate()
        first = campaign.next_trigger_date
        self.assertGreater(first, start)
        self._run_jobs()
        self.assertFalse(self.twilio.messages, 'not due yet')

        with patch('odoo.fields.Datetime.now', return_value=first + timedelta(minutes=1)):
            self._run_jobs()
            self._run_jobs()
        self.assertEqual(len(self.twilio.messages), 1)
        self.assertEqual(campaign.last_trigger_date, first)
        self.assertEqual(campaign.next_trigger_date, first + timedelta(days=1))

        campaign.action_close()
        self.assertFalse(campaign.next_trigger_date, 'closing clears the next date')
        ten_days_later = first + timedelta(days=10, minutes=1)
        with patch('odoo.fields.Datetime.now', return_value=ten_days_later):
            campaign.action_reactivate()
            self.assertEqual(campaign.next_trigger_date, first + timedelta(days=11), 'computed from now')
            self._run_jobs()
        self.assertEqual(len(self.twilio.messages), 1, 'no missed occurrence, no old occurrence sent again')

    def test_triggered_campaign_texts_new_contacts_once(self):
        bridge = self._bridge('twilio')
        rule = self.env.ref('sms_campaign_rules.rule_contact_created')
        campaign = self._campaign('triggered', rule_id=rule.id, param_value='{}', message='Welcome {name}!',
                                  bridge_id=bridge.id)
        self._partner('+32470000140', name='Before activation')
        campaign.action_activate()
        self.assertTrue(campaign.automation_id.active)

        self._partner('+32470000141', name='Grace')
        self.assertEqual(self._counts(campaign)['pending'], 1)
        self._run_jobs()
        self._run_jobs()
        self.assertEqual([(m['to'], m['body']) for m in self.twilio.messages], [('+32470000141', 'Welcome Grace!')])
        self._deliver(bridge)
        self.assertEqual(self._counts(campaign)['delivered'], 1)

        campaign.action_close()
        self.assertFalse(campaign.automation_id.active)
        self._partner('+32470000142')
        campaign.action_reactivate()
        self._run_jobs()
        self.assertEqual(len(self.twilio.messages), 1, 'no event of the closed period, no old event again')

    def test_triggered_campaign_on_tag_and_language(self):
        self._bridge('twilio')
        self.env['res.lang']._activate_lang('fr_FR')
        vip = self.env['res.partner.category'].create({'name': 'VIP'})
        campaign = self._campaign('triggered', rule_id=self.env.ref('sms_campaign_rules.rule_contact_tagged').id,
                                  param_value='{"tag": "VIP"}', message='You are VIP, {name}')
        campaign.with_context(lang='fr_FR').message = 'Vous êtes VIP, {name}'
        campaign.action_activate()
        french = self._partner('+32470000150', name='Amélie', lang='fr_FR')
        english = self._partner('+32470000151', name='Bob')
        (french | english).category_id = vip
        english.name = 'Bobby'  # still tagged: no new event
        self._run_jobs()
        self.assertEqual(sorted(m['body'] for m in self.twilio.messages), ['Vous êtes VIP, Amélie', 'You are VIP, Bob'])

    def test_deleting_unsent_campaign_removes_its_automation(self):
        campaign = self._campaign('triggered', rule_id=self.env.ref('sms_campaign_rules.rule_contact_created').id,
                                  param_value='{}')
        campaign.action_activate()
        automation, actions = campaign.automation_id, campaign.automation_id.action_server_ids
        campaign.action_close()
        campaign.unlink()
        self.assertFalse(automation.exists())
        self.assertFalse(actions.exists())

    def test_outbound_log_shows_the_user_who_sent(self):
        self._bridge('twilio')
        admin = self.env.ref('base.user_admin')
        sms = self._chatter_sms(self._partner('+32470000160').with_user(admin))
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._outbound(sms).triggered_by, admin.name)
