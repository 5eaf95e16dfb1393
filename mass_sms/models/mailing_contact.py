from odoo import api, models


class MailingContact(models.Model):
    _inherit = 'mailing.contact'

    @api.model_create_multi
    def create(self, vals_list):
        contacts = super().create(vals_list)
        if any(vals.get('list_ids') for vals in vals_list):
            self.env['mailing.subscription']._record_consent_of_new_rows([('contact_id', 'in', contacts.ids)])
        return contacts

    def write(self, vals):
        if not vals.get('list_ids'):
            return super().write(vals)
        known_ids = self.subscription_ids.ids
        result = super().write(vals)
        self.env['mailing.subscription']._record_consent_of_new_rows([('contact_id', 'in', self.ids)], known_ids)
        return result

    def action_view_consent_entries(self):
        return self.env['sms.consent.entry']._action_for_numbers(self.mapped('phone_sanitized'))
