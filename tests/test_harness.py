"""The harness is real: the addons are installed in a real database and build as wheels, and
setup/run stops what it started."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from odoo.tests import TransactionCase, tagged

REPOSITORY = Path(__file__).resolve().parents[1]
ADDONS = ('sms_gateway_bridge', 'mass_sms', 'sms_campaign_rules')


@tagged('post_install', '-at_install')
class TestAddonsInstalled(TransactionCase):

    def test_addons_installed_with_manifest_data(self):
        modules = self.env['ir.module.module'].search([('name', 'in', ADDONS)])
        self.assertEqual(sorted(modules.mapped('name')), sorted(ADDONS))
        for module in modules:
            self.assertEqual(module.state, 'installed', module.name)
            self.assertEqual(module.latest_version, '19.0.1.0.0', module.name)
            self.assertEqual(module.license, 'LGPL-3', module.name)
            self.assertTrue(module.summary and module.website and module.author, module.name)
        self.assertTrue(modules.filtered(lambda m: m.name == 'mass_sms').application)

    def test_apps_menu_shows_icon_and_description(self):
        for module in self.env['ir.module.module'].search([('name', 'in', ADDONS)]):
            self.assertEqual(module.icon, '/%s/static/description/icon.png' % module.name)
            self.assertTrue(module.icon_image, module.name)
            self.assertIn('<section', module.description_html, module.name)


def test_addons_build_as_whool_wheels(tmp_path):
    for addon in ADDONS:
        subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation',
                        '--wheel-dir', str(tmp_path), str(REPOSITORY / addon)], check=True)
    metadata = {}
    for wheel in tmp_path.glob('*.whl'):
        with zipfile.ZipFile(wheel) as archive:
            addon = wheel.name.split('-')[0].removeprefix('odoo_addon_')
            assert 'odoo/addons/%s/__manifest__.py' % addon in archive.namelist()
            metadata[addon] = next(archive.read(name).decode() for name in archive.namelist()
                                   if name.endswith('.dist-info/METADATA'))
    assert sorted(metadata) == sorted(ADDONS)
    for addon, text in metadata.items():
        assert 'Name: odoo-addon-%s\n' % addon in text
        assert 'Version: 19.0.1.0.0' in text  # whool may append a post-release to it
        assert 'Requires-Dist: odoo==19.0.*' in text
    assert 'Requires-Dist: twilio' in metadata['sms_gateway_bridge']
    assert 'Requires-Dist: odoo-addon-sms_gateway_bridge' in metadata['mass_sms']


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _processes_of(state):
    """Command lines of the processes that name ``state``: Odoo (its config) and the postmaster (its data)."""
    found = []
    for proc in Path('/proc').iterdir():
        try:
            command = (proc / 'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
        except OSError:  # not a process, or gone
            continue
        if proc.name.isdigit() and str(state) in command:
            found.append((int(proc.name), command))
    return found


def _wait_for_port(port, run, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and run.poll() is None:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.5)
    return False


@pytest.mark.parametrize('signal_number, exit_code', [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_run_stops_odoo_and_the_cluster_when_only_it_is_signalled(signal_number, exit_code):
    """As a process manager or `kill` does: the signal reaches setup/run alone, not Odoo."""
    state = Path(tempfile.mkdtemp(prefix='sms-suite-run-'))
    state.chmod(0o755)  # the postgres system user must reach its cluster inside
    port = _free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith('PG')}
    with open(state.with_suffix('.log'), 'w') as log:
        run = subprocess.Popen(
            [sys.executable, str(REPOSITORY / 'setup' / 'run'), '--port', str(port)],
            env={**environment, 'SMS_SUITE_STATE': str(state)}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        assert _wait_for_port(port, run, timeout=60), state.with_suffix('.log').read_text()[-3000:]
        assert any('odoo.conf' in command for _pid, command in _processes_of(state))
        run.send_signal(signal_number)
        assert run.wait(timeout=60) == exit_code
        deadline = time.monotonic() + 10
        while _processes_of(state) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_of(state) == [], 'neither Odoo nor PostgreSQL may outlive setup/run'
    finally:
        if run.poll() is None:
            run.kill()
        for pid, _command in _processes_of(state):  # what this test started and failed to stop
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(state, ignore_errors=True)
        state.with_suffix('.log').unlink(missing_ok=True)
