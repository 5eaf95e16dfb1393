"""One Odoo worker running the SMS queue job once, as a cron worker does, in its own process:
python3 -m tests.workers.sms_queue <odoo config file> <database>"""
import sys

import odoo.init  # noqa: F401 - Odoo's import-time setup, before any other odoo module
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config


def main(config_path, database):
    config.parse_config(['--config', config_path, '--database', database, '--log-level', 'warn'])
    with Registry(database).cursor() as cr:
        api.Environment(cr, api.SUPERUSER_ID, {})['sms.sms']._process_queue()


if __name__ == '__main__':
    main(*sys.argv[1:])
