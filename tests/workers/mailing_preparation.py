"""One Odoo process preparing SMS mailings, in its own process:
python3 -m tests.workers.mailing_preparation <odoo config file> <database> job
    runs the mailing queue job as the cron scheduler does (Run Manually: the job's lock, its
    time budget, its progress and commits);
python3 -m tests.workers.mailing_preparation <odoo config file> <database> mailing <mailing id>
    prepares one mailing directly, as a server action would, in one transaction."""
import sys

import odoo.init  # noqa: F401 - Odoo's import-time setup, before any other odoo module
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

MAILING_QUEUE_CRON = 'mass_mailing.ir_cron_mass_mailing_queue'


def main(config_path, database, mode, mailing_id=None):
    config.parse_config(['--config', config_path, '--database', database, '--log-level', 'warn'])
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        if mode == 'job':
            env.ref(MAILING_QUEUE_CRON).method_direct_trigger()
        else:
            env['mailing.mailing'].browse(int(mailing_id)).action_send_sms()


if __name__ == '__main__':
    main(*sys.argv[1:])
