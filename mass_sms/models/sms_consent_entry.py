from odoo import api, fields, models

CHANNELS = [
    ('link', 'Opt-out Link'),
    ('reply', 'SMS Reply (STOP/START)'),
    ('import', 'Import'),
    ('manual', 'Manual'),
    ('list', 'Mailing List Subscription'),
]


class SmsConsentEntry(models.Model):
    """One opt-in or opt-out of a phone number: the audit trail of SMS consent. Entries are only
    ever added, by the flows that change consent."""
    _name = 'sms.consent.entry'
    _description = 'SMS Consent Ledger Entry'
    _order = 'date desc, id desc'
    _rec_name = 'number'

    number = fields.Char(required=True, readonly=True, index=True)
    consent = fields.Selection([('opt_in', 'Opt-in'), ('opt_out', 'Opt-out')], required=True, readonly=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    scope = fields.Char(readonly=True, help="What the consent is about: every SMS (blacklist) or mailing lists.")
    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True, ondelete='set null')
    mailing_list_ids = fields.Many2many('mailing.list', string='Mailing Lists', readonly=True)
    note = fields.Text(readonly=True, help="The message that came with the change, such as the SMS reply.")
    user_id = fields.Many2one('res.users', 'Done By', readonly=True, default=lambda self: self.env.user)

    @api.model
    def _record(self, numbers, consent, channel=None, **values):
        """Add an entry per number. The channel comes from the caller, else from the context
        (sms_consent_channel), else it was done by hand."""
        channel = channel or self.env.context.get('sms_consent_channel') or (
            'import' if self.env.context.get('import_file') else 'manual')
        mailing_id = values.pop('mailing_id', None) or self.env.context.get('sms_consent_mailing_id')
        return self.sudo().create([{
            'number': number, 'consent': consent, 'channel': channel, 'mailing_id': mailing_id, **values,
        } for number in numbers if number])

    @api.model
    def _action_for_numbers(self, numbers):
        action = self.env['ir.actions.actions']._for_xml_id('mass_sms.sms_consent_entry_action')
        action['domain'] = [('number', 'in', list(numbers))]
        action['context'] = {'create': False}
        return action
