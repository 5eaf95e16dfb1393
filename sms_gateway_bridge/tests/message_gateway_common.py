import requests

from odoo.tests import HttpCase

from .common import INFOBIP_KEY, TWILIO_SID, TWILIO_TOKEN, BridgeMixin, WebhookMixin


class MessageGatewayCase(BridgeMixin, WebhookMixin, HttpCase):
    """Calls to the message-gateway API as Fineract makes them, against the test HTTP server."""

    def setUp(self):
        super().setUp()
        self.tenant = self.env['sms.gateway.tenant'].create({'name': 'default', 'description': 'Fineract'})
        self.app_key = self.tenant._new_app_key()

    def _url(self, path):
        return self.base_url() + '/messagegateway' + path

    def _headers(self, tenant='default', app_key=None):
        return {'Fineract-Platform-TenantId': tenant, 'Fineract-Tenant-App-Key': app_key or self.app_key,
                'Content-Type': 'application/json'}

    def _call(self, method, path, body=None, headers=None, data=None):
        return self._from_outside(
            requests.request, method, self._url(path), json=body, data=data,
            headers=self._headers() if headers is None else headers, timeout=60)

    def _api_key(self, user):
        """An Odoo API key of ``user``."""
        return self.env['res.users.apikeys'].with_user(user).sudo()._generate(None, 'Fineract setup', None)

    def _post_tenant(self, body, api_key, path='/tenants'):
        return self._call('POST', path, body, headers={
            'Authorization': 'Bearer %s' % api_key, 'Content-Type': 'application/json'})

    def _seed_twilio_bridge(self, **values):
        """The seed's "Create an SMS bridge" body, with the fake Twilio's account."""
        return {
            'phoneNo': '+15005550006',
            'providerName': 'Twilio SMS Provider',
            'providerDescription': 'Twilio SMS Provider',
            'providerKey': 'Twilio',
            'countryCode': '+32',
            'bridgeConfigurations': [
                {'configName': 'Provider_Account_Id', 'configValue': TWILIO_SID},
                {'configName': 'Provider_Auth_Token', 'configValue': TWILIO_TOKEN},
                {'configName': 'Provider_Url', 'configValue': self.twilio.base_url},
            ],
            **values,
        }

    def _infobip_bridge_body(self):
        return {
            'phoneNo': 'InfoSMS',
            'providerName': 'Infobip Provider',
            'providerDescription': 'SMS Provider for transactional messages',
            'providerKey': 'InfoBip',
            'countryCode': '+32',
            'bridgeConfigurations': [
                {'configName': 'Provider_API_Key', 'configValue': INFOBIP_KEY},
                {'configName': 'Provider_Url', 'configValue': self.infobip.base_url},
            ],
        }

    def _create_bridge(self, body):
        response = self._call('POST', '/smsbridges', body)
        self.assertEqual(response.status_code, 201, response.text)
        return response.json()

    def _report(self, internal_ids, headers=None):
        response = self._call('POST', '/sms/report', internal_ids, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        return {status['id']: status for status in response.json()}
