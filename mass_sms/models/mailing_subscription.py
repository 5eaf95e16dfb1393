from odoo import api, models


class MailingSubscription(models.Model):
    """Subscribing a number to a mailing list, or opting it out of one, goes to the consent ledger."""
    _inherit = 'mailing.subscription'

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions._record_consent()
        return subscriptions

    def write(self, vals):
        changed = self.filtered(lambda sub: sub.opt_out != bool(vals['opt_out'])) if 'opt_out' in vals else self.browse()
        result = super().write(vals)
        changed._record_consent()
        return result

    def _record_consent(self):
        Ledger = self.env['sms.consent.entry'].with_context(
            sms_consent_channel=self.env.context.get('sms_consent_channel') or (
                'import' if self.env.context.get('import_file') else 'list'))
        for (opt_out, mailing_list), subscriptions in self.filtered('contact_id.phone_sanitized').grouped(
                lambda sub: (sub.opt_out, sub.list_id)).items():
            Ledger._record(subscriptions.contact_id.mapped('phone_sanitized'), 'opt_out' if opt_out else 'opt_in',
                           scope=self.env._("Mailing list %s", mailing_list.name),
                           mailing_list_ids=mailing_list.ids)

    @api.model
    def _record_consent_of_new_rows(self, domain, known_ids=()):
        """Contacts put on lists through the lists' or contacts' many2many fields skip create():
        record the subscriptions in ``domain`` that are not among ``known_ids``."""
        self.search(domain + [('id', 'not in', list(known_ids))])._record_consent()
