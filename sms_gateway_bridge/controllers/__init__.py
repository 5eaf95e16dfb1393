from . import main
from . import message_gateway
