"""One Odoo process polling a broadcast file source, as the polling job does for each source:
python3 -m tests.workers.broadcast_poller <odoo config file> <database> <source id>"""
import sys

import odoo.init  # noqa: F401 - Odoo's import-time setup, before any other odoo module
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config


def main(config_path, database, source_id):
    config.parse_config(['--config', config_path, '--database', database, '--log-level', 'warn'])
    with Registry(database).cursor() as cr:
        api.Environment(cr, api.SUPERUSER_ID, {})['sms.broadcast.source'].browse(int(source_id))._poll()


if __name__ == '__main__':
    main(*sys.argv[1:])
