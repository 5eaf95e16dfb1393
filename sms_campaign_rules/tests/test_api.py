"""The /api/v1/smscampaigns API with the seed's payloads, copied from seed 000, and its errors."""
import json

import requests

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.sms_gateway_bridge.tests.common import WebhookMixin

from .common import CampaignMixin

# seed 000, verbatim (the seed writes paramValue as an unescaped object inside a string)
SEED_CREATE = '''{"campaignName": "Savings Deposit Campaign", "campaignType": "SMS", "triggerType": 3, "providerId": 2, "runReportId": 180, "paramValue": "{"officeId":1,"loanOfficerId":-1,"transactionId":1,"reportName":"Savings Deposit"}", "message": "Hello {fullName} your account is credited with {depositAmount} on {transactionDate}"
}'''
SEED_UPDATE = '''{"message": "Hello your savings account {savingsAccountNo} debited with {withdrawAmount}"
}'''
SEED_ACTIVATE = '''{ "activationDate":"01 May 2016", "locale":"en", "dateFormat":"dd MMMM yyyy" }'''
SEED_CLOSE = '''{ "closureDate":"01 May 2016", "locale":"en", "dateFormat":"dd MMMM yyyy" }'''
SEED_REACTIVATE = SEED_ACTIVATE


@tagged('post_install', '-at_install')
class TestSmsCampaignApi(CampaignMixin, WebhookMixin, HttpCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deposit_rule = cls.env['sms.campaign.rule'].create({
            'name': 'Savings Deposit', 'rule_type': 'event', 'model_id': cls.env.ref('base.model_res_partner').id,
            'phone_field': 'phone', 'trigger': 'on_create',
            'template_fields': 'fullName=name, depositAmount=color, transactionDate=create_date, '
                               'savingsAccountNo=ref, withdrawAmount=color',
            'parameter_ids': [Command.create({'name': 'officeId', 'label': 'Office', 'value_type': 'integer'})],
        })
        cls.key = cls.env['res.users.apikeys'].with_user(cls.marketer).sudo()._generate(None, 'Fineract', None)
        outsider = cls.env['res.users'].create({
            'name': 'No campaigns', 'login': 'sms_outsider', 'group_ids': [Command.set([cls.env.ref('base.group_user').id])]})
        cls.outsider_key = cls.env['res.users.apikeys'].with_user(outsider).sudo()._generate(None, 'Fineract', None)

    def setUp(self):
        super().setUp()
        self.bridge = self._bridge('twilio')

    def _call(self, method, path, body=None, key=None, headers=None):
        headers = {'Content-Type': 'application/json', **(headers if headers is not None else {
            'Fineract-Platform-TenantId': self.env.cr.dbname, 'Fineract-Tenant-App-Key': key or self.key})}
        response = self._from_outside(requests.request, method, self.base_url() + '/api/v1/smscampaigns' + path,
                                      data=body, headers=headers, timeout=30)
        return response.status_code, response.json()

    def _seed_create(self):
        body = SEED_CREATE.replace('"providerId": 2', '"providerId": %d' % self.bridge.id) \
                          .replace('"runReportId": 180', '"runReportId": %d' % self.deposit_rule.id)
        status, answer = self._call('POST', '', body)
        self.assertEqual(status, 200, answer)
        return self.env['sms.campaign'].browse(answer['resourceId'])

    def test_seed_examples(self):
        campaign = self._seed_create()
        self.assertEqual((campaign.name, campaign.trigger_type, campaign.bridge_id, campaign.rule_id, campaign.state),
                         ('Savings Deposit Campaign', 'triggered', self.bridge, self.deposit_rule, 'pending'))
        # the rule's declared parameters take their values; Fineract's other keys are ignored
        self.assertEqual(campaign.param_value_ids.mapped(lambda v: (v.name, v.value_integer)), [('officeId', 1)])
        self.assertEqual(json.loads(campaign.param_value), {'officeId': 1})

        status, answer = self._call('PUT', '/%d' % campaign.id, SEED_UPDATE)
        self.assertEqual((status, answer), (200, {'resourceId': campaign.id, 'changes': {
            'message': 'Hello your savings account {savingsAccountNo} debited with {withdrawAmount}'}}))

        campaign.submitted_date = '2016-04-30'
        status, answer = self._call('POST', '/%d?command=activate' % campaign.id, SEED_ACTIVATE)
        self.assertEqual((status, answer), (200, {'resourceId': campaign.id, 'changes': {
            'status': {'id': 300, 'code': 'smsCampaignStatus.active', 'value': 'active'},
            'locale': 'en', 'dateFormat': 'dd MMMM yyyy', 'activationDate': '01 May 2016'}}))
        self.assertEqual(str(campaign.activation_date), '2016-05-01')

        status, answer = self._call('GET', '/%d' % campaign.id)
        self.assertEqual(status, 200)
        self.assertEqual({key: answer[key] for key in ('id', 'campaignName', 'campaignType', 'triggerType', 'providerId',
                                                       'runReportId', 'reportName', 'status')}, {
            'id': campaign.id, 'campaignName': 'Savings Deposit Campaign', 'campaignType': 'SMS', 'triggerType': 3,
            'providerId': self.bridge.id, 'runReportId': self.deposit_rule.id, 'reportName': 'Savings Deposit',
            'status': {'id': 300, 'code': 'smsCampaignStatus.active', 'value': 'active'}})
        status, listed = self._call('GET', '')
        self.assertIn(campaign.id, [item['id'] for item in listed])

        status, answer = self._call('POST', '/%d?command=close' % campaign.id, SEED_CLOSE)
        self.assertEqual((status, answer['changes']['status']['id'], answer['changes']['closureDate']),
                         (200, 600, '01 May 2016'))
        status, answer = self._call('POST', '/%d?command=reactivate' % campaign.id, SEED_REACTIVATE)
        self.assertEqual((status, answer['changes']['status']['code']), (200, 'smsCampaignStatus.active'))

        self._call('POST', '/%d?command=close' % campaign.id, SEED_CLOSE)
        status, answer = self._call('DELETE', '/%d' % campaign.id)
        self.assertEqual((status, answer), (200, {'resourceId': campaign.id, 'changes': {}}))
        self.assertFalse(campaign.exists())

    def test_scheduled_campaign_shows_its_recurrence(self):
        body = json.dumps({'campaignName': 'Yearly greetings', 'campaignType': 'SMS', 'triggerType': 2,
                           'runReportId': self.rule.id, 'paramValue': {'tag_id': self.tag.id}, 'message': 'Hi {name}',
                           'recurrence': 'FREQ=YEARLY;INTERVAL=1', 'recurrenceStartDate': '22 January 2016',
                           'dateFormat': 'dd MMMM yyyy', 'locale': 'en'})
        status, answer = self._call('POST', '', body)
        self.assertEqual(status, 200, answer)
        campaign_id = answer['resourceId']
        self._call('POST', '/%d?command=activate' % campaign_id)
        status, answer = self._call('GET', '/%d' % campaign_id)
        self.assertEqual((answer['recurrence'], answer['recurrenceStartDate'], answer['lastTriggerDate']),
                         ('YEARLY', '22 Jan 2016', None), 'as seed 000 shows it')
        self.assertTrue(answer['nextTriggerDate'].startswith('22 Jan '), answer['nextTriggerDate'])

    def test_seed_recurrence_word(self):
        """Seed 000 writes a scheduled campaign's recurrence as "YEARLY"; Fineract's clients send an RRULE."""
        body = json.dumps({'campaignName': 'Seed yearly', 'campaignType': 'SMS', 'triggerType': 2,
                           'runReportId': self.rule.id, 'paramValue': {'tag_id': self.tag.id}, 'message': 'Hi {name}',
                           'recurrence': 'YEARLY', 'recurrenceStartDate': '22 Jan 2016', 'dateFormat': 'dd MMM yyyy'})
        status, answer = self._call('POST', '', body)
        self.assertEqual(status, 200, answer)
        campaign = self.env['sms.campaign'].browse(answer['resourceId'])
        self.assertEqual((campaign.recurrence_type, campaign.recurrence_interval, str(campaign.recurrence_start_date)),
                         ('yearly', 1, '2016-01-22'))

    def test_preview_command(self):
        self._contacts('+32470000600')
        campaign = self._campaign()
        status, answer = self._call('POST', '/%d?command=preview' % campaign.id)
        self.assertEqual((status, answer['totalRecipients'], answer['messages']),
                         (200, 1, [{'mobileNo': '+32470000600', 'message': 'Hello Contact 600'}]))

    def test_bearer_api_key(self):
        status, _answer = self._call('GET', '', headers={'Authorization': 'Bearer %s' % self.key})
        self.assertEqual(status, 200)

    def test_tenant_names_the_database(self):
        status, answer = self._call('GET', '', headers={'Fineract-Platform-TenantId': 'abcd',
                                                        'Fineract-Tenant-App-Key': self.key})
        self.assertEqual((status, answer['userMessageGlobalisationCode']), (401, 'error.msg.invalid.tenant.identifier'))
        self.assertIn('abcd is not valid', answer['defaultUserMessage'])
        status, _answer = self._call('GET', '?tenantIdentifier=%s' % self.env.cr.dbname,
                                     headers={'Fineract-Tenant-App-Key': self.key})
        self.assertEqual(status, 200)

    def test_errors(self):
        campaign = self._campaign()
        cases = [
            ('unauthenticated', 401, self._call('GET', '', headers={})),
            ('wrong key', 401, self._call('GET', '', key='not-a-key')),
            ('wrong tenant', 401, self._call('GET', '', headers={'Fineract-Platform-TenantId': 'elsewhere',
                                                                'Fineract-Tenant-App-Key': self.key})),
            ('wrong tenant with a bearer key', 401, self._call('GET', '', headers={
                'Fineract-Platform-TenantId': 'elsewhere', 'Authorization': 'Bearer %s' % self.key})),
            ('wrong tenantIdentifier', 401, self._call('GET', '?tenantIdentifier=elsewhere', headers={
                'Fineract-Tenant-App-Key': self.key})),
            ('app key without tenant', 400, self._call('GET', '', headers={'Fineract-Tenant-App-Key': self.key})),
            ('not a marketer', 403, self._call('GET', '', key=self.outsider_key)),
            ('unknown campaign', 404, self._call('GET', '/999999999')),
            ('malformed JSON', 400, self._call('POST', '', '{"campaignName": ')),
            ('missing fields', 400, self._call('POST', '', '{"campaignName": "x"}')),
            ('unknown command', 400, self._call('POST', '/%d?command=explode' % campaign.id)),
            ('future activation', 400, self._call('POST', '/%d?command=activate' % campaign.id,
                                                  '{"activationDate": "01 May 2999", "dateFormat": "dd MMMM yyyy"}')),
            ('bad date', 400, self._call('POST', '/%d?command=activate' % campaign.id,
                                         '{"activationDate": "May the first", "dateFormat": "dd MMMM yyyy"}')),
            ('close a pending campaign', 409, self._call('POST', '/%d?command=close' % campaign.id)),
        ]
        for name, expected, (status, answer) in cases:
            with self.subTest(name):
                self.assertEqual(status, expected, answer)
                self.assertEqual(answer['httpStatusCode'], str(expected))
        self.assertEqual(campaign.state, 'pending', 'a refused command changes nothing')

        self.assertEqual(self._call('POST', '/%d?command=activate' % campaign.id)[0], 200)
        self.assertEqual(self._call('POST', '/%d?command=activate' % campaign.id)[0], 409)
        self.assertEqual(self._call('PUT', '/%d' % campaign.id, SEED_UPDATE)[0], 409)
        self.assertEqual(self._call('DELETE', '/%d' % campaign.id)[0], 409)
