from odoo import fields, models


class SmsWeekday(models.Model):
    """A day of the week, for the days a send window stays closed."""
    _name = 'sms.weekday'
    _description = 'Day of the Week'
    _order = 'number'

    name = fields.Char(required=True, translate=True)
    number = fields.Integer(required=True, readonly=True, help="0 is Monday, 6 is Sunday.")

    _number_unique = models.Constraint('unique(number)', "Each day of the week exists once.")
