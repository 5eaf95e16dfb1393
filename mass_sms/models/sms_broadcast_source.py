import base64
import contextlib
import fnmatch
import hashlib
import logging
import posixpath
from zoneinfo import ZoneInfo

from odoo import api, fields, models
from odoo.addons.base.models.res_partner import _tz_get
from odoo.addons.phone_validation.tools import phone_validation
from odoo.addons.sms_gateway_bridge.tools.jobs import commit_progress
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.broadcast_file import FileRules
from ..tools.delivery_report_file import DEFAULT_MEMBER_ID_LABEL
from ..tools.remote_folder import RemoteFolderError, ServerAccess, open_remote_folder

_logger = logging.getLogger(__name__)

DEFAULT_PORTS = {'ftp': 21, 'ftps': 21, 'sftp': 22}
POLL_LOCK_SPACE = 0x534D5342  # "SMSB": the first key of the advisory locks of sources being polled
POLL_TIME_MARGIN = 60  # seconds a poll keeps for a file's import: a 100,000-row file takes about 30


class SmsBroadcastSource(models.Model):
    """Where broadcast files come from: uploads in Mass SMS, or a folder on the partner's FTP,
    FTPS or SFTP server that a job polls; and where the daily delivery report goes."""
    _name = 'sms.broadcast.source'
    _description = 'SMS Broadcast File Source'
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    protocol = fields.Selection([('upload', 'Upload'), ('ftp', 'FTP'), ('ftps', 'FTPS (FTP over TLS)'),
                                 ('sftp', 'SFTP')], required=True, default='upload')
    host = fields.Char(groups='base.group_system')
    port = fields.Integer(compute='_compute_port', store=True, readonly=False, groups='base.group_system')
    username = fields.Char(groups='base.group_system')
    password = fields.Char(groups='base.group_system')
    certificate = fields.Text(
        'Trusted Certificate', groups='base.group_system',
        help="FTPS: the server's certificate or its authority (PEM), when the system's authorities do not "
             "vouch for it.")
    host_key = fields.Char(
        'Host Key', groups='base.group_system',
        help="SFTP: the server's public key (\"ssh-ed25519 AAAA...\"). The connection is refused when the server "
             "shows another key; Test Connection tells the key it shows.")
    inbound_folder = fields.Char(default='inbound', help="The folder the partner drops broadcast files in.")
    archive_folder = fields.Char(default='archive', help="Imported files are moved here.")
    error_folder = fields.Char(default='error', help="Rejected files are moved here, each with its error report.")
    outbound_folder = fields.Char(default='outbound', help="The daily delivery reports are written here.")
    file_pattern = fields.Char(default='*.csv', required=True, help="Files of the inbound folder to import.")
    bridge_id = fields.Many2one(
        'sms.gateway.bridge', 'SMS Gateway', check_company=True,
        help="Send the broadcasts through this gateway; empty, each SMS goes through the gateway of its number.")
    message_template = fields.Text(
        'Default Message', translate=False,
        help="The message of files without a Message column; {{ column }} is the value of that column of the "
             "row, e.g. \"Hello {{ name }}, you have {{ points }} points\".")
    country_id = fields.Many2one('res.country', 'Country of Numbers', default=lambda self: self.env.company.country_id,
                                 help="The country of numbers written without their country code.")
    tz = fields.Selection(_tz_get, 'Time Zone', required=True, default=lambda self: self.env.user.tz or 'UTC',
                          help="The time zone of the files' dates and of the delivery reports.")
    skip_invalid_rows = fields.Boolean(
        help="Send the valid rows of a file that has invalid ones; unticked, such a file is rejected whole.")
    max_file_size = fields.Integer('Maximum File Size (MB)', default=20)
    max_rows = fields.Integer('Maximum Rows', default=200000)
    pending_sizes = fields.Json(
        readonly=True, copy=False, groups='base.group_system',
        help="Sizes of the files seen on the last poll: a file is imported once its size stopped changing.")
    last_poll_date = fields.Datetime(readonly=True, copy=False)
    poll_error = fields.Text(readonly=True, copy=False)
    report_enabled = fields.Boolean('Daily Delivery Report', default=True)
    report_hour = fields.Float('Report Time', default=1.0,
                               help="Each day at this time (source's time zone), the report of the day before is made.")
    member_id_label = fields.Char('Member ID Column', default=DEFAULT_MEMBER_ID_LABEL, required=True,
                                  help="The name of the report's last column.")
    broadcast_ids = fields.One2many('sms.broadcast', 'source_id', 'Broadcasts')
    broadcast_count = fields.Integer(compute='_compute_broadcast_count')

    @api.depends('protocol')
    def _compute_port(self):
        for source in self:
            source.port = DEFAULT_PORTS.get(source.protocol, 0)

    def _compute_broadcast_count(self):
        counts = dict(self.env['sms.broadcast']._read_group([('source_id', 'in', self.ids)], ['source_id'], ['__count']))
        for source in self:
            source.broadcast_count = counts.get(source, 0)

    # reading files -------------------------------------------------------------------

    def _file_rules(self):
        self.ensure_one()
        return FileRules(
            normalise_phone=self._normalise_phone,
            template=self.message_template or '',
            tz=ZoneInfo(self.tz),
            skip_invalid_rows=self.skip_invalid_rows,
            max_bytes=self.max_file_size * 1024 * 1024,
            max_rows=self.max_rows,
        )

    def _normalise_phone(self, number):
        """``number`` in E.164, by Odoo's phone validation; None when it is not a valid number."""
        try:
            return phone_validation.phone_format(number, self.country_id.code, self.country_id.phone_code,
                                                 force_format='E164')
        except UserError:
            return None

    def _import_file(self, file_name, content):
        """The broadcast of a file and whether it was imported now rather than before: a file (name
        and content) is imported once per source, which a unique key on the broadcasts guarantees."""
        self.ensure_one()
        file_hash = hashlib.sha256(content).hexdigest()
        broadcast = self.env['sms.broadcast'].search(
            [('source_id', '=', self.id), ('file_name', '=', file_name), ('file_hash', '=', file_hash)])
        if broadcast:
            return broadcast, False
        return self.env['sms.broadcast']._create_from_file(self, file_name, content, file_hash), True

    # remote folders --------------------------------------------------------------

    def _server_access(self):
        source = self.sudo()
        return ServerAccess(source.protocol, source.host or '', source.port, source.username or '',
                            source.password or '', certificate=source.certificate or '', host_key=source.host_key or '')

    def action_test_connection(self):
        self.ensure_one()
        try:
            with open_remote_folder(self._server_access()) as server:
                names = sorted(server.list(self.inbound_folder))
        except RemoteFolderError as error:
            raise UserError(self.env._(error.reason)) from error
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'type': 'success', 'title': self.env._("Connected to %(host)s", host=self.sudo().host),
            'message': self.env._("%(folder)s holds %(count)s files: %(names)s", folder=self.inbound_folder,
                                  count=len(names), names=', '.join(names[:20]) or '-'),
        }}

    @api.model
    def _cron_poll(self):
        sources = self.search([('protocol', '!=', 'upload')])
        commit_progress(self.env, remaining=len(sources))
        for source in sources:
            source._poll()
            commit_progress(self.env, 1)

    def _poll(self):
        """Import the files of the inbound folder whose size has not changed since the last poll,
        each committed on its own; move each to the archive folder, or to the error folder with its
        error report. A source another job is polling is left to it."""
        self.ensure_one()
        with self._polling_lock() as locked:
            if not locked:
                return
            # a snapshot taken once the lock is held shows what the job that held it before committed
            commit_progress(self.env)
            try:
                with open_remote_folder(self._server_access()) as server:
                    for file_name in self._settled_files(server.list(self.inbound_folder)):
                        if self._take_file(server, file_name) < POLL_TIME_MARGIN:
                            # the job's time is nearly over: the next run takes the other files
                            self.env.ref('mass_sms.ir_cron_sms_broadcast_poll')._trigger()
                            break
                self.sudo().poll_error = False
            except RemoteFolderError as error:
                self.sudo().poll_error = self.env._(error.reason)
                _logger.warning("Broadcast source %s: %s", self.name, self.poll_error)
            self.sudo().last_poll_date = fields.Datetime.now()
            commit_progress(self.env)

    @contextlib.contextmanager
    def _polling_lock(self):
        """A session lock on the source while a job polls it: PostgreSQL releases it when the
        job's connection dies, whatever killed the job."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", POLL_LOCK_SPACE, self.id))
        locked = self.env.cr.fetchone()[0]
        try:
            yield locked
        except Exception:
            self.env.cr.rollback()  # the lock outlives the transaction: a failed one must not keep it
            raise
        finally:
            if locked:
                self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", POLL_LOCK_SPACE, self.id))

    def _settled_files(self, sizes):
        """Names of the files matching the pattern whose size is the one the last poll saw."""
        sizes = {name: size for name, size in sizes.items() if fnmatch.fnmatch(name, self.file_pattern)}
        seen = self.sudo().pending_sizes or {}
        self.sudo().pending_sizes = sizes
        commit_progress(self.env)
        return sorted(name for name, size in sizes.items() if seen.get(name) == size)

    def _take_file(self, server, file_name):
        """Import a file, committed, then move it out of the inbound folder; the job's time left."""
        inbound_path = posixpath.join(self.inbound_folder, file_name)
        broadcast, _imported = self._import_file(file_name, server.read(inbound_path))
        time_left = commit_progress(self.env)
        if broadcast.mailing_id:
            server.move(inbound_path, posixpath.join(self.archive_folder, file_name))
        else:
            server.write(posixpath.join(self.error_folder, broadcast.error_report_name),
                         base64.b64decode(broadcast.error_report))
            server.move(inbound_path, posixpath.join(self.error_folder, file_name))
        return time_left

    def action_view_broadcasts(self):
        action = self.env['ir.actions.actions']._for_xml_id('mass_sms.sms_broadcast_action')
        action['domain'] = [('source_id', 'in', self.ids)]
        return action
