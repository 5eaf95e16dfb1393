import json
import logging

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.base.models.res_partner import _lang_get, _tz_get
from odoo.addons.sms_gateway_bridge.tools.jobs import commit_progress, lock_unchanged

from ..tools import template
from ..tools.recurrence import Recurrence

_logger = logging.getLogger(__name__)

# Fineract's codes, which its REST API and clients use
TRIGGER_TYPE_CODES = {'direct': 1, 'scheduled': 2, 'triggered': 3}
STATE_CODES = {'pending': 100, 'active': 300, 'closed': 600}
PREVIEW_SIZE = 3
GENERATE_BATCH_SIZE = 1000
GENERATE_BATCH_SIZE_PARAM = 'sms_campaign_rules.generation_batch_size'
WEEKDAY_FIELDS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
TAB_STATES = ('pending', 'waiting', 'sent', 'delivered', 'failed')


class SmsCampaign(models.Model):
    """An SMS campaign as in Fineract: a business rule selects its recipients, once when it is
    activated (Direct), at each occurrence of its recurrence (Scheduled) or on an event (Triggered)."""
    _name = 'sms.campaign'
    _description = 'SMS Campaign'
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company, index=True)
    trigger_type = fields.Selection([
        ('direct', 'Direct'), ('scheduled', 'Scheduled'), ('triggered', 'Triggered'),
    ], required=True, default='direct',
        help="Direct: sent once to the rule's recipients when activated. Scheduled: sent again at each "
             "occurrence of its recurrence. Triggered: sent to a record when an event happens to it.")
    rule_id = fields.Many2one(
        'sms.campaign.rule', 'Business Rule', required=True, ondelete='restrict',
        domain="[('is_triggered', '=', trigger_type == 'triggered'), ('is_available', '=', True)]")
    param_value_ids = fields.One2many(
        'sms.campaign.parameter.value', 'campaign_id', 'Parameter Values', copy=True,
        compute='_compute_param_value_ids', store=True, readonly=False,
        help="The values of the business rule's parameters, e.g. how many days since the last order.")
    parameter_types = fields.Char(compute='_compute_parameter_types')
    param_value = fields.Text(
        'Parameter Values (JSON)', compute='_compute_param_value', inverse='_inverse_param_value',
        help='The parameter values as a JSON object, as the REST API reads and writes them: {"days_since_signup": 30}.')
    bridge_id = fields.Many2one(
        'sms.gateway.bridge', 'SMS Gateway', check_company=True,
        help="Send through this gateway; empty, the company's gateways route each message by its number.")
    message = fields.Text(
        required=True, translate=True,
        help="The text sent, with the business rule's parameters in braces: Hello {name}. Translate it "
             "to text each recipient in their language.")
    available_parameters = fields.Char(related='rule_id.available_parameters')
    lang = fields.Selection(
        _lang_get, 'Fallback Language', default=lambda self: self.env.lang,
        help="Recipients whose language has no translation of the message get it in this language.")
    state = fields.Selection([
        ('pending', 'Pending'), ('active', 'Active'), ('closed', 'Closed'),
    ], required=True, default='pending', readonly=True, copy=False, index=True)
    submitted_date = fields.Date('Submitted On', default=fields.Date.context_today, readonly=True, copy=False)
    submitted_uid = fields.Many2one('res.users', 'Submitted By', default=lambda self: self.env.user,
                                    readonly=True, copy=False)
    activation_date = fields.Date('Activated On', readonly=True, copy=False)
    activation_uid = fields.Many2one('res.users', 'Activated By', readonly=True, copy=False)
    closure_date = fields.Date('Closed On', readonly=True, copy=False)
    closure_uid = fields.Many2one('res.users', 'Closed By', readonly=True, copy=False)
    activation_count = fields.Integer(readonly=True, copy=False,
                                      help="Activations so far: a Direct campaign texts its recipients once per activation.")
    generated_activation = fields.Integer(readonly=True, copy=False,
                                          help="The last activation whose messages were created.")
    generation_cursor = fields.Char(readonly=True, copy=False,
                                    help="Where the messages of the current occurrence stopped: the next batch starts after it.")
    # Scheduled campaigns
    recurrence_type = fields.Selection([
        ('daily', 'Daily'), ('weekly', 'Weekly'), ('monthly', 'Monthly'), ('yearly', 'Yearly'),
    ], 'Repeat', default='monthly')
    recurrence_interval = fields.Integer('Every', default=1)
    mon = fields.Boolean('Monday')
    tue = fields.Boolean('Tuesday')
    wed = fields.Boolean('Wednesday')
    thu = fields.Boolean('Thursday')
    fri = fields.Boolean('Friday')
    sat = fields.Boolean('Saturday')
    sun = fields.Boolean('Sunday')
    month_day = fields.Integer('Day of Month', help="Monthly: the day it is sent; months that lack it use their last day.")
    recurrence_start_date = fields.Date('Start Date', default=fields.Date.context_today)
    send_time = fields.Float('Send Time', default=9.0, help="Local time in the campaign's time zone.")
    tz = fields.Selection(_tz_get, 'Time Zone', default=lambda self: self.env.company.partner_id.tz or self.env.user.tz or 'UTC')
    next_trigger_date = fields.Datetime('Next Run', readonly=True, copy=False)
    last_trigger_date = fields.Datetime('Last Run', readonly=True, copy=False)
    # Triggered campaigns
    automation_id = fields.Many2one('base.automation', 'Automation Rule', readonly=True, copy=False, ondelete='set null')
    is_running = fields.Boolean('On', compute='_compute_is_running', inverse='_inverse_is_running')
    # messages
    message_ids = fields.One2many('sms.campaign.message', 'campaign_id', 'Messages')
    pending_count = fields.Integer(compute='_compute_counts')
    waiting_count = fields.Integer(compute='_compute_counts')
    sent_count = fields.Integer(compute='_compute_counts')
    delivered_count = fields.Integer(compute='_compute_counts')
    failed_count = fields.Integer(compute='_compute_counts')
    # preview
    recipient_count = fields.Integer(compute='_compute_preview')
    preview = fields.Text(compute='_compute_preview')
    segment_count = fields.Integer('Segments', compute='_compute_preview',
                                   help="SMS segments of the first rendered message (of the template when there is none).")

    _name_unique = models.Constraint('unique(name)', "A campaign with this name already exists.")

    # computes ------------------------------------------------------------------------------

    @api.depends('state')
    def _compute_is_running(self):
        for campaign in self:
            campaign.is_running = campaign.state == 'active'

    def _inverse_is_running(self):
        self.filtered(lambda c: c.is_running and c.state != 'active').action_activate()
        self.filtered(lambda c: not c.is_running and c.state == 'active').action_close()

    @api.depends('rule_id')
    def _compute_param_value_ids(self):
        for campaign in self:
            campaign.param_value_ids = campaign._param_value_commands()

    def _param_value_commands(self):
        """Commands that give the campaign a value per parameter of its rule: the values it has
        for them are kept, the others removed, the missing ones start from the parameters' defaults."""
        stale = self.param_value_ids.filtered(lambda value: value.parameter_id.rule_id != self.rule_id)
        missing = self.rule_id.parameter_ids - (self.param_value_ids - stale).parameter_id
        return [Command.unlink(value.id) for value in stale] + [
            Command.create(self.env['sms.campaign.parameter.value']._default_values(parameter)) for parameter in missing]

    @api.depends('param_value_ids.value_type')
    def _compute_parameter_types(self):
        for campaign in self:
            campaign.parameter_types = ','.join(set(campaign.param_value_ids.mapped('value_type')))

    @api.depends('param_value_ids.value_integer', 'param_value_ids.value_float', 'param_value_ids.value_char',
                 'param_value_ids.value_date')
    def _compute_param_value(self):
        for campaign in self:
            values = {line.name: line._value() for line in campaign.param_value_ids}
            campaign.param_value = json.dumps({name: value for name, value in values.items() if value is not None},
                                              default=str)

    def _inverse_param_value(self):
        """Set the values the JSON names; other keys (Fineract's reportName, officeId...) are ignored."""
        for campaign in self:
            try:
                raw = json.loads(campaign.param_value or '{}')
            except ValueError:
                raise ValidationError(self.env._("The parameter values are not valid JSON.")) from None
            if not isinstance(raw, dict):
                raise ValidationError(self.env._("The parameter values must be a JSON object."))
            if commands := campaign._param_value_commands():
                campaign.param_value_ids = commands
            for line in campaign.param_value_ids.filtered(lambda line: line.name in raw):
                line._set_value(raw[line.name])

    def _compute_counts(self):
        counts = {(campaign.id, state): count for campaign, state, count in self.env['sms.campaign.message']._read_group(
            [('campaign_id', 'in', self.ids)], ['campaign_id', 'state'], ['__count'])}
        for campaign in self:
            for state in TAB_STATES:
                campaign['%s_count' % state] = counts.get((campaign.id, state), 0)

    @api.depends('rule_id', 'param_value', 'message', 'trigger_type', 'lang')
    def _compute_preview(self):
        for campaign in self:
            campaign.recipient_count, campaign.preview, campaign.segment_count = 0, False, template.segment_count(campaign.message)
            if not campaign.rule_id or campaign.rule_id.is_triggered:
                continue
            try:
                recipients = campaign._recipients(limit=PREVIEW_SIZE)
                campaign.recipient_count = campaign.rule_id._recipient_count(campaign._param_values())
            except (ValueError, UserError) as error:
                campaign.preview = str(error)
                continue
            texts = ['%s: %s' % (recipient['number'], campaign._render(recipient)) for recipient in recipients]
            campaign.preview = '\n'.join(texts) or self.env._("The business rule selects no recipient.")
            if recipients:
                campaign.segment_count = template.segment_count(campaign._render(recipients[0]))

    # checks -------------------------------------------------------------------------------

    @api.constrains('trigger_type', 'rule_id')
    def _check_rule_kind(self):
        for campaign in self:
            if not campaign.rule_id.is_available:
                raise ValidationError(self.env._(
                    "The business rule %(rule)s needs the app of %(model)s, which is not installed.",
                    rule=campaign.rule_id.name, model=campaign.rule_id.model_name))
            if campaign.rule_id.is_triggered and campaign.trigger_type != 'triggered':
                raise ValidationError(self.env._(
                    "The business rule %(rule)s reacts to events: use it with a Triggered campaign, not a %(type)s one.",
                    rule=campaign.rule_id.name, type=campaign._trigger_type_label()))
            if not campaign.rule_id.is_triggered and campaign.trigger_type == 'triggered':
                raise ValidationError(self.env._(
                    "The business rule %(rule)s selects recipients: use it with a Direct or Scheduled campaign, "
                    "a Triggered campaign needs an event rule.", rule=campaign.rule_id.name))

    @api.constrains('rule_id', 'message')
    def _check_message(self):
        for campaign in self:
            campaign.rule_id._check_template(campaign.message)

    def _check_param_values(self):
        """A campaign is activated with a value for each parameter of its rule (or its default)."""
        for campaign in self:
            try:
                campaign._param_values()
            except ValueError as error:
                raise UserError(self.env._("Campaign %(campaign)s: %(error)s", campaign=campaign.name,
                                           error=error)) from None

    @api.constrains('trigger_type', 'recurrence_interval', 'month_day')
    def _check_recurrence(self):
        for campaign in self.filtered(lambda c: c.trigger_type == 'scheduled'):
            if campaign.recurrence_interval < 1:
                raise ValidationError(self.env._("A scheduled campaign repeats every 1 or more days, weeks, months or years."))
            if not 0 <= campaign.month_day <= 31:
                raise ValidationError(self.env._("The day of the month is between 1 and 31."))

    def write(self, vals):
        if 'message' in vals and any(campaign.state == 'active' for campaign in self):
            raise UserError(self.env._("The message of an active campaign cannot change: close the campaign first."))
        if {'rule_id', 'trigger_type', 'param_value', 'param_value_ids'} & set(vals) and any(c.state == 'active' for c in self):
            raise UserError(self.env._("The business rule of an active campaign cannot change: close the campaign first."))
        result = super().write(vals)
        if {'rule_id', 'param_value', 'param_value_ids', 'bridge_id', 'company_id'} & set(vals):
            self.filtered('automation_id')._sync_automation()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if self.message_ids:
            raise UserError(self.env._(
                "Campaigns that have sent messages are kept with their messages: archive them instead."))

    def unlink(self):
        automations = self.automation_id
        result = super().unlink()
        automations.sudo().action_server_ids.unlink()
        automations.sudo().unlink()
        return result

    # states ---------------------------------------------------------------------------------

    def action_activate(self, activation_date=None):
        activation_date = activation_date or fields.Date.context_today(self)
        for campaign in self:
            if campaign.state == 'active':
                raise UserError(self.env._("The campaign %(campaign)s is already active.", campaign=campaign.name))
            if activation_date > fields.Date.context_today(self):
                raise UserError(self.env._("A campaign cannot be activated on a future date."))
            if campaign.submitted_date and activation_date < campaign.submitted_date:
                raise UserError(self.env._("A campaign cannot be activated before it was submitted (%(date)s).",
                                           date=campaign.submitted_date))
            campaign._check_message()
            campaign._check_param_values()
            campaign.write({
                'state': 'active', 'activation_date': activation_date, 'activation_uid': self.env.uid,
                'closure_date': False, 'closure_uid': False, 'activation_count': campaign.activation_count + 1,
                'generation_cursor': False,
            })
            if campaign.trigger_type == 'direct':
                # the first recipients' messages are Pending at once; the job creates the others
                if not campaign._generate_batch()[1]:
                    self.env.ref('sms_campaign_rules.ir_cron_generate_campaign_messages')._trigger()
            elif campaign.trigger_type == 'scheduled':
                campaign.next_trigger_date = campaign._recurrence().next_after(fields.Datetime.now())
            else:
                campaign._sync_automation()
        return True

    def action_close(self, closure_date=None):
        closure_date = closure_date or fields.Date.context_today(self)
        for campaign in self:
            if campaign.state != 'active':
                raise UserError(self.env._("Only an active campaign can be closed."))
            if campaign.activation_date and closure_date < campaign.activation_date:
                raise UserError(self.env._("A campaign cannot be closed before it was activated (%(date)s).",
                                           date=campaign.activation_date))
            if closure_date > fields.Date.context_today(self):
                raise UserError(self.env._("A campaign cannot be closed on a future date."))
        self.write({'state': 'closed', 'closure_date': closure_date, 'closure_uid': self.env.uid,
                    'next_trigger_date': False, 'generation_cursor': False})
        self.automation_id.sudo().active = False
        return True

    def action_reactivate(self, activation_date=None):
        if any(campaign.state != 'closed' for campaign in self):
            raise UserError(self.env._("Only a closed campaign can be reactivated."))
        return self.action_activate(activation_date)

    # recipients and messages -------------------------------------------------------------

    def _param_values(self):
        """``{name: typed value}`` of the rule's parameters (their defaults where the campaign has
        no value), or ValueError."""
        return self.rule_id._parse_values({line.name: line._value() for line in self.param_value_ids})

    def _recipients(self, limit):
        return self.rule_id._recipients(self._param_values(), limit=limit)

    def _recurrence(self):
        return Recurrence(
            frequency=self.recurrence_type, interval=self.recurrence_interval, start=self.recurrence_start_date,
            send_time=self.send_time, tz=self.tz or 'UTC', month_day=self.month_day,
            weekdays=tuple(index for index, day in enumerate(WEEKDAY_FIELDS) if self[day]))

    def _message_for(self, lang, translations=None):
        """The message's language and text for a recipient speaking ``lang``: its translation
        to ``lang``, else the message in the fallback language. ``translations``: the stored ones,
        read once for a batch of recipients."""
        if translations is None:
            translations = self._translations()
        if lang and translations.get(lang):
            return lang, translations[lang]
        return self.lang, translations.get(self.lang) or self.message

    def _translations(self):
        return self._fields['message']._get_stored_translations(self._origin) if self._origin.id else {}

    def _render(self, recipient, translations=None):
        lang, message = self._message_for(recipient['lang'], translations)
        return template.render(message, recipient['values'](lang))

    def _occurrence_key(self):
        if self.trigger_type == 'direct':
            return 'activation %d' % self.activation_count
        return fields.Datetime.to_string(self.next_trigger_date)

    def _generate_batch(self):
        """Create the pending messages of the next batch of recipients of this campaign's current
        occurrence (Direct: its activation; Scheduled: its next trigger date), each recipient once
        whatever reruns; when it was the last batch, the occurrence is done (a Scheduled campaign
        moves to its next one). Return the number of recipients of the batch, and whether the
        occurrence is done."""
        self.ensure_one()
        size = int(self.env['ir.config_parameter'].sudo().get_param(GENERATE_BATCH_SIZE_PARAM, GENERATE_BATCH_SIZE))
        try:
            recipients, after = self.rule_id._recipient_batch(self._param_values(), self.generation_cursor, size)
        except ValueError as error:
            raise UserError(self.env._("Campaign %(campaign)s: %(error)s", campaign=self.name, error=error)) from None
        occurrence, translations = self._occurrence_key(), self._translations()
        self.env['sms.campaign.message']._insert_new([
            self._message_values(recipient, occurrence, translations) for recipient in recipients])
        self.generation_cursor = after
        if after is None:
            self._end_occurrence()
        return len(recipients), after is None

    def _end_occurrence(self):
        if self.trigger_type == 'direct':
            self.generated_activation = self.activation_count
        else:
            # never catch up on missed occurrences: the next one is the first after now
            now = fields.Datetime.now()
            self.write({'last_trigger_date': self.next_trigger_date,
                        'next_trigger_date': self._recurrence().next_after(max(now, self.next_trigger_date))})

    def _message_values(self, recipient, occurrence, translations=None):
        return {
            'campaign_id': self.id, 'company_id': self.company_id.id, 'occurrence': occurrence,
            'recipient_key': recipient['key'], 'res_model': recipient['res_model'] or None,
            'res_id': recipient['res_id'] or None, 'partner_id': recipient['partner_id'] or None,
            'number': recipient['number'], 'body': self._render(recipient, translations),
        }

    # jobs ---------------------------------------------------------------------------------------

    @api.model
    def _cron_generate_messages(self):
        """Update SMS outbound with campaign message: the pending messages of due Direct and
        Scheduled campaigns, one committed batch of recipients at a time, within the job's time
        budget. The campaign is locked, in each batch's transaction, while the batch's messages
        are created and its position moves forward: other workers skip it, a killed run resumes
        from the last committed batch, and the unique key of the messages stops any duplicate
        that could still slip through."""
        failed_ids = []
        commit_progress(self.env)  # a fresh snapshot: what other workers committed is seen, not locked on
        while campaign := self._lock_next_due(failed_ids):
            processed = 0
            try:
                with self.env.cr.savepoint():
                    processed, __ = campaign._generate_batch()
            except UserError as error:
                _logger.warning("SMS campaign %s not run: %s", campaign.name, error)
                failed_ids.append(campaign.id)
            if not commit_progress(self.env, processed, remaining=1):  # more may be due: run again soon
                return
        commit_progress(self.env, remaining=0)

    def _lock_next_due(self, excluded_ids):
        """The next due campaign, locked; None when none is left or another worker changed it
        since this transaction began (it is working on it)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT id FROM sms_campaign
                WHERE state = 'active' AND active AND id != ALL(%s)
                  AND ((trigger_type = 'scheduled' AND next_trigger_date <= %s)
                       OR (trigger_type = 'direct' AND COALESCE(generated_activation, 0) < activation_count))
                ORDER BY id""",
            excluded_ids, fields.Datetime.now()))
        for campaign in self.browse(row[0] for row in self.env.cr.fetchall()):
            locked = lock_unchanged(campaign, allow_referencing=True)
            if locked is None:
                return None
            if locked:
                return campaign
        return None

    # Triggered campaigns ---------------------------------------------------------------------

    def _sync_automation(self):
        """Create or update the automation rule and server action that run this Triggered campaign."""
        for campaign in self.filtered(lambda c: c.trigger_type == 'triggered'):
            values = {
                **campaign.rule_id._automation_values(campaign._param_values()),
                'name': self.env._("SMS campaign: %(campaign)s", campaign=campaign.name),
                'active': campaign.state == 'active',
                'last_run': fields.Datetime.now(),  # a reactivated date rule never catches up
            }
            automation = campaign.automation_id.sudo()
            if automation:
                automation.write(values)
                continue
            automation = self.env['base.automation'].sudo().create(values)
            self.env['ir.actions.server'].sudo().create({
                'name': self.env._("Send SMS campaign %(campaign)s", campaign=campaign.name),
                'model_id': campaign.rule_id.model_id.id, 'usage': 'base_automation',
                'base_automation_id': automation.id, 'state': 'code',
                'code': "env['sms.campaign'].browse(%d)._on_event(records)" % campaign.id,
            })
            campaign.automation_id = automation

    def _on_event(self, records):
        """Text the records an event happened to. Their messages and SMS are written in the
        triggering transaction: if it rolls back, nothing was ever queued; the queue job sees
        them once it has committed."""
        self.ensure_one()
        if self.state != 'active' or not records:
            return
        campaign = self.sudo()
        rule = campaign.rule_id
        values_list = []
        for record in records.sudo():
            recipient = rule._record_recipient(record)
            if recipient['number']:
                values_list.append(campaign._message_values(recipient, rule._event_key(record)))
        # the user whose change triggered the event may not read campaigns (a portal signup)
        self.env['sms.campaign.message'].sudo()._insert_new(values_list)._hand_to_queue()

    # presentation --------------------------------------------------------------------------------

    def _trigger_type_label(self):
        return dict(self._fields['trigger_type']._description_selection(self.env))[self.trigger_type]

    def action_preview(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {
                'title': self.env._("%(count)s recipients", count=self.recipient_count),
                'message': self.preview or self.env._("No preview for Triggered campaigns."),
                'sticky': True, 'type': 'info',
            },
        }

    def action_view_messages(self):
        self.ensure_one()
        state = self.env.context.get('campaign_message_state')
        action = self.env['ir.actions.act_window']._for_xml_id('sms_campaign_rules.sms_campaign_message_action')
        action['domain'] = [('campaign_id', '=', self.id)] + ([('state', '=', state)] if state else [])
        action['context'] = {'create': False}
        return action
