from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.send_window import DAYS_IN_WEEK, SendWindow

SENDING_RULES_FIELDS = ('sms_window_start', 'sms_window_end', 'sms_window_quiet_day_ids', 'sms_frequency_cap',
                        'sms_frequency_cap_hours')


class SmsSendingRulesMixin(models.AbstractModel):
    """When marketing SMS may reach a recipient: the hours and days of a send window (quiet
    hours) in the recipient's time zone, and a frequency cap. Companies and mailings set them."""
    _name = 'sms.sending.rules.mixin'
    _description = 'SMS Sending Rules'

    sms_window_start = fields.Float(
        'Send SMS From', default=8.0,
        help="Local time of the recipient from which marketing SMS are sent.")
    sms_window_end = fields.Float(
        'Send SMS Until', default=21.0,
        help="Local time of the recipient until which marketing SMS are sent; an SMS that would leave later "
             "waits for the next opening.")
    sms_window_quiet_day_ids = fields.Many2many(
        'sms.weekday', string='Quiet Days',
        help="Days of the week on which no marketing SMS is sent, in the recipient's local time.")
    sms_frequency_cap = fields.Boolean(
        'Frequency Cap', default=True,
        help="Skip the numbers that received an SMS of another mailing in the last hours.")
    sms_frequency_cap_hours = fields.Integer('Frequency Cap Hours', default=16)

    @api.constrains('sms_window_start', 'sms_window_end', 'sms_window_quiet_day_ids')
    def _check_sms_window(self):
        for record in self:
            if not 0 <= record.sms_window_start < record.sms_window_end <= 24:
                raise ValidationError(self.env._("A send window opens before it closes, between 00:00 and 24:00."))
            if record.sms_window_end - record.sms_window_start < 1:
                raise ValidationError(self.env._("A send window stays open at least one hour a day."))
            if len(record.sms_window_quiet_day_ids) >= DAYS_IN_WEEK:
                raise ValidationError(self.env._("A send window opens on at least one day of the week."))

    @api.constrains('sms_frequency_cap_hours')
    def _check_sms_frequency_cap_hours(self):
        if any(record.sms_frequency_cap_hours < 1 for record in self):
            raise ValidationError(self.env._("The frequency cap counts at least one hour."))

    def _sms_send_window(self):
        self.ensure_one()
        return SendWindow(self.sms_window_start, self.sms_window_end,
                          frozenset(range(DAYS_IN_WEEK)) - set(self.sms_window_quiet_day_ids.mapped('number')))
