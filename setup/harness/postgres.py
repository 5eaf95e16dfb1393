"""A PostgreSQL cluster of the project's own, reached through a Unix socket in its folder.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the
`postgres` system user. Odoo refuses the database user `postgres`, so the cluster's
superuser is called `odoo`.
"""
import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

SUPERUSER = 'odoo'


class PostgresError(RuntimeError):
    pass


def server_bindir():
    """The folder holding initdb and pg_ctl, newest PostgreSQL first; None when absent."""
    debian = sorted(glob.glob('/usr/lib/postgresql/*/bin/initdb'),
                    key=lambda path: int(Path(path).parts[-3]))
    if debian:
        return Path(debian[-1]).parent
    initdb = shutil.which('initdb')
    if initdb and shutil.which('pg_ctl'):
        return Path(initdb).parent
    return None


class Cluster:
    """A cluster whose data, socket and log all live under ``root``."""

    def __init__(self, root, *, throwaway=False):
        self.root = Path(root).resolve()
        self.data = self.root / 'data'
        self.log = self.root / 'postgres.log'
        self.throwaway = throwaway
        self.bindir = server_bindir()
        if not self.bindir:
            raise PostgresError("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql")
        self.owner = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam('postgres')
            except KeyError:
                raise PostgresError("PostgreSQL refuses to run as root and there is no 'postgres' system user") from None

    @property
    def odoo_options(self):
        return {'db_host': str(self.root), 'db_port': '5432', 'db_user': SUPERUSER}

    def exists(self):
        return (self.data / 'PG_VERSION').exists()

    def _run(self, tool, *args, check=True):
        command = [str(self.bindir / tool), *args]
        if self.owner:
            command = ['runuser', '-u', 'postgres', '--', *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if check and result.returncode:
            raise PostgresError('%s failed: %s' % (tool, (result.stderr or result.stdout).strip()))
        return result

    def initialize(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if self.owner:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.root.chmod(0o755 if self.owner else 0o700)
        self._run('initdb', '--pgdata', str(self.data), '--username', SUPERUSER,
                  '--auth', 'trust', '--encoding', 'UTF8', '--locale', 'C', '--no-sync')

    def running(self):
        return self.exists() and not self._run('pg_ctl', 'status', '--pgdata', str(self.data), check=False).returncode

    def start(self):
        if self.running():  # left behind by a run that was killed
            return
        settings = ["listen_addresses=''", 'unix_socket_directories=%s' % self.root]
        if self.throwaway:
            # Durability buys nothing for a cluster that is deleted after the run.
            settings += ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']
        options = ' '.join('-c %s' % setting for setting in settings)
        self._run('pg_ctl', 'start', '--pgdata', str(self.data), '--log', str(self.log),
                  '--wait', '--timeout', '60', '-o', options)

    def stop(self):
        if self.running():
            self._run('pg_ctl', 'stop', '--pgdata', str(self.data), '--mode', 'fast', '--wait')

    def __enter__(self):
        if not self.exists():
            self.initialize()
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
