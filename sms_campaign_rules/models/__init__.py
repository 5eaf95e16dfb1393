from . import sms_campaign_rule_parameter
from . import sms_campaign_rule
from . import sms_campaign
from . import sms_campaign_parameter_value
from . import sms_campaign_message
from . import sms_sms
from . import sms_outbound_message
