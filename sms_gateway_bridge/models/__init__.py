from . import phone_blacklist
from . import res_company
from . import res_config_settings
from . import sms_delivery_report
from . import sms_gateway_bridge
from . import sms_outbound_message
from . import sms_sms
