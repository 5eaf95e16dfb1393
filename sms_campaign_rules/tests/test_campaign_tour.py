from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import CampaignMixin


@tagged('post_install', '-at_install')
class TestCampaignTour(CampaignMixin, HttpCase):

    def test_marketer_runs_a_direct_campaign_in_the_browser(self):
        bridge = self._bridge('twilio', report_poll_delay=0)
        self.marketer.password = 'sms_marketer'
        tour_tag = self.env['res.partner.category'].create({'name': 'Tour'})
        self.env['sms.campaign.rule'].create({
            'name': 'Tour contacts', 'model_id': self.env.ref('base.model_res_partner').id, 'phone_field': 'phone',
            'domain': "[('category_id.name', '=', tag)]", 'template_fields': 'name',
            'parameter_ids': [Command.create({'name': 'tag', 'label': 'Tag', 'value_type': 'char'})]})
        self._partner('+32470000700', name='Tour Contact', category_id=tour_tag.ids)

        self.start_tour('/odoo', 'sms_campaign_rules_direct_campaign', login='sms_marketer')
        campaign = self.env['sms.campaign'].search([('name', '=', 'Tour campaign')])
        self.assertEqual((campaign.state, campaign.pending_count), ('active', 1))
        self.assertEqual(campaign.param_value_ids.mapped('value_char'), ['Tour'])

        self._run_jobs()
        self.twilio.settle()
        self.env['sms.outbound.message']._cron_get_delivery_reports()
        self.assertEqual(bridge.report_poll_delay, 0)

        self.start_tour('/odoo', 'sms_campaign_rules_campaign_delivered', login='sms_marketer')
