from . import test_mailing_sending
from . import test_mass_sms_app
from . import test_security
