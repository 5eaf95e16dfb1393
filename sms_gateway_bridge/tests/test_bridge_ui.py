from odoo.tests import HttpCase, tagged

from .common import TWILIO_SENDER, BridgeMixin


@tagged('post_install', '-at_install')
class TestBridgeUi(BridgeMixin, HttpCase):

    def test_admin_creates_bridges_in_the_ui(self):
        self.start_tour('/odoo', 'sms_gateway_bridge_create_bridges', login='admin')

        twilio = self.env['sms.gateway.bridge'].search([('name', '=', 'Twilio EU')])
        infobip = self.env['sms.gateway.bridge'].search([('name', '=', 'Infobip')])
        self.assertRecordValues(twilio, [{'provider': 'twilio', 'sender': TWILIO_SENDER,
                                          'destination_prefixes': '32', 'twilio_auth_token': 'twilio-auth-token'}])
        self.assertRecordValues(infobip, [{'provider': 'infobip', 'sender': 'InfoSMS',
                                           'infobip_api_key': 'infobip-api-key'}])

        # point the bridges at the fake providers, then send through each of them
        twilio.base_url, infobip.base_url = self.twilio.base_url, self.infobip.base_url
        self._chatter_sms(self._partner(phone) for phone in ('+32470000801', '+447700900802'))
        self.env['sms.sms']._process_queue()
        self.assertEqual(self._sent_to(self.twilio), ['+32470000801'])
        self.assertEqual(self.twilio.messages[0]['from_'], TWILIO_SENDER)
        self.assertEqual(self._sent_to(self.infobip), ['+447700900802'])
        self.assertEqual(self.infobip.messages[0]['sender'], 'InfoSMS')

    def test_contact_without_number_cannot_be_sent_an_sms(self):
        partner = self.env['res.partner'].create({'name': 'No Number'})
        self.start_tour('/odoo/action-base.action_partner_form/%s' % partner.id,
                        'sms_gateway_bridge_contact_without_number', login='admin')
