"""SMS committed to the queue for real Odoo processes (workers, servers) to send, and helpers to
start, watch and stop those processes."""
import contextlib
import subprocess
import sys
import time
from pathlib import Path

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from setup.harness.odoo_server import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
TWILIO_SID, TWILIO_TOKEN, INFOBIP_KEY = 'AC' + '42' * 16, 'twilio-token', 'infobip-key'
SETTINGS = {'sms_gateway_bridge.queue_batch_size': '10', 'sms_gateway_bridge.claim_recovery_delay': '0'}
QUEUE_CRON = 'sms.ir_cron_sms_scheduler_action'


class Queue:
    """SMS committed to the queue for worker processes, all removed afterwards."""

    def __init__(self, env):
        self.env = env
        self.archived = env['sms.gateway.bridge'].search([])
        self.archived.action_archive()
        self.held_back = env['sms.sms'].search([('state', '=', 'outgoing')])  # not this test's
        self.held_back.state = 'canceled'
        self.settings = {key: env['ir.config_parameter'].get_param(key) for key in SETTINGS}
        for key, value in SETTINGS.items():
            env['ir.config_parameter'].set_param(key, value)
        self.bridges = env['sms.gateway.bridge']
        self.sms = env['sms.sms']
        self.partners = env['res.partner']
        self.mailings = env['mailing.mailing']

    def configure(self, **settings):
        """Set queue settings (sms_gateway_bridge.<name>) for this test; they are put back afterwards."""
        for name, value in settings.items():
            key = 'sms_gateway_bridge.%s' % name
            self.settings.setdefault(key, self.env['ir.config_parameter'].get_param(key))
            self.env['ir.config_parameter'].set_param(key, value)
        self.env.cr.commit()

    def bridge(self, provider, fake, **values):
        credentials = {
            'twilio': {'sender': '+15005550006', 'twilio_account_sid': TWILIO_SID, 'twilio_auth_token': TWILIO_TOKEN},
            'infobip': {'sender': 'Workers', 'infobip_api_key': INFOBIP_KEY},
        }[provider]
        bridge = self.env['sms.gateway.bridge'].create({
            'name': 'Workers %s' % provider, 'provider': provider, 'base_url': fake.base_url,
            'delivery_report_mode': 'polling', **credentials, **values})
        self.bridges |= bridge
        return bridge

    def queue(self, count, first=0):
        partners = self.env['res.partner'].create([
            {'name': 'Worker test %d' % index, 'phone': '+3247555%04d' % index} for index in range(first, first + count)])
        self.partners |= partners
        composer = self.env['sms.composer'].create({
            'composition_mode': 'mass', 'res_model': 'res.partner', 'res_ids': repr(partners.ids),
            'body': 'Queued for workers', 'mass_keep_log': False})
        self.sms |= composer._action_send_sms()
        self.env.cr.commit()
        return sorted(partners.mapped('phone'))

    def mailing(self, count, first=0):
        """An SMS mailing to a list of ``count`` contacts, sent (its SMS queued); its numbers."""
        numbers = ['+3247666%04d' % index for index in range(first, first + count)]
        mailing_list = self.env['mailing.list'].create({
            'name': 'Committed queue',
            'contact_ids': [Command.create({'name': 'Contact %s' % number, 'mobile': number}) for number in numbers],
        })
        mailing = self.env['mailing.mailing'].create({
            'name': 'Committed queue', 'subject': 'Committed queue', 'mailing_type': 'sms',
            'body_plaintext': 'Spring sale for {{ object.name }}',
            'mailing_model_id': self.env['ir.model']._get_id('mailing.list'),
            'contact_list_ids': [Command.link(mailing_list.id)],
            # what the queue does, at any hour: the send window and the frequency cap are tested in mass_sms
            'sms_send_window': 'anytime', 'sms_frequency_cap': False,
        })
        mailing.action_send_sms()
        self.mailings |= mailing
        self.sms |= self.env['sms.sms'].search([('mailing_id', '=', mailing.id)])
        self.env.cr.commit()
        return numbers

    def traces(self):
        self.env.cr.rollback()
        return self.env['mailing.trace'].search([('mass_mailing_id', 'in', self.mailings.ids)])

    def outbound(self):
        self.env.cr.rollback()  # a fresh snapshot, with what the workers committed
        return self.env['sms.outbound.message'].search([('sms_uuid', 'in', self.sms.mapped('uuid'))])

    def remove(self):
        self.env.cr.rollback()
        uuids = self.sms.mapped('uuid')
        self.outbound().unlink()
        self.sms.exists().unlink()
        self.env['sms.tracker'].search([('sms_uuid', 'in', uuids)]).unlink()
        self.held_back.state = 'outgoing'
        self.env['sms.delivery.report'].search([('bridge_id', 'in', self.bridges.ids)]).unlink()
        self.bridges.unlink()
        self.partners.unlink()
        self.env['mailing.trace'].search([('mass_mailing_id', 'in', self.mailings.ids)]).unlink()
        self.mailings.contact_list_ids.contact_ids.unlink()
        self.mailings.contact_list_ids.unlink()
        self.mailings.unlink()
        self.archived.action_unarchive()
        for key, value in self.settings.items():
            self.env['ir.config_parameter'].set_param(key, value)
        self.env.cr.commit()


@contextlib.contextmanager
def committed_queue():
    with Registry(get_db_name()).cursor() as cr:
        queue = Queue(api.Environment(cr, SUPERUSER_ID, {}))
        try:
            yield queue
        finally:
            queue.remove()


def start_server(log_path, *args):
    """A real Odoo server on this database, in its own process, logging to ``log_path``."""
    return subprocess.Popen([
        sys.executable, str(REPOSITORY / 'tests' / 'workers' / 'odoo_server.py'), 'server', '--config', config['config'], '--database', get_db_name(),
        '--db-filter', '^%s$' % get_db_name(), '--http-port', str(free_port()), '--gevent-port', str(free_port()),
        '--logfile', str(log_path), '--log-level', 'info', *args,
    ], cwd=REPOSITORY)


def stop(process, timeout=30):
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_worker():
    return subprocess.Popen([sys.executable, '-m', 'tests.workers.sms_queue', config['config'], get_db_name()],
                            cwd=REPOSITORY)


def wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.05)


def sent_numbers(fake):
    return sorted(m['to'] if m['to'].startswith('+') else '+' + m['to'] for m in fake.messages)


