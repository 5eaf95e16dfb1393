from . import test_bridge_config
from . import test_routing
from . import test_sending
from . import test_delivery_reports
from . import test_bridge_ui
from . import test_providers
from . import test_outbound_log
from . import test_message_gateway
