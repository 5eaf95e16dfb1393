import base64
from pathlib import PurePosixPath
from urllib.parse import quote as url_quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..tools.broadcast_file import read_broadcast_file, write_problems

RECIPIENT_BATCH = 5000  # recipients created per statement
DELETABLE = ('pending', 'scheduled', 'failed')


class SmsBroadcast(models.Model):
    """A broadcast file turned into an SMS mailing to its rows (seed 003): its date decides
    whether it waits for a marketer (none), is sent at once (past) or scheduled (future)."""
    _name = 'sms.broadcast'
    _description = 'SMS Broadcast by File'
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(required=True, help="The file's campaign name, else the file's name.")
    source_id = fields.Many2one('sms.broadcast.source', 'Source', required=True, readonly=True, index=True,
                                ondelete='restrict', check_company=True)
    company_id = fields.Many2one(related='source_id.company_id', store=True, precompute=True)
    file_name = fields.Char(required=True, readonly=True)
    file_hash = fields.Char('File SHA-256', required=True, readonly=True)
    file = fields.Binary('Original File', attachment=True, readonly=True)
    error_report = fields.Binary(attachment=True, readonly=True,
                                 help="Line, column and reason of each problem of the file.")
    error_report_name = fields.Char(compute='_compute_error_report_name')
    row_count = fields.Integer('Rows', readonly=True)
    invalid_count = fields.Integer('Invalid Rows', readonly=True)
    valid_count = fields.Integer('Valid Rows', readonly=True)
    mailing_id = fields.Many2one('mailing.mailing', 'SMS Mailing', readonly=True, index='btree_not_null',
                                 ondelete='restrict', help="The mailing that sends the broadcast; none when the "
                                                           "file was rejected.")
    status = fields.Selection([
        ('pending', 'Pending'),
        ('scheduled', 'Scheduled'),
        ('sending', 'Sending'),
        ('paused', 'Paused'),
        ('sent', 'Sent'),
        ('failed', 'Failed'),
    ], compute='_compute_status', store=True, index=True,
        help="Failed: the file was rejected, or its sending cancelled.")
    send_now = fields.Boolean('Send Now', default=True,
                              help="Send the broadcast as soon as you click Send; unticked, choose its date.")
    date = fields.Datetime('On Date', help="When the broadcast is sent.")
    progress = fields.Float(related='mailing_id.sms_progress')
    sms_sent = fields.Integer(related='mailing_id.sms_sent')
    sms_delivered = fields.Integer(related='mailing_id.sms_delivered')
    sms_bounced = fields.Integer(related='mailing_id.sms_bounced')
    sms_exception = fields.Integer(related='mailing_id.sms_exception')

    _file_unique = models.Constraint('unique(source_id, file_name, file_hash)',
                                     "This file was already imported from this source.")

    @api.depends('mailing_id.state', 'mailing_id.schedule_date', 'mailing_id.sms_paused', 'mailing_id.sms_canceled')
    def _compute_status(self):
        now = fields.Datetime.now()
        for broadcast in self:
            mailing = broadcast.mailing_id
            if not mailing or mailing.sms_canceled:
                broadcast.status = 'failed'
            elif mailing.state == 'draft':
                broadcast.status = 'pending'
            elif mailing.state == 'in_queue' and mailing.schedule_date and mailing.schedule_date > now:
                broadcast.status = 'scheduled'
            elif mailing.state in ('in_queue', 'sending'):
                broadcast.status = 'paused' if mailing.sms_paused else 'sending'
            else:
                broadcast.status = 'sent'

    def _compute_error_report_name(self):
        for broadcast in self:
            broadcast.error_report_name = '%s.errors.csv' % PurePosixPath(broadcast.file_name or '').stem

    # import ------------------------------------------------------------------------

    @api.model
    def _create_from_file(self, source, file_name, content, file_hash):
        """The broadcast of a file new to ``source``: rejected (no mailing) when the file has a fatal
        problem; else its mailing to its valid rows, pending, scheduled or queued by the file's date."""
        parsed = read_broadcast_file(content, source._file_rules())
        broadcast = self.create({
            'name': parsed.campaign or PurePosixPath(file_name).stem,
            'source_id': source.id,
            'file_name': file_name,
            'file_hash': file_hash,
            'file': base64.b64encode(content),
            'error_report': base64.b64encode(write_problems(
                (problem.line, problem.column, self.env._(problem.reason)) for problem in parsed.problems
            )) if parsed.problems else False,
            'row_count': parsed.row_count,
            'invalid_count': parsed.invalid_count,
            'valid_count': 0 if parsed.fatal else len(parsed.recipients),
            'date': parsed.date,
            'send_now': not parsed.date,
        })
        if parsed.fatal:
            return broadcast
        for batch in split_every(RECIPIENT_BATCH, parsed.recipients):
            self.env['sms.broadcast.recipient'].create([{
                'broadcast_id': broadcast.id, 'line': row.line, 'phone': row.phone,
                'message': row.message, 'member_id': row.member_id,
            } for row in batch])
        broadcast.mailing_id = self.env['mailing.mailing'].create(broadcast._mailing_values())
        if parsed.date and parsed.date > fields.Datetime.now():
            broadcast.action_schedule()
        elif parsed.date:
            broadcast.action_send()
        return broadcast

    def _mailing_values(self):
        return {
            'name': self.name,
            'subject': self.name,
            'mailing_type': 'sms',
            'body_plaintext': '{{ object.message }}',
            'mailing_model_id': self.env['ir.model']._get_id('sms.broadcast.recipient'),
            'mailing_domain': repr([('broadcast_id', '=', self.id)]),
            'sms_gateway_bridge_id': self.source_id.bridge_id.id,
        }

    # marketers' actions --------------------------------------------------------------

    def _check_status(self, statuses, action):
        for broadcast in self:
            if broadcast.status not in statuses:
                raise UserError(self.env._(
                    "%(broadcast)s is %(status)s: it cannot be %(action)s.", broadcast=broadcast.name,
                    status=dict(self._fields['status']._description_selection(self.env))[broadcast.status],
                    action=action))

    def action_send(self):
        self._check_status(('pending', 'scheduled'), self.env._("sent now"))
        self.write({'send_now': True, 'date': fields.Datetime.now()})
        self.mailing_id.action_launch()

    def action_schedule(self):
        self._check_status(('pending', 'scheduled'), self.env._("scheduled"))
        for broadcast in self:
            if not broadcast.date or broadcast.date <= fields.Datetime.now():
                raise UserError(self.env._("Choose a date in the future to schedule %(broadcast)s, or send it now.",
                                           broadcast=broadcast.name))
            broadcast.send_now = False
            broadcast.mailing_id.write({'schedule_type': 'scheduled', 'schedule_date': broadcast.date})
        self.mailing_id.action_put_in_queue()

    def action_pause(self):
        """No further SMS of the broadcast leaves for the gateways until it is resumed."""
        self._check_status(('sending',), self.env._("paused"))
        self.mailing_id.action_pause_sms()

    def action_resume(self):
        self._check_status(('paused',), self.env._("resumed"))
        self.mailing_id.action_resume_sms()

    def action_cancel(self):
        """Cancel the SMS no gateway has yet."""
        self._check_status(('sending', 'paused'), self.env._("cancelled"))
        self.mailing_id.action_cancel_sms()

    def action_open_mailing(self):
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'mailing.mailing',
            'res_id': self.mailing_id.id,
            'views': [(False, 'form')],
        }

    def _download(self, field_name, file_name):
        return {
            'type': 'ir.actions.act_url',
            'url': '/web/content/sms.broadcast/%s/%s?download=true&filename=%s' % (
                self.id, field_name, url_quote(file_name)),
            'target': 'self',
        }

    def action_download_file(self):
        return self._download('file', self.file_name)

    def action_download_error_report(self):
        return self._download('error_report', self.error_report_name)

    def write(self, vals):
        result = super().write(vals)
        if 'name' in vals:
            self.mailing_id.write({'name': vals['name'], 'subject': vals['name']})
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sending(self):
        self._check_status(DELETABLE, self.env._("deleted"))

    def unlink(self):
        mailings = self.mailing_id
        result = super().unlink()
        mailings.unlink()
        return result
