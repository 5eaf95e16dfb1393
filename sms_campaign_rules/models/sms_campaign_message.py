from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.sms_gateway_bridge.tools.jobs import commit_progress

SEND_BATCH_SIZE = 1000
# the outbound log's states as seed 001's tabs show them: no report yet counts as sent
TAB_OF_OUTBOUND_STATE = {'pending': 'pending', 'waiting': 'waiting', 'sent': 'sent', 'no_report': 'sent',
                         'delivered': 'delivered', 'failed': 'failed'}
INSERTED_COLUMNS = ('campaign_id', 'company_id', 'occurrence', 'recipient_key', 'res_model', 'res_id',
                    'partner_id', 'number', 'body')


class SmsCampaignMessage(models.Model):
    """One message of a campaign to one recipient for one occurrence, activation or event. The
    unique key (campaign, occurrence, recipient) is what makes every campaign job rerun-safe."""
    _name = 'sms.campaign.message'
    _description = 'SMS Campaign Message'
    _order = 'id desc'
    _rec_name = 'number'

    campaign_id = fields.Many2one('sms.campaign', required=True, readonly=True, index=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True)
    occurrence = fields.Char(required=True, readonly=True,
                             help="The activation, scheduled occurrence or event this message is for.")
    recipient_key = fields.Char(required=True, readonly=True)
    res_model = fields.Char('Source Model', readonly=True)
    res_id = fields.Many2oneReference('Source ID', model_field='res_model', readonly=True)
    source = fields.Char('Caused By', compute='_compute_source')
    partner_id = fields.Many2one('res.partner', 'Recipient', readonly=True, index='btree_not_null')
    number = fields.Char(required=True, readonly=True)
    body = fields.Text(readonly=True)
    sms_uuid = fields.Char('SMS UUID', readonly=True, index='btree_not_null', copy=False,
                           help="Set when the message is handed to the SMS queue.")
    outbound_ids = fields.One2many('sms.outbound.message', 'campaign_message_id', 'Outbound SMS', readonly=True)
    state = fields.Selection([
        ('pending', 'Pending'), ('waiting', 'Waiting for Delivery Report'), ('sent', 'Sent'),
        ('delivered', 'Delivered'), ('failed', 'Failed'),
    ], compute='_compute_state', store=True, index=True, default='pending', readonly=True)
    error_message = fields.Text(compute='_compute_error_message')

    _occurrence_recipient_unique = models.Constraint(
        'unique(campaign_id, occurrence, recipient_key)',
        "A campaign texts a recipient once per occurrence, activation or event.")
    # the send job's queue: what is not handed over yet, in order, however many were handed over before
    _unsent_idx = models.Index('(id) WHERE sms_uuid IS NULL')

    @api.depends('outbound_ids.state')
    def _compute_state(self):
        for message in self:
            message.state = TAB_OF_OUTBOUND_STATE[message.outbound_ids[:1].state or 'pending']

    def _compute_error_message(self):
        for message in self:
            message.error_message = message.sudo().outbound_ids[:1].error_message

    @api.depends('res_model', 'res_id')
    def _compute_source(self):
        for message in self:
            record = self.env[message.res_model].browse(message.res_id).exists() \
                if message.res_model in self.env and message.res_id else None
            message.source = record.sudo().display_name if record else False

    def action_open_source(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_window', 'res_model': self.res_model, 'res_id': self.res_id, 'view_mode': 'form'}

    @api.model
    def _insert_new(self, values_list):
        """Insert the messages whose key is new and return them; existing keys are skipped, also
        when another transaction inserts them at the same time (it waits for that one to end)."""
        if not values_list:
            return self.browse()
        self.flush_model()
        now = fields.Datetime.now()
        rows = SQL(', ').join(
            SQL('(%s, %s, %s, %s, %s, %s)', SQL(', ').join(SQL('%s', values[column]) for column in INSERTED_COLUMNS),
                'pending', self.env.uid, self.env.uid, now, now)
            for values in values_list)
        self.env.cr.execute(SQL(
            """INSERT INTO sms_campaign_message (%s, state, create_uid, write_uid, create_date, write_date)
               VALUES %s
               ON CONFLICT (campaign_id, occurrence, recipient_key) DO NOTHING
               RETURNING id""",
            SQL(', ').join(SQL.identifier(column) for column in INSERTED_COLUMNS), rows))
        self.env['sms.campaign'].invalidate_model(['message_ids'])
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _hand_to_queue(self):
        """Create the SMS of these pending messages for the bridge queue and wake it up."""
        if not self:
            return
        sms_list = self.env['sms.sms'].sudo().create([{
            'number': message.number, 'body': message.body, 'partner_id': message.partner_id.id,
            'company_id': message.company_id.id, 'gateway_bridge_id': message.campaign_id.bridge_id.id,
            'campaign_message_id': message.id, 'state': 'outgoing',
        } for message in self])
        for message, sms in zip(self, sms_list):
            message.sms_uuid = sms.uuid
        self.env['sms.sms']._wake_queue()

    @api.model
    def _cron_send_pending(self):
        """Send messages to SMS gateway: hand pending campaign messages to the bridge queue.
        Each batch is locked (other workers skip it) and committed with its SMS, so a message is
        handed over exactly once, however often the job reruns."""
        commit_progress(self.env)  # a fresh snapshot: what other workers committed is seen, not locked on
        while messages := self._lock_unsent(SEND_BATCH_SIZE):
            messages._hand_to_queue()
            if not commit_progress(self.env, len(messages)):
                break

    def _lock_unsent(self, limit):
        self.flush_model(['sms_uuid'])
        self.env.cr.execute(SQL(
            "SELECT id FROM sms_campaign_message WHERE sms_uuid IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            limit))
        return self.browse(row[0] for row in self.env.cr.fetchall())
