from odoo import fields, models


class SmsCampaignRuleParameter(models.Model):
    """A value that each campaign using a business rule chooses, e.g. "days since last order"."""
    _name = 'sms.campaign.rule.parameter'
    _description = 'SMS Business Rule Parameter'
    _order = 'sequence, id'

    rule_id = fields.Many2one('sms.campaign.rule', required=True, ondelete='cascade', index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="Technical name, used in the rule's domain or SQL statement.")
    label = fields.Char(required=True, translate=True)
    value_type = fields.Selection([
        ('integer', 'Integer'), ('float', 'Decimal'), ('char', 'Text'), ('date', 'Date'),
    ], required=True, default='integer')
    default_value = fields.Char()

    _name_unique = models.Constraint('unique(rule_id, name)', "A business rule has each parameter once.")

    def _parse(self, raw):
        """The typed value of ``raw`` (from a campaign's JSON), or ValueError."""
        if raw is None or raw == '':
            raw = self.default_value
        if raw is None or raw is False or raw == '':
            raise ValueError(self.env._("the parameter %(name)s has no value.", name=self.name))
        try:
            if self.value_type == 'integer':
                return int(raw)
            if self.value_type == 'float':
                return float(raw)
            if self.value_type == 'date':
                return fields.Date.to_date(raw)
            return str(raw)
        except (TypeError, ValueError):
            raise ValueError(self.env._("the parameter %(name)s expects a %(type)s, not %(value)r.", name=self.name,
                                        type=dict(self._fields['value_type']._description_selection(self.env))[self.value_type],
                                        value=raw)) from None
