"""SMS mailings prepared by the mailing queue job in real processes on committed data: a list above
Odoo's failure point is prepared whole, a job killed mid-way resumes without a duplicate, and two
jobs at once never double a mailing."""
import pytest

from tests.workers.committed_mailing import committed_mailing, start_preparing_worker
from tests.workers.committed_queue import wait_until


@pytest.fixture
def mailing():
    with committed_mailing() as mailing:
        yield mailing


def run_job_until_done(mailing, max_runs=40):
    """Run the mailing queue job as the scheduler would until the mailing is done; the number of runs."""
    for run in range(1, max_runs + 1):
        assert start_preparing_worker().wait(timeout=300) == 0
        if mailing.state() == 'done':
            return run
    raise AssertionError('the mailing is still %s after %s runs' % (mailing.state(), max_runs))


def test_a_30000_contact_mailing_is_prepared_whole(mailing):
    """Odoo's own preparation fails above ~11,000 recipients; each distinct valid number gets one SMS."""
    numbers = mailing.create(30000, distinct=29000, invalid_every=1000)

    runs = run_job_until_done(mailing)

    assert runs > 1, 'each run of the job prepares what its time allows and resumes on the next one'
    assert mailing.counts() == (30000, 30000, len(numbers), len(numbers))
    assert mailing.sms_numbers() == numbers


def test_a_killed_preparation_resumes_without_duplicates(mailing):
    numbers = mailing.create(6000, batch_size=300)
    worker = start_preparing_worker()
    wait_until(lambda: mailing.counts()[0] >= 900, timeout=300)
    worker.kill()  # SIGKILL: no cleanup, its open batch is lost
    worker.wait()
    traces, _recipients, _sms, _distinct = mailing.counts()
    assert traces < 6000, 'killed mid-way'

    run_job_until_done(mailing)
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
