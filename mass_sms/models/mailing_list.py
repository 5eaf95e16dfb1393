from odoo import api, models


class MailingList(models.Model):
    _inherit = 'mailing.list'

    @api.model_create_multi
    def create(self, vals_list):
        lists = super().create(vals_list)
        if any(vals.get('contact_ids') for vals in vals_list):
            self.env['mailing.subscription']._record_consent_of_new_rows([('list_id', 'in', lists.ids)])
        return lists

    def write(self, vals):
        if not vals.get('contact_ids'):
            return super().write(vals)
        known_ids = self.subscription_ids.ids
        result = super().write(vals)
        self.env['mailing.subscription']._record_consent_of_new_rows([('list_id', 'in', self.ids)], known_ids)
        return result
