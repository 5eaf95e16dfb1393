from uuid import uuid4

from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.sms_gateway_bridge.tools.sms_api import SmsApiBridge


class MailingSmsTest(models.TransientModel):
    """Send a sample of an SMS mailing. Test SMS are no part of the mailing's sending: they leave no
    trace on the mailing, so they are never counted, never mark it sent and never exclude a
    recipient; the outbound log shows them as tests of the mailing."""
    _inherit = 'mailing.sms.test'

    numbers = fields.Text(
        'Recipients', default=lambda self: self._default_numbers(),
        help="One recipient per line: a phone number, or a name and a phone number "
                           "separated by a comma (Name, +32 456 00 11 22).")

    @api.model
    def _default_numbers(self):
        user = self.env.user
        phone = next((user[field] for field in ('mobile_phone', 'work_phone') if field in user and user[field]),
                     None) or user.partner_id.phone
        return '%s, %s' % (user.name, phone) if phone else ''

    def _numbers_by_line(self):
        """``[(line, E.164 number or False)]``: a line is a number, or a name, a comma and a number."""
        lines = [line.strip() for line in (self.numbers or '').splitlines() if line.strip()]
        return [(line, self.env.user._phone_format(number=line.rsplit(',', 1)[-1].strip())) for line in lines]

    def _sample_body(self):
        """The body rendered for the mailing's first recipient, as that recipient gets it."""
        mailing = self.mailing_id
        return mailing._sms_render_for_sample(mailing.body_plaintext, mailing._sms_sample_record())

    def action_send_sms(self):
        self.ensure_one()
        mailing = self.mailing_id
        numbers = self._numbers_by_line()
        valid = list(dict.fromkeys(number for _line, number in numbers if number))
        body = self._sample_body()
        Trace = self.env['mailing.trace'].sudo()
        sms_values, trace_values = [], []
        for number in valid:
            sms_body = body
            if mailing.sms_allow_unsubscribe:
                # the test trace belongs to no mailing: it only carries the opt-out link
                code = Trace._get_random_code()
                trace_values.append({'is_test_trace': True, 'trace_type': 'sms', 'model': mailing._name,
                                     'res_id': mailing.id, 'sms_code': code, 'sms_number': number})
                sms_body = mailing._sms_with_optout({code: body})[code]
            sms_values.append({
                'number': number, 'body': sms_body, 'uuid': uuid4().hex, 'state': 'outgoing',
                'mailing_test_id': mailing.id, 'gateway_bridge_id': mailing.sms_gateway_bridge_id.id,
            })
        sms_all = self.env['sms.sms'].sudo().create(sms_values)
        Trace.create(trace_values)
        # not the company's SMS API class: another module (sms_twilio) may provide it and send
        # without updating the SMS, which the queue would then send again
        sms_api = SmsApiBridge(self.env)
        results = sms_api._send_sms_batch(
            [{'content': body, 'numbers': [{'number': sms.number, 'uuid': sms.uuid} for sms in sms_all]}])
        self._log_results(sms_all, results, sms_api._get_sms_api_error_messages(),
                          [line for line, number in numbers if not number])
        return True

    def _log_results(self, sms_all, results, api_errors, invalid_lines):
        number_by_uuid = {sms.uuid: sms.number for sms in sms_all}
        lines = []
        for result in results:
            number = number_by_uuid.get(result.get('uuid'))
            if result.get('state') in ('success', 'sent'):
                lines.append(self.env._("Test SMS successfully sent to %s", number))
            else:
                lines.append(self.env._(
                    "Test SMS could not be sent to %(destination)s: %(reason)s", destination=number,
                    reason=result.get('failure_reason') or api_errors.get(result.get('state'))
                    or self.env._("An error occurred.")))
        if invalid_lines:
            lines.append(self.env._("Test SMS skipped these recipients, their numbers look invalid: %(numbers)s",
                                    numbers=', '.join(invalid_lines)))
        if lines:
            self.mailing_id._message_log(
                body=Markup('<ul>%s</ul>') % Markup().join(Markup('<li>%s</li>') % line for line in lines))
