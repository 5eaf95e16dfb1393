from . import test_templates_and_recurrence
from . import test_campaign_rules
from . import test_campaign_lifecycle
from . import test_campaign_sending
from . import test_api
from . import test_campaign_tour
from . import test_campaign_parameters
from . import test_campaign_security
