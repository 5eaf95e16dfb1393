"""What must be on the machine before Odoo can run or be tested, each as a one-line reason."""
import importlib
import shutil
import subprocess
import sys

from . import postgres

CHROMIUM_NAMES = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')


def _odoo():
    probe = 'import odoo.release as r, odoo.models; print("%d.%d" % r.version_info[:2])'
    result = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True)
    if result.returncode:
        reason = (result.stderr.strip().splitlines() or ['import failed'])[-1]
        return 'Odoo 19.0 is not importable by %s (%s): install Odoo 19.0 Community from source' % (
            sys.executable, reason)
    if result.stdout.strip() != '19.0':
        return 'Odoo %s found where Odoo 19.0 is needed' % result.stdout.strip()
    return None


def _postgres():
    if not postgres.server_bindir():
        return "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql"
    return None


def _chromium():
    if not any(shutil.which(name) for name in CHROMIUM_NAMES):
        return "Chromium not found: install Debian's chromium (browser tours need it)"
    return None


def _websocket_client():
    importlib.invalidate_caches()  # setup/test may have just installed it
    try:
        importlib.import_module('websocket')
    except ImportError:
        return 'Python module websocket-client missing: browser tours need it (pip install websocket-client)'
    return None


def missing(*, for_tests):
    checks = [_odoo, _postgres]
    if for_tests:
        checks += [_chromium, _websocket_client]
    return [reason for reason in (check() for check in checks) if reason]
