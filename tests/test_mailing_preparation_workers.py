"""SMS mailings prepared by the mailing queue job and sent by the SMS queue job in real processes on
committed data: a list above Odoo's failure point is prepared and sent whole, a job killed mid-way
resumes without a duplicate, two jobs at once never double a mailing, and a paused mailing's SMS
stay in the queue until it resumes."""
import pytest

from tests.fakes.infobip import FakeInfobip
from tests.workers.committed_mailing import committed_mailing, start_preparing_worker
from tests.workers.committed_queue import INFOBIP_KEY, committed_queue, sent_numbers, start_worker, wait_until


@pytest.fixture
def queue():
    with committed_queue() as queue:
        yield queue


@pytest.fixture
def mailing():
    with committed_mailing() as mailing:
        yield mailing


def run_jobs(mailing, max_runs=40, send=False):
    """Run the mailing queue job as the scheduler would until no recipient is left to prepare
    (with ``send``, the SMS queue job after each run, until the mailing is sent); the number of runs."""
    for run in range(1, max_runs + 1):
        assert start_preparing_worker().wait(timeout=300) == 0
        if send:
            assert start_worker().wait(timeout=300) == 0
        if mailing.state() == 'done' if send else mailing.prepared():
            return run
    raise AssertionError('the mailing is still %s after %s runs' % (mailing.state(), max_runs))


def test_a_30000_contact_mailing_is_prepared_and_sent_whole(queue, mailing):
    """Odoo's own preparation fails above ~11,000 recipients; each distinct valid number gets one
    SMS, and the mailing is sent once the last one has left."""
    queue.configure(queue_batch_size=10000)
    with FakeInfobip(INFOBIP_KEY) as infobip:
        queue.bridge('infobip', infobip, max_per_second=10000)
        queue.env.cr.commit()
        numbers = mailing.create(30000, distinct=29000, invalid_every=1000)

        runs = run_jobs(mailing, send=True)

        assert runs > 1, 'each run of the job prepares what its time allows and resumes on the next one'
        assert mailing.counts() == (30000, 30000, len(numbers), len(numbers))
        assert sent_numbers(infobip) == numbers


def test_pause_stops_handing_sms_to_the_bridge_and_resume_finishes(queue, mailing):
    queue.configure(queue_batch_size=100)
    with FakeInfobip(INFOBIP_KEY, latency=0.05) as infobip:
        queue.bridge('infobip', infobip, max_per_second=100)
        queue.env.cr.commit()
        numbers = mailing.create(1500)
        assert start_preparing_worker('mailing', str(mailing.mailing.id)).wait(timeout=300) == 0

        sender = start_worker()
        wait_until(lambda: len(infobip.messages) >= 200, timeout=120)
        mailing.control('action_pause_sms')
        assert sender.wait(timeout=120) == 0, 'the queue job ends: nothing it may send is left'
        handed = len(infobip.messages)
        assert handed < 1500
        assert start_worker().wait(timeout=120) == 0
        assert len(infobip.messages) == handed, 'no SMS of a paused mailing is handed to the bridge'
        assert mailing.state() == 'sending'

        mailing.control('action_resume_sms')
        assert start_worker().wait(timeout=120) == 0

        assert sent_numbers(infobip) == numbers
        assert mailing.state() == 'done'


def test_a_killed_preparation_resumes_without_duplicates(mailing):
    numbers = mailing.create(6000, batch_size=300)
    worker = start_preparing_worker()
    wait_until(lambda: mailing.counts()[0] >= 900, timeout=300)
    worker.kill()  # SIGKILL: no cleanup, its open batch is lost
    worker.wait()
    traces, _recipients, _sms, _distinct = mailing.counts()
    assert traces < 6000, 'killed mid-way'

    run_jobs(mailing)
    assert mailing.counts() == (6000, 6000, 6000, 6000)
    assert mailing.sms_numbers() == numbers


def test_two_preparing_workers_never_double_a_mailing(mailing):
    """Two processes preparing one mailing at once, each in one transaction: the second finds the
    mailing locked and leaves it to the first."""
    numbers = mailing.create(6000, batch_size=300)

    workers = [start_preparing_worker('mailing', str(mailing.mailing.id)) for _index in range(2)]
    assert [worker.wait(timeout=600) for worker in workers] == [0, 0]

    assert mailing.counts() == (6000, 6000, 6000, 6000)
    assert mailing.sms_numbers() == numbers
