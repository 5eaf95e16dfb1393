from . import mailing_mailing
from . import sms_outbound_message
from . import sms_sms
