from odoo.tests import tagged
from odoo.tools import SQL

from .common import BridgeCase


@tagged('post_install', '-at_install')
class TestOutboundLog(BridgeCase):

    def test_retention(self):
        self._bridge('simulator')
        old_sms, recent_sms = (self._chatter_sms(self._partner(phone)) for phone in ('+32470000950', '+32470000951'))
        self.env['sms.sms']._process_queue()
        old, recent = self._outbound(old_sms), self._outbound(recent_sms)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE sms_outbound_message SET create_date = now() - interval '200 days' WHERE id = %s", old.id))
        self.env['ir.config_parameter'].set_param('sms_gateway_bridge.outbound_retention_days', 0)
        self.env['sms.outbound.message']._gc_outbound_messages()
        self.assertTrue(old.exists(), '0 keeps outbound SMS forever')

        self.env['res.config.settings'].create({'sms_outbound_retention_days': 180}).execute()
        self.env['sms.outbound.message']._gc_outbound_messages()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())

    def test_states_and_filters(self):
        """The outbound log offers the states the seeds' users work with as filters."""
        search_view = self.env.ref('sms_gateway_bridge.sms_outbound_message_view_search')
        for filter_name in ('filter_pending', 'filter_waiting', 'filter_sent', 'filter_delivered', 'filter_failed',
                            'group_by_bridge'):
            self.assertIn('name="%s"' % filter_name, search_view.arch)
        labels = dict(self.env['sms.outbound.message']._fields['state'].selection)
        self.assertEqual([labels[state] for state in ('pending', 'waiting', 'sent', 'delivered', 'failed')],
                         ['Pending', 'Waiting for Delivery Report', 'Sent', 'Delivered', 'Failed'])

    def test_numbers_in_one_format(self):
        """Whatever format a number was typed in, the log and the provider have it in E.164."""
        self.env.company.country_id = self.env.ref('base.be')
        self._bridge('twilio')
        partner = self._partner(False)
        partner._message_sms('Your order is ready', sms_numbers=['0470 00 08 99', '+32 470 00 08 98', 'not a number'])
        sms = self.env['sms.sms'].search([('mail_message_id.res_id', '=', partner.id),
                                          ('mail_message_id.model', '=', 'res.partner')])
        self.env['sms.sms']._process_queue()
        self.assertEqual(sorted(self._outbound(sms).mapped('number')),
                         ['+32470000898', '+32470000899', 'not a number'])
        self.assertEqual(sorted(self._sent_to(self.twilio))[:2], ['+32470000898', '+32470000899'])
