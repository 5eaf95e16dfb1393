"""Keep the bridges' webhook tokens out of the server's request log.

The secret token is part of each webhook URL (/sms_gateway_bridge/<bridge id>/<token>/<kind>):
providers only call URLs, and Infobip signs nothing. Odoo's HTTP server logs every request line
through werkzeug's logger ('werkzeug', odoo/service/server.py CommonRequestHandler.log_request),
so without this filter anyone who reads the log could post reports and STOP replies.
"""
import logging
import re

WEBHOOK_TOKEN = re.compile(r'(/sms_gateway_bridge/\d+/)[^/\s"?#]+')
MASK = r'\1***'


def mask_webhook_tokens(text):
    return WEBHOOK_TOKEN.sub(MASK, text)


class WebhookTokenFilter(logging.Filter):
    """Masks webhook tokens in the records of the logger it is added to."""

    def filter(self, record):
        message = record.getMessage()
        if '/sms_gateway_bridge/' in message:
            record.msg, record.args = mask_webhook_tokens(message), ()
        return True


def install(logger_name='werkzeug'):
    """Add the filter to ``logger_name`` once, however often the addon is loaded."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, WebhookTokenFilter) for existing in logger.filters):
        logger.addFilter(WebhookTokenFilter())
