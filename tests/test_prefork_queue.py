"""The SMS queue job as Odoo runs it in production: a real server in prefork mode (HTTP workers and
a cron worker that Odoo kills past its time limit) sends an SMS mailing through a Twilio bridge at
its default rate, on committed data, while a recipient clicks the mailing's link.

The clock is shrunk, not the boundary: the limit is 100 s instead of the default 120 s (Odoo's idle
cron worker sleeps up to 70 s, and that sleep counts against the limit of the job it wakes up for),
and the mailing needs 110 s of sending at 10 SMS per second: no single run of the job may take it all.
"""
import re

import pytest

from tests.fakes.twilio import FakeTwilio
from tests.workers.committed_queue import (
    QUEUE_CRON, TWILIO_SID, TWILIO_TOKEN, committed_queue, sent_numbers, start_server, stop, wait_until,
)

RECIPIENTS = 1100
SERVER_OPTIONS = ('--workers', '2', '--max-cron-threads', '1', '--limit-time-real', '100')
LOG_LINE = re.compile(r'^\S+ \S+ (?P<pid>\d+) \w+ \S+ (?P<logger>\S+): (?P<text>.*)$')


@pytest.fixture
def queue():
    with committed_queue() as queue:
        queue.configure(queue_batch_size=2000, claim_recovery_delay=120)  # the defaults
        yield queue


def interrupted_queue_runs(log):
    """Runs of the queue job that started in a process and never ended there."""
    running = {}
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if match and 'SMS: SMS Queue Manager' in match['text']:
            if match['text'].endswith('starting'):
                running[match['pid']] = line
            else:
                running.pop(match['pid'], None)
    return list(running.values())


def test_mailing_through_prefork_server_is_sent_once_within_cron_limits(queue, tmp_path):
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN, latency=0.1) as twilio:
        queue.bridge('twilio', twilio, max_per_second=10)
        numbers = queue.mailing(RECIPIENTS)
        queue.env.ref(QUEUE_CRON)._trigger()
        queue.env.cr.commit()
        log_path = tmp_path / 'odoo.log'
        server = start_server(log_path, *SERVER_OPTIONS)
        try:
            wait_until(lambda: len(twilio.messages) >= 300, timeout=120)
            # a recipient clicks the tracked link while the queue sends: the click's transaction
            # writes the trace that the queue is about to update
            trace = queue.traces().filtered(lambda t: t.trace_status in ('outgoing', 'process'))[-1:]
            trace.set_clicked()
            queue.env.cr.commit()
            wait_until(lambda: queue.outbound().mapped('state').count('waiting') == RECIPIENTS, timeout=240)
            wait_until(lambda: set(queue.traces().mapped('trace_status')) == {'pending'}, timeout=60)
        finally:
            stop(server)
        log = log_path.read_text()

    assert sent_numbers(twilio) == numbers, 'each SMS reached Twilio exactly once'
    assert not any(queue.outbound().mapped('needs_review'))
    assert trace.exists().links_click_datetime, 'the click is kept'
    assert 'SMS: SMS Queue Manager' in log
    assert not interrupted_queue_runs(log), 'the queue job always returned within the cron time limit'
