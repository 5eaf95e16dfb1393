"""One Odoo worker running the SMS campaign jobs once, in their order, as cron workers do, in
its own process: python3 -m tests.workers.campaign_jobs <odoo config file> <database> [<count>]
runs the first <count> jobs (all three by default)."""
import sys

import odoo.init  # noqa: F401 - Odoo's import-time setup, before any other odoo module
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

JOBS = (
    ('sms.campaign', '_cron_generate_messages'),       # Update SMS outbound with campaign message
    ('sms.campaign.message', '_cron_send_pending'),    # Send messages to SMS gateway
    ('sms.sms', '_process_queue'),                     # the bridge queue
)


def main(config_path, database, count=len(JOBS)):
    config.parse_config(['--config', config_path, '--database', database, '--log-level', 'warn'])
    for model, job in JOBS[:int(count)]:
        with Registry(database).cursor() as cr:
            getattr(api.Environment(cr, api.SUPERUSER_ID, {})[model], job)()


if __name__ == '__main__':
    main(*sys.argv[1:])
