from odoo.addons.sms.tools.sms_api import SmsApi, SmsApiBase


class SmsApiBridge(SmsApiBase):
    """Odoo's SMS API over the company's bridges, for callers that send directly instead of
    queuing (such as the mailing test wizard): the SMS are sent through their bridge at once
    and left in their final state, so the queue never sends them again."""

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        uuids = [number['uuid'] for message in messages for number in message['numbers']]
        sms_all = self.env['sms.sms'].sudo().search([('uuid', 'in', uuids)])
        sms_all._send_immediately()
        results = sms_all._sms_api_results()
        known = set(sms_all.mapped('uuid'))
        unknown = []
        for message in messages:
            numbers = [number for number in message['numbers'] if number['uuid'] not in known]
            if numbers:
                unknown.append(dict(message, numbers=numbers))
        if unknown:  # not SMS records, so nothing to route: Odoo's own service sends them
            results += SmsApi(self.env)._send_sms_batch(unknown, delivery_reports_url=delivery_reports_url)
        return results
