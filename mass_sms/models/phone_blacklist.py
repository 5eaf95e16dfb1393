from odoo import models


class PhoneBlacklist(models.Model):
    """Every change of the blacklist goes to the consent ledger."""
    _inherit = 'phone.blacklist'

    def _add(self, numbers, message=None):
        records = super()._add(numbers, message=message)
        self.env['sms.consent.entry']._record(
            numbers, 'opt_out', scope=self.env._("All SMS (blacklist)"), note=message and str(message))
        return records

    def _remove(self, numbers, message=None):
        records = super()._remove(numbers, message=message)
        self.env['sms.consent.entry']._record(
            numbers, 'opt_in', scope=self.env._("All SMS (blacklist)"), note=message and str(message))
        return records

    def action_view_consent_entries(self):
        return self.env['sms.consent.entry']._action_for_numbers(self.mapped('number'))
