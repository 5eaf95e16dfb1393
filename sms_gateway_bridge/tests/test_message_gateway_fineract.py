from odoo.tests import tagged

from .message_gateway_common import MessageGatewayCase

SEND_BATCH = 500  # Fineract posts its pending SMS 500 per request
REPORT_PAGE = 200  # and asks for delivery reports 200 internal ids at a time
FINAL = {300, 400}


@tagged('post_install', '-at_install')
class TestFineractClient(MessageGatewayCase):
    """A client that speaks only the reference's API, as Fineract's jobs "Send messages to SMS
    gateway" and "Get delivery reports from SMS gateway" do, through the fake providers."""

    def _send(self, messages):
        for start in range(0, len(messages), SEND_BATCH):
            response = self._call('POST', '/sms', messages[start:start + SEND_BATCH])
            self.assertEqual(response.status_code, 202, response.text)

    def _reports(self, internal_ids):
        statuses = {}
        for start in range(0, len(internal_ids), REPORT_PAGE):
            statuses.update(self._report(internal_ids[start:start + REPORT_PAGE]))
        return statuses

    def _run_gateway_jobs(self):
        """What Odoo's crons do between two runs of Fineract's report job."""
        self.env['sms.sms']._process_queue()
        self.infobip.queue_reports()
        self.env['sms.outbound.message']._cron_get_delivery_reports()

    def _create_tenant(self):
        response = self._post_tenant({'tenantId': 'fineract', 'description': 'Fineract'},
                                     self._api_key(self.env.ref('base.user_admin')))
        self.assertEqual(response.status_code, 201, response.text)
        self.tenant = self.env['sms.gateway.tenant'].search([('name', '=', 'fineract')])
        self.app_key = response.text

    def _headers(self, tenant='fineract', app_key=None):
        return super()._headers(tenant, app_key)

    def test_thousand_messages_sent_once_and_reported_final(self):
        self._create_tenant()
        bridge_id = self._create_bridge(self._infobip_bridge_body())
        # the account's throughput, which an administrator sets on the bridge in Odoo (10 by default)
        self.env['sms.gateway.bridge'].browse(bridge_id).max_per_second = 500
        # national numbers completed with the bridge's country code; the last digit picks the fake's
        # outcome (7-9 undeliverable); every hundredth number is invalid
        messages = [{
            'internalId': internal_id,
            'mobileNumber': '12' if internal_id % 100 == 0 else '47%07d' % internal_id,
            'message': 'Dear client, your repayment of %d is due tomorrow.' % internal_id,
            'providerId': str(bridge_id),
        } for internal_id in range(1, 1001)]
        internal_ids = [message['internalId'] for message in messages]

        self._send(messages)
        self._send(messages[:SEND_BATCH])  # Fineract resends what it did not mark sent when it boots
        self.assertEqual({status['deliveryStatus'] for status in self._reports(internal_ids).values()} - {400}, {100})

        statuses = {}
        for _run in range(5):
            self._run_gateway_jobs()
            statuses = self._reports(internal_ids)
            if all(status['deliveryStatus'] in FINAL for status in statuses.values()):
                break

        self.assertEqual(sorted(int(internal_id) for internal_id in statuses), internal_ids, 'none lost')
        sent_to = self._sent_to(self.infobip)
        self.assertEqual(len(sent_to), 990)
        self.assertEqual(len(set(sent_to)), 990, 'no duplicate')
        expected = {str(internal_id): 400 if internal_id % 100 == 0 or internal_id % 10 in (7, 8, 9) else 300
                    for internal_id in internal_ids}
        self.assertEqual({key: status['deliveryStatus'] for key, status in statuses.items()}, expected)
        delivered = statuses['1']
        self.assertTrue(delivered['externalId'])
        self.assertTrue(delivered['deliveredOnDate'])
        self.assertEqual((delivered['bridgeId'], delivered['tenantId']), (bridge_id, self.tenant.id))
        self.assertTrue(statuses['7']['errorMessage'])
        self.assertIn('Invalid number', statuses['100']['errorMessage'])
        self.assertFalse(any(status['hasError'] for status in statuses.values()))

        self._run_gateway_jobs()
        self.assertEqual(len(self.infobip.messages), 990, 'nothing is sent again')
