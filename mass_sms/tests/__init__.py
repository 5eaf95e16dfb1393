from . import test_mass_sms_app
