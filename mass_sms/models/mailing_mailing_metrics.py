from collections import Counter

from odoo import fields, models

# Outbound states in which the gateway had taken the message
ACCEPTED_STATES = ('waiting', 'sent', 'delivered', 'no_report')
METRICS = ('sms_sent', 'sms_delivered', 'sms_bounced', 'sms_exception', 'sms_opted_out', 'sms_clicked')


class MailingMailing(models.Model):
    """SMS metrics read from the outbound log, the record of what each gateway did with each SMS
    of the mailing, so that they match it exactly; test SMS are not part of it. Every rate has
    the same base: the SMS handed to a gateway."""
    _inherit = 'mailing.mailing'

    sms_total = fields.Integer('SMS Handed to Gateways', compute='_compute_sms_metrics')
    sms_sent = fields.Integer('SMS Sent', compute='_compute_sms_metrics',
                              help="SMS a gateway accepted, whether delivered yet or not.")
    sms_delivered = fields.Integer('SMS Delivered', compute='_compute_sms_metrics')
    sms_bounced = fields.Integer('SMS Bounced', compute='_compute_sms_metrics',
                                 help="SMS that could not be delivered because the number is wrong.")
    sms_exception = fields.Integer('SMS Exceptions', compute='_compute_sms_metrics',
                                   help="SMS that failed for any other reason: gateway account, provider, "
                                        "message refused, expired.")
    sms_opted_out = fields.Integer('SMS Opted Out', compute='_compute_sms_metrics',
                                   help="SMS refused because the recipient opted out at the provider.")
    sms_clicked = fields.Integer('SMS Clicked', compute='_compute_sms_metrics')
    sms_sent_ratio = fields.Float('Sent (%)', compute='_compute_sms_metrics')
    sms_delivered_ratio = fields.Float('Delivered (%)', compute='_compute_sms_metrics')
    sms_bounced_ratio = fields.Float('Bounced (%)', compute='_compute_sms_metrics')
    sms_exception_ratio = fields.Float('Exception (%)', compute='_compute_sms_metrics')
    sms_opted_out_ratio = fields.Float('Opted Out (%)', compute='_compute_sms_metrics')
    sms_clicked_ratio = fields.Float('Clicked (%)', compute='_compute_sms_metrics')

    def _sms_outbound_domain(self):
        """The outbound messages the figures of the mailings count: the latest attempt per recipient."""
        return [('mailing_id', 'in', self.ids), ('origin', '=', 'mailing'), ('mailing_retried', '=', False)]

    def _compute_sms_metrics(self):
        counts = {mailing: Counter() for mailing in self}
        for mailing, state, failure, accepted, count in self.env['sms.outbound.message'].sudo()._read_group(
                self._sms_outbound_domain(),
                ['mailing_id', 'state', 'failure'], ['sent_date:count', '__count']):
            line = counts[mailing]
            line['sms_total'] += count
            line['sms_sent'] += count if state in ACCEPTED_STATES else accepted
            line['sms_delivered'] += count if state == 'delivered' else 0
            if state == 'failed':
                key = {'number': 'sms_bounced', 'opt_out': 'sms_opted_out'}.get(failure, 'sms_exception')
                line[key] += count
        for mailing, clicked in self.env['mailing.trace'].sudo()._read_group(
                [('mass_mailing_id', 'in', self.ids), ('links_click_datetime', '!=', False)],
                ['mass_mailing_id'], ['__count']):
            counts[mailing]['sms_clicked'] = clicked
        for mailing, line in counts.items():
            base = line['sms_total']
            mailing.sms_total = base
            for metric in METRICS:
                mailing[metric] = line[metric]
                mailing['%s_ratio' % metric] = round(100.0 * line[metric] / base, 2) if base else 0.0

    def action_view_sms_sent(self):
        """The contacts the gateways took an SMS of this mailing for."""
        self.ensure_one()
        uuids = self.env['sms.outbound.message'].sudo().search(
            self._sms_outbound_domain() + [('sent_date', '!=', False)]).mapped('sms_uuid')
        action = self._action_view_traces_filtered('sent')
        action.update(name=self.env._("SMS Sent"), context={'create': False},
                      domain=[('mass_mailing_id', '=', self.id), ('sms_tracker_ids.sms_uuid', 'in', uuids)])
        return action
