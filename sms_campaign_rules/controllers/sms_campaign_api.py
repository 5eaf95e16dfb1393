"""Fineract's SMS campaign REST API, /api/v1/smscampaigns, served by Odoo: a client written for
Fineract works unchanged. Authenticated with an Odoo API key, as ``Authorization: Bearer <key>``
or as Fineract's ``Fineract-Tenant-App-Key`` (``Fineract-Platform-TenantId`` names the database,
and a request naming another one is refused)."""
import json
import logging
import re

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from ..models.sms_campaign import STATE_CODES, TRIGGER_TYPE_CODES
from ..tools import fineract

_logger = logging.getLogger(__name__)

TRIGGER_TYPES = {code: name for name, code in TRIGGER_TYPE_CODES.items()}
RRULE_FREQUENCIES = {'DAILY': 'daily', 'WEEKLY': 'weekly', 'MONTHLY': 'monthly', 'YEARLY': 'yearly'}
RRULE_DAYS = ('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')
WEEKDAY_FIELDS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
PREVIEW_MESSAGES = 10
COMMANDS = {'activate': ('activationDate', 'active'), 'reactivate': ('activationDate', 'active'),
            'close': ('closureDate', 'closed')}


def _reads_only(controller, rule, args):
    return request.httprequest.method == 'GET'


class ApiError(Exception):
    def __init__(self, status, message, code='error.msg.smscampaign'):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class SmsCampaignApi(http.Controller):

    @http.route('/api/v1/smscampaigns', type='http', auth='none', methods=['GET', 'POST'], csrf=False,
                save_session=False, readonly=_reads_only)
    def campaigns(self, **query):
        if request.httprequest.method == 'GET':
            return self._serve(lambda: [self._campaign_json(c) for c in request.env['sms.campaign'].search([])])
        return self._serve(lambda: {'resourceId': self._create(self._body()).id})

    @http.route('/api/v1/smscampaigns/<int:campaign_id>', type='http', auth='none',
                methods=['GET', 'PUT', 'POST', 'DELETE'], csrf=False, save_session=False, readonly=_reads_only)
    def campaign(self, campaign_id, command=None, **query):
        method = request.httprequest.method
        if method == 'GET':
            return self._serve(lambda: self._campaign_json(self._find(campaign_id)))
        if method == 'PUT':
            return self._serve(lambda: self._update(self._find(campaign_id), self._body()))
        if method == 'DELETE':
            return self._serve(lambda: self._delete(self._find(campaign_id)))
        return self._serve(lambda: self._command(self._find(campaign_id), command, self._body(allow_empty=True)))

    # plumbing -------------------------------------------------------------------------------

    def _serve(self, handler):
        try:
            self._authenticate()
            with request.env.cr.savepoint():  # an error leaves nothing behind
                payload = handler()
            return self._json(payload)
        except ApiError as error:
            return self._error(error.status, error.message, error.code)
        except AccessError as error:
            return self._error(403, str(error), 'error.msg.not.authorized')
        except (MissingError, NotFound):
            return self._error(404, request.env._("No SMS campaign with this identifier."),
                               'error.msg.sms.campaign.identifier.not.found')
        except (ValidationError, UserError, ValueError) as error:
            return self._error(400, str(error), 'validation.msg.validation.errors.exist')

    def _authenticate(self):
        headers = request.httprequest.headers
        bearer = re.match(r'^bearer\s+(.+)$', headers.get('Authorization', ''), re.IGNORECASE)
        key = bearer.group(1) if bearer else headers.get('Fineract-Tenant-App-Key')
        self._check_tenant(required=bool(key and not bearer))
        uid = request.env['res.users.apikeys']._check_credentials(scope='rpc', key=key) if key else None
        if not uid:
            raise ApiError(401, request.env._("Authenticate with an API key: \"Authorization: Bearer <key>\" or "
                                              "\"Fineract-Tenant-App-Key: <key>\"."), 'error.msg.not.authenticated')
        request.update_env(user=uid)
        if not request.env.user.has_group('mass_mailing.group_mass_mailing_user'):
            raise AccessError(request.env._("Your user cannot manage SMS campaigns."))

    def _check_tenant(self, required):
        """Fineract's tenant is this server's database: its header (or Fineract's tenantIdentifier
        query parameter) must name the database that serves the request; Fineract's app key needs it."""
        tenant = request.httprequest.headers.get('Fineract-Platform-TenantId') \
            or request.httprequest.args.get('tenantIdentifier')
        if not tenant and required:
            raise ApiError(400, request.env._(
                "No tenant identifier: add the header Fineract-Platform-TenantId with the name of the database."),
                'error.msg.tenant.identifier.missing')
        if tenant and tenant != request.db:
            raise ApiError(401, request.env._(
                "The tenant identifier %(tenant)s is not valid: Fineract-Platform-TenantId names the database "
                "this server serves.", tenant=tenant), 'error.msg.invalid.tenant.identifier')

    def _body(self, allow_empty=False):
        raw = request.httprequest.get_data(as_text=True)
        if not raw.strip() and allow_empty:
            return {}
        try:
            body = fineract.loads(raw)
        except ValueError:
            raise ApiError(400, request.env._("The request body is not valid JSON."), 'error.msg.invalid.json') from None
        if not isinstance(body, dict):
            raise ApiError(400, request.env._("The request body must be a JSON object."), 'error.msg.invalid.json')
        return body

    def _json(self, payload, status=200):
        return request.make_json_response(payload, status=status)

    def _error(self, status, message, code):
        return self._json({
            'developerMessage': message, 'httpStatusCode': str(status), 'defaultUserMessage': message,
            'userMessageGlobalisationCode': code, 'errors': [],
        }, status=status)

    def _find(self, campaign_id):
        campaign = request.env['sms.campaign'].browse(campaign_id).exists()
        if not campaign:
            raise NotFound()
        campaign.check_access('read')
        return campaign

    def _date(self, body, key):
        if not body.get(key):
            return None
        try:
            return fineract.parse_date(body[key], body.get('dateFormat'))
        except (TypeError, ValueError):
            raise ApiError(400, request.env._("%(field)s %(value)r does not match the date format %(format)r.",
                                              field=key, value=body[key],
                                              format=body.get('dateFormat') or fineract.DEFAULT_DATE_FORMAT),
                           'validation.msg.invalid.date.format') from None

    # campaigns -------------------------------------------------------------------------------

    def _campaign_values(self, body):
        values = {}
        if 'campaignName' in body:
            values['name'] = body['campaignName']
        if 'triggerType' in body:
            trigger_type = TRIGGER_TYPES.get(body['triggerType']) or TRIGGER_TYPES.get(
                int(body['triggerType']) if str(body['triggerType']).isdigit() else 0)
            if not trigger_type:
                raise ApiError(400, request.env._("triggerType is 1 (Direct), 2 (Scheduled) or 3 (Triggered)."))
            values['trigger_type'] = trigger_type
        if 'providerId' in body:
            values['bridge_id'] = self._existing('sms.gateway.bridge', body['providerId'], 'providerId').id
        if 'runReportId' in body:
            values['rule_id'] = self._existing('sms.campaign.rule', body['runReportId'], 'runReportId').id
        if 'paramValue' in body:
            param_value = body['paramValue']
            values['param_value'] = param_value if isinstance(param_value, str) else json.dumps(param_value or {})
        if 'message' in body:
            values['message'] = body['message']
        if body.get('recurrence'):
            values.update(self._recurrence_values(body['recurrence']))
        if body.get('recurrenceStartDate'):
            values['recurrence_start_date'] = self._date(body, 'recurrenceStartDate')
        return values

    def _existing(self, model, record_id, key):
        if not record_id:
            return request.env[model]
        record = request.env[model].browse(int(record_id)).exists()
        if not record:
            raise ApiError(400, request.env._("%(field)s %(id)s does not exist.", field=key, id=record_id),
                           'error.msg.%s.not.found' % key)
        return record

    def _recurrence_values(self, rrule):
        parts = dict(part.split('=', 1) for part in rrule.upper().split(';') if '=' in part)
        frequency = RRULE_FREQUENCIES.get(parts.get('FREQ') or rrule.upper())
        if not frequency:
            raise ApiError(400, request.env._("recurrence is an RRULE such as FREQ=WEEKLY;INTERVAL=1;BYDAY=MO."))
        values = {'recurrence_type': frequency, 'recurrence_interval': int(parts.get('INTERVAL', 1))}
        days = parts.get('BYDAY', '').split(',') if parts.get('BYDAY') else []
        values.update({field: code in days for field, code in zip(WEEKDAY_FIELDS, RRULE_DAYS)})
        if parts.get('BYMONTHDAY'):
            values['month_day'] = int(parts['BYMONTHDAY'])
        return values

    def _create(self, body):
        missing = [key for key in ('campaignName', 'triggerType', 'runReportId', 'message') if not body.get(key)]
        if missing:
            raise ApiError(400, request.env._("Missing fields: %(fields)s.", fields=', '.join(missing)),
                           'validation.msg.validation.errors.exist')
        if str(body.get('campaignType', 'SMS')).upper() not in ('SMS', '1'):
            raise ApiError(400, request.env._("campaignType SMS is the only one supported."))
        if request.env['sms.campaign'].with_context(active_test=False).search_count([('name', '=', body['campaignName'])]):
            raise ApiError(400, request.env._("A campaign named %(name)s already exists.", name=body['campaignName']),
                           'error.msg.sms.campaign.duplicate.name')
        return request.env['sms.campaign'].create(self._campaign_values(body))

    def _update(self, campaign, body):
        values = self._campaign_values(body)
        if campaign.state == 'active' and values:
            raise ApiError(409, request.env._("An active campaign cannot change: close it first."),
                           'error.msg.sms.campaign.active')
        campaign.write(values)
        return {'resourceId': campaign.id, 'changes': {key: body[key] for key in body if key not in ('locale', 'dateFormat')}}

    def _delete(self, campaign):
        if campaign.state == 'active':
            raise ApiError(409, request.env._("An active campaign cannot be deleted: close it first."),
                           'error.msg.sms.campaign.active')
        resource_id = campaign.id
        if campaign.message_ids:
            campaign.action_archive()  # kept with the messages it sent, as Fineract's soft delete
        else:
            campaign.unlink()
        return {'resourceId': resource_id, 'changes': {}}

    def _command(self, campaign, command, body):
        if command == 'preview':
            return self._preview(campaign)
        if command not in COMMANDS:
            raise ApiError(400, request.env._("Unknown command %(command)r: use activate, close, reactivate or preview.",
                                              command=command), 'error.msg.unknown.command')
        date_key, new_state = COMMANDS[command]
        expected = {'activate': 'pending', 'close': 'active', 'reactivate': 'closed'}[command]
        if campaign.state != expected:
            raise ApiError(409, request.env._("The campaign is %(state)s: it cannot %(command)s.",
                                              state=campaign.state, command=command),
                           'error.msg.sms.campaign.wrong.state')
        getattr(campaign, 'action_%s' % command)(self._date(body, date_key))
        changes = {'status': self._status(campaign)}
        changes.update({key: body[key] for key in ('locale', 'dateFormat', date_key) if key in body})
        return {'resourceId': campaign.id, 'changes': changes}

    def _preview(self, campaign):
        if campaign.trigger_type == 'triggered':
            raise ApiError(400, request.env._("A Triggered campaign texts the record of each event: no preview."))
        try:
            recipients = campaign._recipients(limit=PREVIEW_MESSAGES)
            total = campaign.rule_id._recipient_count(campaign._param_values())
        except ValueError as error:
            raise ApiError(400, str(error)) from None
        messages = [{'mobileNo': recipient['number'], 'message': campaign._render(recipient)} for recipient in recipients]
        return {'resourceId': campaign.id, 'totalRecipients': total, 'segments': campaign.segment_count,
                'messages': messages}

    def _status(self, campaign):
        return {'id': STATE_CODES[campaign.state], 'code': 'smsCampaignStatus.%s' % campaign.state,
                'value': campaign.state}

    def _campaign_json(self, campaign):
        payload = {
            'id': campaign.id,
            'campaignName': campaign.name,
            'campaignType': 'SMS',
            'triggerType': TRIGGER_TYPE_CODES[campaign.trigger_type],
            'providerId': campaign.bridge_id.id or None,
            'runReportId': campaign.rule_id.id,
            'reportName': campaign.rule_id.name,
            'paramValue': campaign.param_value,
            'message': campaign.message,
            'status': self._status(campaign),
            'submittedOnDate': fineract.format_date(campaign.submitted_date),
            'activatedOnDate': fineract.format_date(campaign.activation_date),
            'closedOnDate': fineract.format_date(campaign.closure_date),
        }
        if campaign.trigger_type == 'scheduled':
            payload.update({
                'nextTriggerDate': fineract.format_date(campaign.next_trigger_date),
                'lastTriggerDate': fineract.format_date(campaign.last_trigger_date),
                'recurrenceStartDate': fineract.format_date(campaign.recurrence_start_date),
                'recurrence': self._recurrence_answer(campaign._recurrence().as_rrule()),
            })
        return payload

    @staticmethod
    def _recurrence_answer(rrule):
        """Seed 000 shows a yearly campaign's recurrence as "YEARLY": a rule with nothing but its
        frequency reads as that word, any other as its RRULE."""
        frequency = rrule.removeprefix('FREQ=').removesuffix(';INTERVAL=1')
        return frequency if '=' not in frequency else rrule
