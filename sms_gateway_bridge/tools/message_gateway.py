"""The openMF message-gateway's REST contract: error bodies, SMS bridge payloads, delivery
statuses, as the reference (github.com/openMF/message-gateway) and Fineract's client speak them.

Plain Python, no ORM: the controller and the models adapt.
"""
from datetime import datetime, timezone

import phonenumbers

TENANT_HEADER = 'Fineract-Platform-TenantId'
APP_KEY_HEADER = 'Fineract-Tenant-App-Key'
DEFAULT_PREFIX = '/messagegateway'
INFOBIP_DEFAULT_URL = 'https://api.infobip.com'

# SmsMessageStatusType of the reference, the codes Fineract's "Get delivery reports" job reads
PENDING, WAITING_FOR_REPORT, SENT, DELIVERED, FAILED = 100, 150, 200, 300, 400
OUTBOUND_STATUS = {
    'pending': PENDING,
    'waiting': WAITING_FOR_REPORT,
    'sent': SENT,
    # the provider took it but never reported: final for Fineract, which stops asking
    'no_report': SENT,
    'delivered': DELIVERED,
    'failed': FAILED,
}

# providerKey of the reference -> our provider code
PROVIDER_KEYS = {'twilio': 'twilio', 'infobip': 'infobip', 'simulator': 'simulator'}
PROVIDER_KEY_NAMES = {'twilio': 'Twilio', 'infobip': 'InfoBip', 'simulator': 'Simulator'}
# configName of the reference (MessageGatewayConstants) -> bridge field, per provider. Infobip's
# username/password of the reference become its API key: Provider_API_Key, else Provider_Auth_Token.
CONFIG_FIELDS = {
    'twilio': {'Provider_Account_Id': 'twilio_account_sid', 'Provider_Auth_Token': 'twilio_auth_token',
               'Provider_Url': 'base_url', 'Sender_Name': 'sender'},
    'infobip': {'Provider_API_Key': 'infobip_api_key', 'Provider_Auth_Token': 'infobip_api_key',
                'Provider_Account_Id': None, 'Provider_Url': 'base_url', 'Sender_Name': 'sender'},
    'simulator': {'Sender_Name': 'sender', 'Provider_Account_Id': None, 'Provider_Auth_Token': None},
}
# SmsConstants.supportedParameters of the reference (configValue included, as there)
BRIDGE_PARAMETERS = ('phoneNo', 'providerName', 'providerKey', 'countryCode', 'providerDescription',
                     'bridgeConfigurations', 'configValue')
BRIDGE_MANDATORY = ('phoneNo', 'providerName', 'countryCode', 'providerKey', 'providerDescription')


class GatewayError(Exception):
    """An answer other than success: HTTP status and JSON body."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def java_timestamp(moment=None):
    """A date as Spring Boot's Jackson writes java.util.Date: 2026-12-02T02:15:00.000+00:00."""
    moment = (moment or datetime.now(timezone.utc)).replace(tzinfo=timezone.utc)
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%03d+00:00' % (moment.microsecond // 1000)


def spring_error(status, path):
    """Spring Boot's default error body, the reference's answer to what no handler maps:
    unknown tenant or wrong app key (500), missing header or unreadable JSON (400), a body that
    is not JSON (415)."""
    reasons = {400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 415: 'Unsupported Media Type',
               429: 'Too Many Requests', 500: 'Internal Server Error'}
    return GatewayError(status, {'timestamp': java_timestamp(), 'status': status, 'error': reasons[status],
                                 'path': path})


def parameter_error(code, message, parameter='id', args=()):
    """ApiParameterError of the reference."""
    return {'developerMessage': message, 'defaultUserMessage': message, 'userMessageGlobalisationCode': code,
            'parameterName': parameter, 'value': None, 'args': [{'value': arg} for arg in args]}


def validation_error(errors, code='validation.msg.validation.errors.exist', message='Validation errors exist.'):
    """PlatformApiDataValidationException: 400 and ApiGlobalErrorResponse.badClientRequest."""
    return GatewayError(400, {
        'developerMessage': 'The request was invalid. This typically will happen due to validation errors '
                            'which are provided.',
        'httpStatusCode': '400', 'defaultUserMessage': message, 'userMessageGlobalisationCode': code,
        'errors': errors,
    })


def bridge_not_found(bridge_id):
    """SMSBridgeNotFoundException: 404 and ApiGlobalErrorResponse.notFound."""
    message = 'SMSBridge with identifier %s does not exist' % bridge_id
    return GatewayError(404, {
        'developerMessage': 'The requested resource is not available.', 'httpStatusCode': '404',
        'defaultUserMessage': 'The requested resource is not available.',
        'userMessageGlobalisationCode': 'error.msg.resource.not.found',
        'errors': [parameter_error('error.msg.smsbrige.id.invalid', message, args=[bridge_id])],
    })


def unauthenticated():
    """ApiGlobalErrorResponse.unAuthenticated (401), for /tenants without a valid Odoo API key."""
    return GatewayError(401, {
        'developerMessage': 'Invalid authentication details were passed in api request.', 'httpStatusCode': '401',
        'defaultUserMessage': 'Unauthenticated. Please login.',
        'userMessageGlobalisationCode': 'error.msg.not.authenticated', 'errors': [],
    })


def unauthorized(message):
    """ApiGlobalErrorResponse.unAuthorized (403)."""
    return GatewayError(403, {
        'developerMessage': 'The user associated with credentials passed on this request does not have '
                            'sufficient privileges to perform this action.',
        'httpStatusCode': '403', 'defaultUserMessage': 'Insufficient privileges to perform this action.',
        'userMessageGlobalisationCode': 'error.msg.not.authorized',
        'errors': [parameter_error('error.msg.not.authorized', message)],
    })


def domain_rule_violation(code, message):
    """ApiGlobalErrorResponse.domainRuleViolation (403)."""
    return GatewayError(403, {
        'developerMessage': 'Request was understood but caused a domain rule violation.', 'httpStatusCode': '403',
        'defaultUserMessage': 'Errors contain reason for domain rule violation.',
        'userMessageGlobalisationCode': 'validation.msg.domain.rule.violation',
        'errors': [parameter_error(code, message)],
    })


def too_many_requests(path):
    return spring_error(429, path)


# SMS bridges -----------------------------------------------------------------------------

def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _mandatory_error(parameter):
    return parameter_error('validation.msg.smsBridge.%s.cannot.be.blank' % parameter,
                           'The parameter %s is mandatory.' % parameter, parameter)


def parse_bridge(payload, creating, provider=None):
    """Validate an /smsbridges payload as SmsBridgeSerializer does; return the bridge values it
    sets (our field names). ``provider`` is the bridge's current provider when updating."""
    if not isinstance(payload, dict):
        raise validation_error([parameter_error('validation.msg.smsBridge.body.invalid',
                                                'The request body must be a JSON object.', 'body')])
    unsupported = [name for name in payload if name not in BRIDGE_PARAMETERS]
    if unsupported:
        raise validation_error([parameter_error('error.msg.parameter.unsupported',
                                                'The parameter %s is not supported.' % name, name, [name])
                                for name in unsupported])
    errors = []
    for name in BRIDGE_MANDATORY if creating else [name for name in BRIDGE_MANDATORY if name in payload]:
        if _blank(payload.get(name)) or not isinstance(payload.get(name), str):
            errors.append(_mandatory_error(name))
    values = {}
    if 'providerKey' in payload and not errors:
        provider = PROVIDER_KEYS.get(payload['providerKey'].strip().lower())
        if not provider:
            errors.append(parameter_error(
                'validation.msg.smsBridge.providerKey.is.not.one.of.expected.enumerations',
                'The parameter providerKey must be one of Twilio, InfoBip.', 'providerKey', [payload['providerKey']]))
        values['provider'] = provider
    if 'countryCode' in payload and not errors:
        digits = payload['countryCode'].strip().lstrip('+')
        if not digits.isdigit() or phonenumbers.region_code_for_country_code(int(digits)) == 'ZZ':
            errors.append(parameter_error('validation.msg.smsBridge.countryCode.invalid',
                                          'The parameter countryCode must be a country calling code such as +91.',
                                          'countryCode', [payload['countryCode']]))
        values['country_code'] = '+' + digits
    configs = payload.get('bridgeConfigurations')
    if creating or 'bridgeConfigurations' in payload:
        if not isinstance(configs, list) or not configs:
            errors.append(parameter_error('validation.msg.smsBridge.bridgeConfigurations.cannot.be.empty',
                                          'The parameter bridgeConfigurations cannot be empty.',
                                          'bridgeConfigurations'))
        elif not errors:
            errors += _parse_configs(configs, provider, values)
    if errors:
        raise validation_error(errors)
    for name, field in (('phoneNo', 'sender'), ('providerName', 'name'), ('providerDescription', 'description')):
        if name in payload:
            values.setdefault(field, payload[name].strip())
    if values.get('provider') == 'infobip' and creating:
        values.setdefault('base_url', INFOBIP_DEFAULT_URL)
    return values


def _parse_configs(configs, provider, values):
    errors = []
    fields = CONFIG_FIELDS[provider]
    by_name = {}
    for index, config in enumerate(configs):
        if not isinstance(config, dict) or _blank(config.get('configName')) or _blank(config.get('configValue')):
            errors.append(parameter_error(
                'validation.msg.smsBridge.bridgeConfigurations.cannot.be.blank',
                'The parameter bridgeConfigurations[%s] needs a configName and a configValue.' % index,
                'bridgeConfigurations[%s]' % index))
            continue
        name = str(config['configName']).strip()
        if name not in fields:
            errors.append(parameter_error(
                'error.msg.smsBridge.configName.unsupported',
                'The configName %s is not supported by provider %s; use one of %s.' % (
                    name, PROVIDER_KEY_NAMES[provider], ', '.join(sorted(fields))), 'configName', [name]))
            continue
        by_name[name] = str(config['configValue']).strip()
    for name, value in sorted(by_name.items(), key=lambda item: item[0] == 'Provider_API_Key'):
        if fields[name]:  # Provider_API_Key wins over Provider_Auth_Token for Infobip
            values[fields[name]] = value
    return errors


def bridge_data(bridge):
    """An SMSBridge as the reference serializes it: without providerKey, countryCode and
    bridgeConfigurations (JsonIgnore there), so never any credential."""
    return {
        'id': bridge['id'],
        'tenantId': bridge['tenant_id'],
        'phoneNo': bridge['sender'],
        'providerName': bridge['name'],
        'providerDescription': bridge['description'] or '',
        'createdOnDate': java_timestamp(bridge['create_date']),
        'modifiedOnDate': java_timestamp(bridge['write_date']),
    }


# messages -----------------------------------------------------------------------------------

def internal_id_of(value):
    """The internal id of a message (a Long at Fineract, a string in the seed), as text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def parse_messages(payload):
    """Validate a POST /sms body: a list of {internalId, mobileNumber, message, providerId}.
    Returns (internal id, mobile number, text, provider id) per message, first of each internal id."""
    if not isinstance(payload, list):
        raise validation_error([parameter_error('validation.msg.sms.body.invalid',
                                                'The request body must be a JSON list of messages.', 'body')])
    errors, messages, seen = [], [], set()
    for index, item in enumerate(payload):
        internal_id = internal_id_of(item.get('internalId')) if isinstance(item, dict) else None
        if internal_id is None:
            errors.append(parameter_error('validation.msg.sms.internalId.cannot.be.blank',
                                          'The parameter [%s].internalId is mandatory.' % index, 'internalId'))
            continue
        if not isinstance(item.get('message'), str) or not isinstance(item.get('mobileNumber') or '', (str, int)):
            errors.append(parameter_error('validation.msg.sms.message.cannot.be.blank',
                                          'The parameters message and mobileNumber of message %s must be text.'
                                          % internal_id, 'message', [internal_id]))
            continue
        if internal_id in seen:
            continue
        seen.add(internal_id)
        messages.append((internal_id, str(item.get('mobileNumber') or '').strip(), item['message'],
                         item.get('providerId')))
    if errors:
        raise validation_error(errors)
    return messages


def parse_internal_ids(payload):
    """The body of POST /sms/report: a list of internal ids."""
    if not isinstance(payload, list) or any(internal_id_of(value) is None for value in payload):
        raise validation_error([parameter_error('validation.msg.sms.report.body.invalid',
                                                'The request body must be a JSON list of internal ids.', 'body')])
    return [internal_id_of(value) for value in payload]


def provider_id_of(value):
    """The bridge id a message names (providerId, a number or its text), None to route, False if unusable."""
    if value is None or value == '':
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return False


def e164(mobile_number, country_code):
    """The E.164 form of a destination: international numbers as they are, national ones in the
    bridge's country (the reference glues countryCode and mobileNumber). Raises ValueError."""
    number = ''.join(char for char in mobile_number if char.isdigit() or char == '+')
    if number.startswith('00'):
        number = '+' + number[2:]
    region = None
    if not number.startswith('+'):
        if not country_code:
            raise ValueError('the number %s is not international and no country code applies' % mobile_number)
        region = phonenumbers.region_code_for_country_code(int(country_code.lstrip('+')))
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError('%s is not a phone number: %s' % (mobile_number, error)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError('%s is not a valid phone number' % mobile_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def delivery_status_data(message):
    """DeliveryStatusData of the reference for one message (a dict of what we know of it).
    hasError is false as the reference answers (it compares an Integer with an enum): Fineract's
    job skips reports with hasError, so a true one would leave failed messages pending there."""
    status = message['status']
    return {
        'id': message['internal_id'],
        'externalId': message['external_id'] or None,
        'deliveredOnDate': message['delivered_on'].strftime('%Y-%m-%d') if message['delivered_on'] else None,
        'deliveryStatus': status,
        'hasError': False,
        'errorMessage': message['error_message'] or None,
        'bridgeId': message['bridge_id'] or 0,
        'tenantId': message['tenant_id'],
    }
