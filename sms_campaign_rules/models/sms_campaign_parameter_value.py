from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

VALUE_FIELDS = {'integer': 'value_integer', 'float': 'value_float', 'char': 'value_char', 'date': 'value_date'}


class SmsCampaignParameterValue(models.Model):
    """The value a campaign gives to one parameter of its business rule, typed as the rule says."""
    _name = 'sms.campaign.parameter.value'
    _description = 'SMS Campaign Parameter Value'
    _order = 'sequence, id'

    campaign_id = fields.Many2one('sms.campaign', required=True, ondelete='cascade', index=True)
    parameter_id = fields.Many2one('sms.campaign.rule.parameter', 'Parameter', required=True, ondelete='cascade')
    sequence = fields.Integer(related='parameter_id.sequence')
    name = fields.Char(related='parameter_id.name')
    label = fields.Char(related='parameter_id.label')
    value_type = fields.Selection(related='parameter_id.value_type')
    value_integer = fields.Integer('Number')
    value_float = fields.Float('Decimal')
    value_char = fields.Char('Text')
    value_date = fields.Date('Date')

    _campaign_parameter_unique = models.Constraint(
        'unique(campaign_id, parameter_id)', "A campaign gives each parameter of its business rule one value.")

    @api.model_create_multi
    def create(self, vals_list):
        values = super().create(vals_list)
        values._check_campaign_editable()
        return values

    def write(self, vals):
        self._check_campaign_editable()
        return super().write(vals)

    def unlink(self):
        self._check_campaign_editable()
        return super().unlink()

    def _check_campaign_editable(self):
        if any(value.campaign_id.state == 'active' for value in self):
            raise UserError(self.env._("The parameter values of an active campaign cannot change: close the campaign first."))

    @api.model
    def _default_values(self, parameter):
        """Create values of the line of ``parameter``, holding its default value."""
        values = {'parameter_id': parameter.id}
        if parameter.default_value not in (False, ''):
            try:
                values[VALUE_FIELDS[parameter.value_type]] = parameter._parse(parameter.default_value)
            except ValueError:
                pass  # a default the rule's author mistyped: the marketer fills the value in
        return values

    def _value(self):
        """The typed value, or None when the marketer left it empty."""
        value = self[VALUE_FIELDS[self.value_type]]
        return None if value is False or value == '' else value

    def _set_value(self, raw):
        """Set the value from ``raw`` (JSON of the REST API), or ValidationError."""
        try:
            value = self.parameter_id._parse(raw)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        self[VALUE_FIELDS[self.value_type]] = value
