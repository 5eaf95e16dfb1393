from odoo import api, fields, models

from .sms_sending_rules_mixin import SENDING_RULES_FIELDS


class MailingMailing(models.Model):
    """An SMS mailing follows its company's send window, a window of its own or none, and caps
    its recipients' marketing SMS as it says (its company's choice by default)."""
    _name = 'mailing.mailing'
    _inherit = ['mailing.mailing', 'sms.sending.rules.mixin']

    sms_send_window = fields.Selection([
        ('company', "Company's Send Window"),
        ('custom', 'Send Window of this Mailing'),
        ('anytime', 'Any Time'),
    ], 'Send Window', default='company', required=True,
        help="When the SMS of this mailing may reach their recipients, in each recipient's time zone: outside "
             "the window an SMS waits for its next opening.")
    sms_waiting_count = fields.Integer(
        'SMS Waiting for their Time', compute='_compute_sms_waiting',
        help="SMS of this mailing in the queue that wait for their time to leave, such as the opening of their "
             "recipient's send window.")
    sms_waiting_first = fields.Datetime('First Waiting SMS Leaves', compute='_compute_sms_waiting')
    sms_waiting_last = fields.Datetime('Last Waiting SMS Leaves', compute='_compute_sms_waiting')
    sms_frequency_capped = fields.Integer(
        'Skipped by the Frequency Cap', compute='_compute_sms_frequency_capped',
        help="Recipients skipped because their number received an SMS of another mailing shortly before.")

    @api.model
    def default_get(self, fields):
        """A new mailing starts from its company's send window and frequency cap. (Not as the
        fields' defaults: those also fill existing mailings when the module is installed, before
        the company has the fields.)"""
        defaults = super().default_get(fields)
        company = self.env.company
        for fname in set(fields) & set(SENDING_RULES_FIELDS):
            if 'default_%s' % fname not in self.env.context:
                defaults[fname] = self._fields[fname].convert_to_write(company[fname], self)
        return defaults

    def _compute_sms_waiting(self):
        self.sms_waiting_count, self.sms_waiting_first, self.sms_waiting_last = 0, False, False
        for mailing, count, first, last in self.env['sms.sms'].sudo()._read_group(
                [('mailing_id', 'in', self.ids), ('state', '=', 'outgoing'), ('to_delete', '!=', True),
                 ('send_after', '>', fields.Datetime.now())],
                ['mailing_id'], ['__count', 'send_after:min', 'send_after:max']):
            mailing.update({'sms_waiting_count': count, 'sms_waiting_first': first, 'sms_waiting_last': last})

    def _compute_sms_frequency_capped(self):
        counts = dict(self.env['mailing.trace'].sudo()._read_group(
            [('mass_mailing_id', 'in', self.ids), ('failure_type', '=', 'sms_frequency_cap')],
            ['mass_mailing_id'], ['__count']))
        for mailing in self:
            mailing.sms_frequency_capped = counts.get(mailing, 0)

    def _sms_window_of(self, company):
        """The SendWindow of this mailing's SMS of ``company``; None when they may leave any time."""
        self.ensure_one()
        return {
            'company': company._sms_send_window,
            'custom': self._sms_send_window,
            'anytime': lambda: None,
        }[self.sms_send_window]()

    def action_view_sms_frequency_capped(self):
        self.ensure_one()
        action = self._action_view_traces_filtered('canceled')
        action.update(name=self.env._("Skipped by the Frequency Cap"), context={'create': False},
                      domain=[('mass_mailing_id', '=', self.id), ('failure_type', '=', 'sms_frequency_cap')])
        return action

