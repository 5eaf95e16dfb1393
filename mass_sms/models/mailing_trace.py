import secrets

from odoo import api, fields, models
from odoo.tools.urls import urljoin

# 12 random bytes: 96 bits, 16 URL-safe characters
OPTOUT_CODE_BYTES = 12


class MailingTrace(models.Model):
    """An SMS trace's code is its recipient's opt-out link (/so/<code>): unguessable, and enough
    to find the number, the mailing and its lists without asking the recipient anything."""
    _inherit = 'mailing.trace'

    sms_code = fields.Char(index='btree_not_null')
    failure_type = fields.Selection(selection_add=[
        ('sms_mailing_canceled', 'Mailing Canceled'),
        ('sms_frequency_cap', 'Frequency Cap: Recent Marketing SMS'),
    ])
    sms_recipient_name = fields.Char('Recipient', compute='_compute_sms_recipient_name')
    sms_prepared_in_batch = fields.Boolean(
        'Prepared in Batches', readonly=True,
        help="Made by the batched preparation of SMS mailings, which gives each recipient one trace.")

    # however often a preparation is interrupted and resumed; older traces are left out, as Odoo's
    # demo data has a recipient traced twice in one mailing
    _sms_recipient_unique = models.UniqueIndex(
        "(mass_mailing_id, model, res_id) WHERE sms_prepared_in_batch",
        "This recipient already has a trace of this SMS mailing.")
    # the duplicate numbers of a batch are looked up among the mailing's traces
    _sms_mailing_number_idx = models.Index("(mass_mailing_id, sms_number) WHERE trace_type = 'sms'")

    def _compute_sms_recipient_name(self):
        self.sms_recipient_name = False
        for model, traces in self.grouped('model').items():
            if model not in self.env:
                continue
            records = self.env[model].sudo().browse(traces.mapped('res_id')).exists()
            name_by_id = {record.id: record.display_name for record in records}
            for trace in traces:
                trace.sms_recipient_name = name_by_id.get(trace.res_id, False)

    @api.model
    def _get_random_code(self):
        return secrets.token_urlsafe(OPTOUT_CODE_BYTES)

    @api.model
    def _sms_optout_url(self, code):
        return self._sms_optout_urls([code])[code]

    @api.model
    def _sms_optout_urls(self, codes):
        """``{code: opt-out link}``, the base URL read once."""
        base_url = urljoin(self.get_base_url(), '/so/')
        return {code: base_url + code for code in codes}

    @api.model
    def _sms_optout_find(self, code):
        if not code or len(code) < 16:
            return self.browse()
        return self.sudo().search([('sms_code', '=', code), ('trace_type', '=', 'sms'),
                                   ('sms_number', '!=', False)], limit=1)

    def _sms_optout_mailing(self):
        """The mailing of the link; a test SMS's trace belongs to no mailing but points to it."""
        if self.is_test_trace and self.model == 'mailing.mailing':
            return self.env['mailing.mailing'].sudo().browse(self.res_id).exists()
        return self.mass_mailing_id.sudo()

    def _sms_optout_lang(self):
        """The recipient's language when their record has one; else the page follows the browser's."""
        record = self.env[self.model].sudo().browse(self.res_id).exists() if self.model in self.env else None
        lang = record and (('lang' in record and record.lang) or ('partner_id' in record and record.partner_id.lang))
        return lang if lang and self.env['res.lang']._get_data(code=lang).id else False

    def _sms_optout_company(self):
        return self._sms_optout_mailing().user_id.company_id or self.env.company

    def _sms_optout_subscriptions(self):
        lists = self._sms_optout_mailing().contact_list_ids
        if not lists:
            return self.env['mailing.subscription']
        return self.env['mailing.subscription'].sudo().search(
            [('list_id', 'in', lists.ids), ('contact_id.phone_sanitized', '=', self.sms_number)])

    def _sms_optout_is_subscribed(self):
        mailing = self._sms_optout_mailing()
        if mailing.contact_list_ids:
            return any(not subscription.opt_out for subscription in self._sms_optout_subscriptions())
        return not self.env['phone.blacklist'].sudo().search_count([('number', '=', self.sms_number)], limit=1)

    def _sms_optout_context(self):
        return {'sms_consent_channel': 'link', 'sms_consent_mailing_id': self._sms_optout_mailing().id}

    def _sms_optout_unsubscribe(self):
        """Opt the number out of the mailing's lists, or blacklist it when the mailing went to other
        records. Doing it twice changes nothing; a test SMS's link changes nothing at all."""
        if self.is_test_trace or not self._sms_optout_is_subscribed():
            return
        mailing = self._sms_optout_mailing()
        if mailing.contact_list_ids:
            self._sms_optout_subscriptions().filtered(lambda sub: not sub.opt_out).with_context(
                **self._sms_optout_context()).write({'opt_out': True})
        else:
            self.env['phone.blacklist'].sudo().with_context(**self._sms_optout_context())._add(
                [self.sms_number], message=self.env._("Opted out through the link of SMS mailing %s.", mailing.subject))

    def _sms_optout_resubscribe(self):
        """Undo an unsubscription: the "changed my mind" link."""
        if self.is_test_trace or self._sms_optout_is_subscribed():
            return
        mailing = self._sms_optout_mailing()
        if mailing.contact_list_ids:
            self._sms_optout_subscriptions().filtered('opt_out').with_context(
                **self._sms_optout_context()).write({'opt_out': False})
        else:
            self.env['phone.blacklist'].sudo().with_context(**self._sms_optout_context())._remove(
                [self.sms_number], message=self.env._("Subscribed again through the link of SMS mailing %s.",
                                                      mailing.subject))
