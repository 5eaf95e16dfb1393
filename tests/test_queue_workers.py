"""Several Odoo workers on one SMS queue, in real processes on committed data: no SMS is sent
twice, none is left behind, and a worker killed mid-batch loses nothing."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from tests.fakes.infobip import FakeInfobip
from tests.fakes.twilio import FakeTwilio

REPOSITORY = Path(__file__).resolve().parents[1]
TWILIO_SID, TWILIO_TOKEN, INFOBIP_KEY = 'AC' + '42' * 16, 'twilio-token', 'infobip-key'
SETTINGS = {'sms_gateway_bridge.queue_batch_size': '10', 'sms_gateway_bridge.claim_recovery_delay': '0'}


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
        self.archived.action_unarchive()
        for key, value in self.settings.items():
            self.env['ir.config_parameter'].set_param(key, value)
        self.env.cr.commit()


@pytest.fixture
def queue():
    with Registry(get_db_name()).cursor() as cr:
        queue = Queue(api.Environment(cr, SUPERUSER_ID, {}))
        try:
            yield queue
        finally:
            queue.remove()


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


def test_two_workers_send_each_sms_once(queue):
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN, latency=0.05) as twilio:
        queue.bridge('twilio', twilio, max_per_second=20)
        numbers = queue.queue(60)

        workers = [start_worker(), start_worker()]
        assert [worker.wait(timeout=120) for worker in workers] == [0, 0]

        assert sent_numbers(twilio) == numbers
        assert set(queue.outbound().mapped('state')) == {'waiting'}
        assert set(queue.sms.exists().mapped('state')) == {'pending'}  # after outbound(): fresh


def test_killed_worker_after_infobip_took_the_messages(queue):
    """The provider got the messages but the worker died before recording it: Infobip is asked,
    the messages are recorded as sent, nothing is sent again."""
    with FakeInfobip(INFOBIP_KEY) as infobip:
        queue.bridge('infobip', infobip)
        numbers = queue.queue(8)
        infobip.delay_next(60)
        worker = start_worker()
        wait_until(lambda: len(infobip.messages) == 8)
        worker.kill()
        worker.wait()
        outbound = queue.outbound()
        assert set(outbound.mapped('state')) == {'pending'}
        assert not any(outbound.mapped('needs_review'))

        assert start_worker().wait(timeout=120) == 0

        assert sent_numbers(infobip) == numbers
        assert set(queue.outbound().mapped('state')) == {'waiting'}


def test_killed_worker_before_infobip_got_the_messages(queue):
    """The worker died while Infobip was refusing its request: Infobip never got the messages,
    so they go back to the queue and are sent once."""
    with FakeInfobip(INFOBIP_KEY) as infobip:
        queue.bridge('infobip', infobip)
        numbers = queue.queue(8)
        infobip.fail_next(status=503)
        worker = start_worker()
        wait_until(lambda: infobip.requests)
        worker.kill()  # during the backoff before retrying
        worker.wait()
        assert not infobip.messages

        assert start_worker().wait(timeout=120) == 0

        assert sent_numbers(infobip) == numbers
        assert set(queue.outbound().mapped('state')) == {'waiting'}


def test_killed_worker_while_twilio_answers_is_flagged(queue):
    """Twilio cannot be asked by our ids: messages the dead worker claimed are flagged for an
    administrator, never silently sent again; the rest of the queue is sent."""
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as twilio:
        queue.bridge('twilio', twilio, max_per_second=4)
        claimed = queue.queue(4)
        twilio.delay_next(60, count=2)  # two answers never come, two come but are never recorded
        worker = start_worker()
        wait_until(lambda: len(twilio.messages) == 4)
        worker.kill()
        worker.wait()
        taken = len(twilio.messages)
        later = queue.queue(3, first=100)

        assert start_worker().wait(timeout=120) == 0

        assert len(twilio.messages) == taken + 3, 'none of the claimed messages is sent again'
        states = {m.number: (m.state, m.needs_review) for m in queue.outbound()}
        assert {states[number] for number in claimed} == {('pending', True)}
        assert {states[number] for number in later} == {('waiting', False)}
