"""Odoo 19 as `import odoo` finds it: its addons path, its configuration file, its command line."""
import socket
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
ADDONS = ('sms_gateway_bridge', 'mass_sms', 'sms_campaign_rules')
# Odoo's own SMS provider module, installed beside ours in test databases: our addons must work
# whichever of the two Odoo loads last
TEST_COMPANIONS = ('sms_twilio',)


def standard_addons_dir():
    """Odoo's standard addons folder, next to the `odoo` package (source install layout)."""
    import odoo  # noqa: PLC0415 - only importable once prerequisites are checked
    for package_dir in map(Path, odoo.__path__):
        for candidate in (package_dir / 'addons', package_dir.parent / 'addons'):
            if (candidate / 'mass_mailing_sms').is_dir():
                return candidate
    raise RuntimeError("Odoo's standard addons (mass_mailing_sms) not found next to %s" % list(odoo.__path__))


def free_port():
    """A TCP port nobody listens on, for an Odoo server beside others."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def write_config(path, **options):
    options.setdefault('addons_path', '%s,%s' % (standard_addons_dir(), REPOSITORY))
    lines = ['[options]'] + ['%s = %s' % item for item in sorted(options.items())]
    Path(path).write_text('\n'.join(lines) + '\n')
    return path


def odoo_command(config_path, *args):
    return [sys.executable, '-m', 'odoo', 'server', '--config', str(config_path), *args]


def install_addons(config_path, database, *, update=False, demo=True, companions=()):
    """Create ``database`` if needed and install (or update) our addons, and ``companions``, into
    it, then stop."""
    modules = ','.join(ADDONS + tuple(companions))
    args = ['--database', database, '--stop-after-init', '--no-http',
            '--update' if update else '--init', modules]
    if demo and not update:
        args.append('--with-demo')
    return subprocess.run(odoo_command(config_path, *args)).returncode
