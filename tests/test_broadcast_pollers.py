"""Broadcast files polled by real Odoo processes on committed data, from a real FTP server: two
pollers at once import a file once, and a poller killed mid-import leaves the file to the next run,
which imports it once."""
import subprocess
import sys

import pytest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name
from odoo.tools import config

from tests.fakes.file_servers import PASSWORD, USERNAME, FtpServer
from tests.workers.committed_queue import REPOSITORY

ROWS = 20000


def broadcast_file(rows=ROWS):
    return b'phone,message,member id\n' + b''.join(
        b'+3247%07d,Hello %d,M%d\n' % (index, index, index) for index in range(rows))


class CommittedSource:
    """A committed file source polling ``server``, removed afterwards with what it imported."""

    def __init__(self, env, server):
        self.env = env
        self.server = server
        self.source = env['sms.broadcast.source'].create({
            'name': 'Committed FTP', 'protocol': 'ftp', 'host': '127.0.0.1', 'port': server.port,
            'username': USERNAME, 'password': PASSWORD, 'report_enabled': False,
        })
        env.cr.commit()

    def drop(self, name, content):
        """A file on the server whose size the last poll saw: the next poll imports it."""
        self.server.put('inbound/' + name, content)
        self.source.pending_sizes = {name: len(content)}
        self.env.cr.commit()

    def imported(self):
        """(broadcasts, recipients) committed for the source."""
        self.env.cr.rollback()
        self.env.cr.execute("""
            SELECT count(DISTINCT b.id), count(r.id) FROM sms_broadcast b
              LEFT JOIN sms_broadcast_recipient r ON r.broadcast_id = b.id WHERE b.source_id = %s""",
                            [self.source.id])
        return self.env.cr.fetchone()

    def remove(self):
        self.env.cr.rollback()
        broadcasts = self.env['sms.broadcast'].search([('source_id', '=', self.source.id)])
        mailings = broadcasts.mailing_id
        broadcasts.unlink()  # pending: their rows go with them
        mailings.unlink()
        self.source.unlink()
        self.env.cr.commit()


@pytest.fixture
def ftp():
    with FtpServer() as server:
        yield server


@pytest.fixture
def source(ftp):
    with Registry(get_db_name()).cursor() as cr:
        committed = CommittedSource(api.Environment(cr, SUPERUSER_ID, {}), ftp)
        try:
            yield committed
        finally:
            committed.remove()


def start_poller(source):
    return subprocess.Popen([sys.executable, '-m', 'tests.workers.broadcast_poller', config['config'],
                             get_db_name(), str(source.source.id)], cwd=REPOSITORY)


def test_two_pollers_at_once_import_a_file_once(source, ftp):
    source.drop('big.csv', broadcast_file())
    pollers = [start_poller(source) for _index in range(2)]
    assert [poller.wait(timeout=300) for poller in pollers] == [0, 0]

    assert source.imported() == (1, ROWS)
    assert ftp.files('archive') == ['big.csv']
    assert ftp.files('inbound') == []


def test_poller_killed_mid_import_leaves_the_file_to_the_next_run(source, ftp):
    source.drop('big.csv', broadcast_file())
    poller = None

    def kill_once_downloaded(_path):
        poller.kill()  # SIGKILL as soon as the file is downloaded: the import is under way

    ftp.on_download = kill_once_downloaded
    poller = start_poller(source)
    poller.wait(timeout=300)
    assert poller.returncode == -9
    assert source.imported() == (0, 0), 'nothing of a killed import is left'
    assert ftp.files('inbound') == ['big.csv']

    ftp.on_download = None
    assert start_poller(source).wait(timeout=300) == 0
    assert source.imported() == (1, ROWS)
    assert ftp.files('archive') == ['big.csv']
