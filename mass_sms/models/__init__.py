from . import sms_sending_rules_mixin  # before the models that inherit it
from . import link_tracker
from . import mailing_contact
from . import mailing_list
from . import mailing_mailing
from . import mailing_mailing_composer
from . import mailing_mailing_metrics
from . import mailing_mailing_preparation
from . import mailing_mailing_sending_rules
from . import mailing_subscription
from . import mailing_trace
from . import phone_blacklist
from . import res_company
from . import res_config_settings
from . import sms_consent_entry
from . import sms_gateway_bridge
from . import sms_outbound_message
from . import sms_sms
from . import sms_sms_sending_rules
from . import sms_weekday
# a view over the tables above: its init() must run after theirs
from . import mass_sms_report
