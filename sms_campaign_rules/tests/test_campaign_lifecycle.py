"""Campaign states, dates and the seed's rules."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import CampaignMixin


@tagged('post_install', '-at_install')
class TestCampaignLifecycle(CampaignMixin, TransactionCase):

    def test_states_dates_and_users(self):
        campaign = self._campaign().with_user(self.marketer)
        self.assertEqual((campaign.state, campaign.submitted_uid), ('pending', self.env.user))
        campaign.action_activate()
        today = fields.Date.context_today(campaign)
        self.assertEqual((campaign.state, campaign.activation_date, campaign.activation_uid),
                         ('active', today, self.marketer))
        campaign.action_close()
        self.assertEqual((campaign.state, campaign.closure_date, campaign.closure_uid), ('closed', today, self.marketer))
        campaign.action_reactivate()
        self.assertEqual((campaign.state, campaign.closure_date), ('active', False))

    def test_activation_date_rules(self):
        campaign = self._campaign()
        today = fields.Date.context_today(campaign)
        with self.assertRaisesRegex(UserError, 'future'):
            campaign.action_activate(today + timedelta(days=1))
        with self.assertRaisesRegex(UserError, 'before it was submitted'):
            campaign.action_activate(today - timedelta(days=1))

    def test_message_locked_while_active(self):
        campaign = self._campaign()
        campaign.action_activate()
        with self.assertRaisesRegex(UserError, 'close the campaign first'):
            campaign.message = 'Changed'
        campaign.action_close()
        campaign.message = 'Changed {name}'
        self.assertEqual(campaign.message, 'Changed {name}')

    def test_campaign_that_sent_is_archived_not_deleted(self):
        self._contacts('+32470000400')
        campaign = self._campaign()
        campaign.action_activate()
        with self.assertRaisesRegex(UserError, 'archive'):
            campaign.unlink()
        unsent = self._campaign(name='Never sent')
        unsent.unlink()
        self.assertFalse(unsent.exists())

    def test_name_is_unique(self):
        self._campaign()
        with self.assertRaises(Exception), self.cr.savepoint():
            self._campaign()

    def test_marketer_runs_a_triggered_campaign(self):
        campaign = self._campaign('triggered', rule_id=self.env.ref('sms_campaign_rules.rule_contact_created').id,
                                  param_value='{}').with_user(self.marketer)
        campaign.action_activate()
        self.assertTrue(campaign.sudo().automation_id.active)
        campaign.action_close()
        self.assertFalse(campaign.sudo().automation_id.active)
        campaign.is_running = True
        self.assertEqual(campaign.state, 'active')
