"""The SMS campaign jobs in real processes on committed data: two workers at once, and reruns,
text each recipient once per occurrence; an event in a rolled-back transaction texts nobody; a
large campaign's messages are created in committed batches that a killed job resumes."""
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from tests.fakes.twilio import FakeTwilio
from tests.workers.committed_mailing import insert_mailing_list
from tests.workers.committed_queue import TWILIO_SID, TWILIO_TOKEN, Queue, sent_numbers, wait_until

REPOSITORY = Path(__file__).resolve().parents[1]
GENERATION_BATCH_SIZE_PARAM = 'sms_campaign_rules.generation_batch_size'


class CommittedCampaigns(Queue):
    """Campaigns, contacts and a bridge committed for worker processes, all removed afterwards."""

    def __init__(self, cr, twilio):
        super().__init__(api.Environment(cr, SUPERUSER_ID, {}))
        env = self.env
        self.bridge('twilio', twilio, max_per_second=50)
        self.tag = env['res.partner.category'].create({'name': 'Campaign workers'})
        self.rule = env['sms.campaign.rule'].create({
            'name': 'Campaign workers', 'model_id': env.ref('base.model_res_partner').id, 'phone_field': 'phone',
            'domain': "[('category_id', 'in', [tag_id])]", 'template_fields': 'name',
            'parameter_ids': [Command.create({'name': 'tag_id', 'label': 'Tag'})]})
        self.campaigns = env['sms.campaign']

    def contacts(self, count):
        self.partners |= self.env['res.partner'].create([{
            'name': 'Campaign worker %d' % index, 'phone': '+3247667%04d' % index,
            'category_id': [Command.link(self.tag.id)]} for index in range(count)])
        return sorted(self.partners.mapped('phone'))

    def campaign(self, trigger_type, **values):
        campaign = self.env['sms.campaign'].create({
            'name': 'Workers %s' % trigger_type, 'trigger_type': trigger_type, 'rule_id': self.rule.id,
            'param_value': json.dumps({'tag_id': self.tag.id}), 'message': 'Hello {name}', **values})
        self.campaigns |= campaign
        return campaign

    def commit(self):
        self.env.cr.commit()

    def refresh(self):
        self.env.cr.rollback()  # a fresh snapshot, with what the workers committed
        self.env.invalidate_all()

    def remove(self):
        self.env.cr.rollback()
        messages = self.env['sms.campaign.message'].search([('campaign_id', 'in', self.campaigns.ids)])
        self.sms |= self.env['sms.sms'].search([('uuid', 'in', [uuid for uuid in messages.mapped('sms_uuid') if uuid])])
        super().remove()
        messages.unlink()
        self.campaigns.filtered(lambda c: c.state == 'active').action_close()
        self.campaigns.unlink()
        self.rule.unlink()
        self.tag.unlink()
        self.env.cr.commit()


@pytest.fixture
def twilio():
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN, latency=0.02) as fake:
        yield fake


@pytest.fixture
def committed(twilio):
    with Registry(get_db_name()).cursor() as cr:
        campaigns = CommittedCampaigns(cr, twilio)
        try:
            yield campaigns
        finally:
            campaigns.remove()


def run_workers(count):
    workers = [subprocess.Popen([sys.executable, '-m', 'tests.workers.campaign_jobs', config['config'], get_db_name()],
                                cwd=REPOSITORY) for _ in range(count)]
    return [worker.wait(timeout=180) for worker in workers]


def test_two_workers_and_reruns_send_each_occurrence_once(committed, twilio):
    numbers = committed.contacts(25)
    direct = committed.campaign('direct')
    direct.action_activate()
    scheduled = committed.campaign('scheduled', recurrence_type='daily', recurrence_start_date=fields.Date.today(),
                                   send_time=0.0, tz='UTC')
    scheduled.action_activate()
    due = fields.Datetime.now() - timedelta(minutes=5)
    scheduled.next_trigger_date = due
    committed.commit()

    assert run_workers(2) == [0, 0]
    assert run_workers(2) == [0, 0], 'a rerun'

    assert sent_numbers(twilio) == sorted(numbers * 2), 'each contact once per campaign'
    committed.refresh()
    assert (direct.pending_count, direct.waiting_count) == (0, 25)
    assert (scheduled.pending_count, scheduled.waiting_count) == (0, 25)
    assert scheduled.last_trigger_date == due
    assert scheduled.next_trigger_date > fields.Datetime.now()


def test_rolled_back_event_texts_nobody(committed, twilio):
    rule = committed.env.ref('sms_campaign_rules.rule_contact_created')
    triggered = committed.campaign('triggered', rule_id=rule.id, param_value='{}', message='Welcome {name}')
    triggered.action_activate()
    committed.commit()

    with Registry(get_db_name()).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env['res.partner'].create({'name': 'Rolled back', 'phone': '+32476669998'})
        env['sms.campaign.message'].flush_model()
        cr.rollback()
    committed.partners |= committed.env['res.partner'].create({'name': 'Committed', 'phone': '+32476669999'})
    committed.commit()

    assert run_workers(2) == [0, 0]

    assert sent_numbers(twilio) == ['+32476669999']
    committed.refresh()
    assert triggered.waiting_count == 1


class LargeCampaign:
    """A Direct campaign to a committed mailing list of thousands of contacts (written with SQL),
    created in batches of ``batch_size``; all removed afterwards."""

    def __init__(self, env):
        self.env = env
        self.batch_size = env['ir.config_parameter'].get_param(GENERATION_BATCH_SIZE_PARAM)
        self.mailing_list = env['mailing.list']
        self.campaign = env['sms.campaign']

    def create(self, count, batch_size):
        self.env['ir.config_parameter'].set_param(GENERATION_BATCH_SIZE_PARAM, batch_size)
        self.mailing_list, numbers = insert_mailing_list(self.env, count)
        rule = self.env['sms.campaign.rule'].create({
            'name': 'Large list', 'model_id': self.env.ref('mass_mailing.model_mailing_contact').id,
            'phone_field': 'phone_sanitized', 'domain': "[('list_ids', 'in', [list_id])]", 'template_fields': 'name',
            'parameter_ids': [Command.create({'name': 'list_id', 'label': 'Mailing list'})]})
        self.campaign = self.env['sms.campaign'].create({
            'name': 'Large campaign', 'rule_id': rule.id, 'message': 'Hello {name}',
            'param_value': json.dumps({'list_id': self.mailing_list.id})})
        self.campaign.action_activate()
        self.env.cr.commit()
        return numbers

    def messages(self):
        """The committed messages of the campaign: how many, and their distinct numbers."""
        self.env.cr.rollback()
        self.env.cr.execute("SELECT count(*), count(DISTINCT number) FROM sms_campaign_message WHERE campaign_id = %s",
                            [self.campaign.id])
        return self.env.cr.fetchone()

    def generated(self):
        self.env.cr.rollback()
        self.campaign.invalidate_recordset()
        return self.campaign.generated_activation == self.campaign.activation_count

    def remove(self):
        self.env.cr.rollback()
        if self.campaign:
            rule = self.campaign.rule_id
            self.env.cr.execute("""
                DELETE FROM sms_campaign_message WHERE campaign_id = %(campaign)s;
                DELETE FROM mailing_contact WHERE id IN (SELECT contact_id FROM mailing_subscription WHERE list_id = %(list)s);
            """, {'campaign': self.campaign.id, 'list': self.mailing_list.id})
            self.campaign.unlink()
            rule.unlink()
            self.mailing_list.unlink()
        self.env['ir.config_parameter'].set_param(GENERATION_BATCH_SIZE_PARAM, self.batch_size or False)
        self.env.cr.commit()


@pytest.fixture
def large():
    with Registry(get_db_name()).cursor() as cr:
        campaign = LargeCampaign(api.Environment(cr, SUPERUSER_ID, {}))
        try:
            yield campaign
        finally:
            campaign.remove()


def start_generating_worker():
    """The job "Update SMS outbound with campaign message" alone, in its own process."""
    return subprocess.Popen([sys.executable, '-m', 'tests.workers.campaign_jobs', config['config'], get_db_name(), '1'],
                            cwd=REPOSITORY)


def test_a_killed_generation_resumes_without_duplicates(large):
    large.create(12000, batch_size=100)
    assert large.messages() == (100, 100), 'the first batch is Pending as soon as the campaign is activated'
    worker = start_generating_worker()
    wait_until(lambda: large.messages()[0] >= 1000, timeout=120)
    worker.kill()  # SIGKILL: no cleanup, its open batch is lost
    worker.wait()
    assert large.messages()[0] < 12000, 'killed mid-way'
    assert not large.generated()

    assert start_generating_worker().wait(timeout=300) == 0
    assert large.messages() == (12000, 12000)
    assert large.generated()


def test_two_generating_workers_create_each_message_once(large):
    large.create(6000, batch_size=100)
    workers = [start_generating_worker() for _index in range(2)]
    assert [worker.wait(timeout=300) for worker in workers] == [0, 0]
    assert large.messages() == (6000, 6000)
    assert large.generated()
