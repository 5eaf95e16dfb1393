"""Several Odoo workers on one SMS queue, in real processes on committed data: no SMS is sent
twice, none is left behind, and a worker killed mid-batch loses nothing."""
import random
import time

import pytest

from tests.fakes.infobip import FakeInfobip
from tests.fakes.twilio import FakeTwilio
from tests.workers.committed_queue import (
    INFOBIP_KEY, TWILIO_SID, TWILIO_TOKEN, committed_queue, sent_numbers, start_worker, wait_until,
)


@pytest.fixture
def queue():
    with committed_queue() as queue:
        yield queue


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


def test_killed_worker_while_twilio_answers_is_recovered(queue):
    """Twilio is asked which messages it took (its Messages list by To, From and date, matching the
    body): those are recorded, none is sent again, and nothing is left for review."""
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as twilio:
        queue.bridge('twilio', twilio, max_per_second=4)
        claimed = queue.queue(4)
        twilio.delay_next(60, count=2)  # two answers never come, two come but are never recorded
        worker = start_worker()
        wait_until(lambda: len(twilio.messages) == 4)
        worker.kill()
        worker.wait()
        later = queue.queue(3, first=100)

        assert start_worker().wait(timeout=120) == 0

        assert sent_numbers(twilio) == sorted(claimed + later), 'each message reached Twilio once'
        states = {m.number: (m.state, m.needs_review) for m in queue.outbound()}
        assert set(states.values()) == {('waiting', False)}


@pytest.mark.parametrize('provider', ['twilio', 'infobip'])
def test_workers_killed_at_random_points_lose_nothing_and_send_nothing_twice(queue, provider):
    """Twenty workers killed (kill -9) at random moments of their run, on both providers: every
    message reaches the provider exactly once and ends recorded as taken, none left for review."""
    fake_class, credentials = {'twilio': (FakeTwilio, (TWILIO_SID, TWILIO_TOKEN)),
                               'infobip': (FakeInfobip, (INFOBIP_KEY,))}[provider]
    randomness = random.Random(7)
    queue.configure(queue_batch_size=100, claim_recovery_delay=1)
    with fake_class(*credentials, latency=0.05) as fake:
        queue.bridge(provider, fake, max_per_second=40)
        numbers = queue.queue(400)
        for _kill in range(10):
            worker = start_worker()
            time.sleep(randomness.uniform(1.5, 4.0))  # from loading the registry to sending
            worker.kill()
            worker.wait()
        time.sleep(1.5)  # recovery leaves alone the sends of the last second
        assert start_worker().wait(timeout=180) == 0

        assert sent_numbers(fake) == sorted(numbers)
        outbound = queue.outbound()
        assert len(outbound) == len(numbers)
        assert set(outbound.mapped('state')) == {'waiting'}
        assert not any(outbound.mapped('needs_review'))
