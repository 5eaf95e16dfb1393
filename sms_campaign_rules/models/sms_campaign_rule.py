from datetime import date, datetime

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_amount, format_date, format_datetime
from odoo.tools.safe_eval import datetime as safe_datetime, safe_eval

from ..tools import sql_report, template

RECORD_TYPES = ('records', 'sql')


class SmsCampaignRule(models.Model):
    """A business rule (Fineract's "stretchy report"): who a campaign texts, and the parameters
    its message may use. Records and SQL rules select the recipients of Direct and Scheduled
    campaigns; event rules say which change on a record texts it, for Triggered campaigns."""
    _name = 'sms.campaign.rule'
    _description = 'SMS Business Rule'
    _order = 'rule_type, name'

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    rule_type = fields.Selection([
        ('records', 'Records matching a domain'),
        ('sql', 'SQL report'),
        ('event', 'Event on a record'),
    ], required=True, default='records',
        help="Records and SQL reports select the recipients of Direct and Scheduled campaigns; "
             "an event texts the record it happens to, for Triggered campaigns. SQL reports are for administrators.")
    is_triggered = fields.Boolean(compute='_compute_is_triggered', store=True)
    # the model by its technical name: rules of apps that are not installed (yet) can exist, unavailable
    model_name = fields.Char('Model Name', index=True)
    model_id = fields.Many2one('ir.model', 'Model', compute='_compute_model_id', inverse='_inverse_model_id',
                               domain="[('transient', '=', False)]")
    is_available = fields.Boolean(
        'Available', compute='_compute_is_available', search='_search_is_available',
        help="The app of the rule's model is installed: campaigns can use the rule.")
    phone_field = fields.Char(
        'Phone Field', compute='_compute_phone_field', store=True, readonly=False,
        help="Path to the recipient's number on the record, e.g. phone, mobile or partner_id.phone.")
    partner_field = fields.Char(
        'Recipient Field', compute='_compute_partner_field', store=True, readonly=False,
        help="Path to the contact the message is for, e.g. partner_id; empty for contacts themselves.")
    domain = fields.Char(
        default='[]',
        help="Which records qualify. It may use the rule's parameters by name, today, now and relativedelta, "
             "e.g. [('create_date', '<', now - relativedelta(days=days_since_signup))].")
    template_fields = fields.Char(
        'Template Parameters',
        help="Field paths of the record that messages may use, separated by commas, each with an optional name: "
             "name, city, fullName=partner_id.name.")
    sql_query = fields.Text(
        'SQL Statement',
        help="A SELECT returning a phone column; its other columns are the template parameters. "
             "Name each value it depends on as %(name)s, declared as a parameter; values are bound, never formatted.")
    parameter_ids = fields.One2many('sms.campaign.rule.parameter', 'rule_id', 'Parameters', copy=True)
    available_parameters = fields.Char(compute='_compute_available_parameters')
    # events (Triggered campaigns)
    trigger = fields.Selection([
        ('on_create', 'Record created'),
        ('on_match', 'Record starts matching the domain (a field set to a value)'),
        ('on_state_set', 'State reached'),
        ('on_stage_set', 'Stage reached'),
        ('on_time', 'Date reached'),
    ], default='on_create')
    trigger_field_name = fields.Char('Trigger Field Name')
    trigger_field_id = fields.Many2one(
        'ir.model.fields', 'Trigger Field', compute='_compute_trigger_field_id', inverse='_inverse_trigger_field_id',
        domain="[('model_id', '=', model_id)]",
        help="State: the selection field; stage: the stage field; date: the date field.")
    trigger_value = fields.Char(help="State: the value reached (e.g. sale); stage: the stage's ID.")
    date_range = fields.Integer('Days', help="Date reached: how many days before or after the date.")
    date_range_mode = fields.Selection([('before', 'Before'), ('after', 'After')], default='after')
    campaign_count = fields.Integer(compute='_compute_campaign_count')

    @api.depends('rule_type')
    def _compute_is_triggered(self):
        for rule in self:
            rule.is_triggered = rule.rule_type == 'event'

    @api.depends('model_name')
    def _compute_model_id(self):
        for rule in self:
            rule.model_id = self.env['ir.model']._get(rule.model_name) if rule.model_name in self.env else False

    def _inverse_model_id(self):
        for rule in self:
            rule.model_name = rule.model_id.model

    @api.depends('model_name', 'trigger_field_name')
    def _compute_trigger_field_id(self):
        for rule in self:
            installed = rule.model_name in self.env and rule.trigger_field_name in self.env[rule.model_name]._fields
            rule.trigger_field_id = self.env['ir.model.fields']._get(rule.model_name, rule.trigger_field_name) \
                if installed else False

    def _inverse_trigger_field_id(self):
        for rule in self:
            rule.trigger_field_name = rule.trigger_field_id.name

    @api.depends('rule_type', 'model_name', 'trigger_field_name')
    def _compute_is_available(self):
        for rule in self:
            rule.is_available = rule.rule_type == 'sql' or rule.model_name in self.env and (
                not rule.trigger_field_name or rule.trigger_field_name in self.env[rule.model_name]._fields)

    def _search_is_available(self, operator, value):
        if operator not in ('in', 'not in'):
            return NotImplemented
        available = self.with_context(active_test=False).search([]).filtered('is_available')
        return Domain('id', 'in' if (True in value) == (operator == 'in') else 'not in', available.ids)

    @api.depends('model_id')
    def _compute_phone_field(self):
        for rule in self:
            model_fields = self.env[rule.model_id.model]._fields if rule.model_id else {}
            rule.phone_field = next((name for name in ('mobile', 'phone', 'phone_sanitized') if name in model_fields),
                                    'partner_id.phone' if 'partner_id' in model_fields else False)

    @api.depends('model_id')
    def _compute_partner_field(self):
        for rule in self:
            model = self.env[rule.model_id.model] if rule.model_id else None
            field = model._fields.get('partner_id') if model is not None else None
            rule.partner_field = 'partner_id' if field and field.comodel_name == 'res.partner' else False

    @api.depends('rule_type', 'template_fields', 'sql_query')
    def _compute_available_parameters(self):
        for rule in self:
            rule.available_parameters = ', '.join('{%s}' % name for name in rule._template_parameters())

    def _compute_campaign_count(self):
        counts = dict(self.env['sms.campaign']._read_group([('rule_id', 'in', self.ids)], ['rule_id'], ['__count']))
        for rule in self:
            rule.campaign_count = counts.get(rule, 0)

    # checks -------------------------------------------------------------------------------

    @api.constrains('rule_type', 'model_name', 'phone_field', 'partner_field', 'domain', 'template_fields', 'sql_query',
                    'trigger', 'trigger_field_name', 'trigger_value')
    def _check_definition(self):
        for rule in self:
            if rule.rule_type == 'sql':
                if not rule.sql_query:
                    raise ValidationError(self.env._("The SQL report %(rule)s needs a statement.", rule=rule.name))
                try:
                    sql_report.check_query(rule.sql_query)
                except sql_report.SqlReportError as error:
                    raise ValidationError(self.env._("The SQL report %(rule)s is refused: %(reason)s.",
                                                     rule=rule.name, reason=error)) from None
                undeclared = set(sql_report.placeholders(rule.sql_query)) - set(rule.parameter_ids.mapped('name'))
                if undeclared:
                    raise ValidationError(self.env._(
                        "The SQL report %(rule)s uses parameters it does not declare: %(names)s.",
                        rule=rule.name, names=', '.join(sorted(undeclared))))
                continue
            if not rule.model_name:
                raise ValidationError(self.env._("The business rule %(rule)s needs a model.", rule=rule.name))
            if not rule.is_available:
                continue  # a ready-made rule of an app that is not installed: checked once it is
            for path in rule._paths():
                list(rule._path_fields(path))
            if not rule.phone_field:
                raise ValidationError(self.env._("The business rule %(rule)s needs the field holding the phone number.",
                                                 rule=rule.name))
            if rule.rule_type == 'event' and rule.trigger in ('on_state_set', 'on_stage_set', 'on_time') \
                    and not rule.trigger_field_name:
                raise ValidationError(self.env._("The business rule %(rule)s needs its trigger field.", rule=rule.name))

    def _path_fields(self, path):
        """``(model, field)`` of each step of a field path of the rule's model, or ValidationError."""
        model = self.env[self.model_name]
        for name in path.split('.'):
            field = model._fields.get(name)
            if field is None:
                raise ValidationError(self.env._("The business rule %(rule)s uses %(path)s, which %(model)s does not have.",
                                                 rule=self.name, path=path, model=self.model_id.name))
            yield model, field
            if field.relational:
                model = self.env[field.comodel_name]

    def _paths(self):
        return filter(None, [self.phone_field, self.partner_field, *self._template_paths().values()])

    def _check_readable_by_author(self):
        """Campaigns read their recipients as the system: a rule reads only what its author may read."""
        if self.env.is_superuser() or self.env.user.has_group('base.group_system'):
            return
        for rule in self.filtered(lambda r: r.rule_type != 'sql' and r.is_available):
            for path in rule._paths():
                if any(field.groups or not model.has_access('read') for model, field in rule._path_fields(path)):
                    raise ValidationError(self.env._(
                        "The business rule %(rule)s uses %(path)s, which only administrators may read.",
                        rule=rule.name, path=path))

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get('rule_type') == 'sql' for vals in vals_list):
            self._check_sql_rights()
        rules = super().create([self._names_of_model_and_field(vals) for vals in vals_list])
        rules._check_readable_by_author()
        return rules

    def write(self, vals):
        if vals.get('rule_type') == 'sql' or 'sql_query' in vals or any(rule.rule_type == 'sql' for rule in self):
            self._check_sql_rights()
        result = super().write(self._names_of_model_and_field(vals))
        if {'model_id', 'model_name', 'phone_field', 'partner_field', 'template_fields'} & set(vals):
            self._check_readable_by_author()
        return result

    def _names_of_model_and_field(self, vals):
        """``vals`` with the model and trigger field chosen by record written as the names the rule
        stores, so that the rule's checks see them."""
        vals = dict(vals)
        if 'model_id' in vals:
            vals['model_name'] = self.env['ir.model'].browse(vals.pop('model_id')).model or False
        if 'trigger_field_id' in vals:
            vals['trigger_field_name'] = self.env['ir.model.fields'].browse(vals.pop('trigger_field_id')).name or False
        return vals

    def _check_sql_rights(self):
        # SQL reads the whole database, bypassing access rules: administrators only
        if not self.env.is_superuser() and not self.env.user.has_group('base.group_system'):
            raise AccessError(self.env._("Only administrators can write SQL business rules."))

    # recipients ----------------------------------------------------------------------

    def _template_parameters(self):
        if self.rule_type == 'sql':
            return self._sql_columns()
        return list(self._template_paths())

    def _template_paths(self):
        """``{parameter: field path}`` of a records or event rule; ``fullName=name`` names a path."""
        paths = {}
        for entry in filter(None, (entry.strip() for entry in (self.template_fields or '').split(','))):
            name, __, path = entry.partition('=')
            paths[name.strip()] = (path or name).strip()
        return paths

    def _sql_columns(self):
        if not self.sql_query or not self.id:
            return []
        try:
            params = {parameter.name: parameter._parse(parameter.default_value or '0') for parameter in self.parameter_ids}
            __, columns = sql_report.run(self.env.cr, self.sql_query, params, limit=0)
        except Exception:  # noqa: BLE001 a statement that fails is reported when a campaign runs it
            return []
        return [column for column in columns if column != sql_report.PHONE_COLUMN]

    def _parse_values(self, raw_values):
        """Typed values of the rule's parameters from a campaign's ``{name: value}``, or ValueError."""
        raw_values = raw_values or {}
        return {parameter.name: parameter._parse(raw_values.get(parameter.name)) for parameter in self.parameter_ids}

    def _evaluated_domain(self, values):
        now = fields.Datetime.now()
        context = {**values, 'today': fields.Date.context_today(self), 'now': now,
                   'relativedelta': relativedelta, 'datetime': safe_datetime}
        try:
            return Domain(safe_eval(self.domain or '[]', context))
        except Exception as error:
            raise ValueError(self.env._("the domain of %(rule)s cannot be evaluated: %(error)s", rule=self.name,
                                        error=error)) from None

    def _recipients(self, values, limit=None):
        """The first ``limit`` recipients a Direct or Scheduled campaign texts: dicts with the key
        that identifies the recipient for this campaign, the record, partner, number, language and
        template values."""
        self.ensure_one()
        if self.rule_type == 'sql':
            rows, __ = self._run_sql_report(sql_report.run, values, limit=limit)
            return self._sql_recipients(rows)
        records = self.env[self.model_name].sudo().search(self._recipient_domain(values), limit=limit, order='id')
        return [self._record_recipient(record) for record in records]

    def _recipient_batch(self, values, after, size):
        """The recipients after the position ``after`` (False to start), about ``size`` of them,
        and the position of the next batch, or None after the last: a campaign of any size is
        texted batch by batch, with flat memory, and resumes where its last committed batch ended."""
        self.ensure_one()
        if self.rule_type == 'sql':
            rows, after = self._run_sql_report(sql_report.run_batch, values, after or '', size)
            return self._sql_recipients(rows), after
        domain = self._recipient_domain(values) & Domain('id', '>', int(after or 0))
        records = self.env[self.model_name].sudo().search(domain, limit=size, order='id')
        return [self._record_recipient(record) for record in records], \
            str(records[-1].id) if len(records) == size else None

    def _recipient_count(self, values):
        self.ensure_one()
        if self.rule_type == 'sql':
            return self._run_sql_report(sql_report.count, values)
        return self.env[self.model_name].sudo().search_count(self._recipient_domain(values))

    def _recipient_domain(self, values):
        return self._evaluated_domain(values) & Domain(self.phone_field, '!=', False)

    def _record_recipient(self, record):
        partner = record if record._name == 'res.partner' and not self.partner_field else \
            (record.mapped(self.partner_field)[:1] if self.partner_field else self.env['res.partner'])
        number = next(iter(record.mapped(self.phone_field)), False)
        lang = partner.lang or (record.lang if 'lang' in record._fields else False)
        return {
            'key': '%s,%d' % (record._name, record.id), 'res_model': record._name, 'res_id': record.id,
            'partner_id': partner.id, 'number': number or False, 'lang': lang,
            'values': lambda lang: self._field_values(record, lang),
        }

    def _field_values(self, record, lang):
        record = record.with_context(lang=lang) if lang else record
        values = {}
        for name, path in self._template_paths().items():
            *relations, field_name = path.split('.')
            target = record.mapped('.'.join(relations))[:1] if relations else record
            value = target[field_name] if target else ''
            field = target._fields[field_name] if target else None
            if isinstance(value, models.BaseModel):
                value = ', '.join(value.mapped('display_name'))
            elif isinstance(value, datetime):
                value = format_datetime(self.env, value, lang_code=lang)
            elif isinstance(value, date):
                value = format_date(self.env, value, lang_code=lang)
            elif field is not None and field.type == 'selection':
                value = dict(field._description_selection(target.env)).get(value, value)
            elif field is not None and field.type == 'monetary':
                currency = target[field.get_currency_field(target)] or self.env.company.currency_id
                value = template.sms_text(format_amount(self.env, value, currency, lang_code=lang))
            values[name] = value
        return values

    def _run_sql_report(self, function, values, *args, **kwargs):
        """``function`` of tools.sql_report on this rule's statement; its errors as ValueError."""
        try:
            return function(self.env.cr, self.sql_query, values, *args, **kwargs)
        except sql_report.SqlReportError as error:
            raise ValueError(self.env._("the SQL report %(rule)s is refused: %(reason)s", rule=self.name,
                                        reason=error)) from None
        except psycopg2.Error as error:
            raise ValueError(self.env._("the SQL report %(rule)s failed: %(error)s", rule=self.name,
                                        error=error.pgerror or error)) from None

    def _sql_recipients(self, rows):
        partners = self.env['res.partner'].sudo().browse(
            {row['partner_id'] for row in rows if isinstance(row.get('partner_id'), int)}).exists()
        recipients = []
        for row in rows:
            if not row.get(sql_report.PHONE_COLUMN):
                continue
            partner = partners.browse(row['partner_id']) if row.get('partner_id') in partners.ids else partners.browse()
            number = str(row[sql_report.PHONE_COLUMN])
            recipients.append({
                'key': 'res.partner,%d' % partner.id if partner else 'phone,%s' % number,
                'res_model': 'res.partner' if partner else False, 'res_id': partner.id,
                'partner_id': partner.id, 'number': number, 'lang': partner.lang,
                'values': lambda lang, row=row: {key: '' if value is None else value for key, value in row.items()},
            })
        return recipients

    def _check_template(self, message):
        """Raise ValidationError if ``message`` uses a parameter this rule does not offer."""
        unknown = set(template.parameters_of(message)) - set(self._template_parameters())
        if unknown:
            raise ValidationError(self.env._(
                "The message uses %(unknown)s, which the business rule %(rule)s does not offer. Available: %(available)s.",
                unknown=', '.join('{%s}' % name for name in sorted(unknown)), rule=self.name,
                available=self.available_parameters or self.env._("none")))

    # events ------------------------------------------------------------------------------

    def _event_key(self, record):
        """What makes one event on ``record`` unique for a campaign: the same event reported twice
        (a job rerun, an automation run twice in a transaction) keeps this key."""
        if self.trigger == 'on_time':
            return 'date:%s:%s' % (self.trigger_field_name, record[self.trigger_field_name])
        if self.trigger == 'on_create':
            return 'created'
        return '%s:%s' % (self.trigger, record.write_date)

    def _automation_values(self, values):
        """Fields of the base.automation that runs a Triggered campaign with this rule."""
        domain = self._evaluated_domain(values)
        automation = {'model_id': self.model_id.id, 'filter_domain': repr(list(domain))}
        if self.trigger == 'on_create':
            automation['trigger'] = 'on_create'
        elif self.trigger == 'on_match':
            automation.update(trigger='on_create_or_write', filter_pre_domain=repr(list(~domain)))
        elif self.trigger in ('on_state_set', 'on_stage_set'):
            # only when the trigger field changes to the value (or a record is created with it),
            # whatever the field is called; never on a record's creation in another state
            value = self.trigger_value if self.trigger == 'on_state_set' else int(self.trigger_value or 0)
            reached = domain & Domain(self.trigger_field_name, '=', value)
            automation.update(trigger=self.trigger, filter_domain=repr(list(reached)),
                              trigger_field_ids=[Command.set(self.trigger_field_id.ids)])
            if self.trigger == 'on_state_set':
                automation['trg_selection_field_id'] = self.env['ir.model.fields.selection'].search([
                    ('field_id', '=', self.trigger_field_id.id), ('value', '=', value)], limit=1).id
            else:
                automation['trg_field_ref'] = value
        elif self.trigger == 'on_time':
            automation.update(trigger='on_time', trg_date_id=self.trigger_field_id.id, trg_date_range=self.date_range,
                              trg_date_range_mode=self.date_range_mode, trg_date_range_type='day')
        return automation
