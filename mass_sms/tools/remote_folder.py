"""Folders on a partner's server where broadcast files arrive and delivery reports go: FTP and
FTPS through ftplib, SFTP through paramiko. Plain Python, one connection per use:

    with open_remote_folder(ServerAccess('sftp', host, port, user, password, host_key=key)) as server:
        for name, size in server.list('inbound').items(): ...

Every failure is a RemoteFolderError whose message an administrator can act on.
"""
import base64
import contextlib
import ftplib
import hashlib
import io
import posixpath
import socket
import ssl
from dataclasses import dataclass

import paramiko

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

TIMEOUT = 30  # seconds to connect, and to wait for each answer
NETWORK_ERRORS = (OSError, EOFError, ftplib.Error, paramiko.SSHException)
RSA_KEY_TYPES = {'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'}


class RemoteFolderError(Exception):
    """``reason`` is a lazy translation: ``env._(error.reason)`` in the reader's language."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ServerAccess:
    protocol: str  # 'ftp', 'ftps' or 'sftp'
    host: str
    port: int
    username: str
    password: str
    certificate: str = ''  # FTPS: PEM certificate(s) to trust instead of the system's authorities
    host_key: str = ''  # SFTP: the server's public key, "ssh-ed25519 AAAA..." (a known_hosts line will do)
    timeout: float = TIMEOUT


def open_remote_folder(access):
    return (SftpFolder if access.protocol == 'sftp' else FtpFolder)(access)


class RemoteFolder:
    """A connection to the server, as a context manager; paths are POSIX, relative to the login folder."""

    def __init__(self, access):
        self.access = access

    def __enter__(self):
        try:
            with self._failing_as(lambda error: _lt("Cannot connect to %(host)s:%(port)s: %(error)s",
                                                    host=self.access.host, port=self.access.port, error=error)):
                self._connect()
        except RemoteFolderError:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info):
        self.close()

    @contextlib.contextmanager
    def _failing_as(self, reason):
        """Raise what the server or the network fails with as RemoteFolderError(reason(error text))."""
        try:
            yield
        except NETWORK_ERRORS as error:
            raise RemoteFolderError(reason(str(error))) from error

    def list(self, folder):
        """{file name: size in bytes} of the files in ``folder``."""
        with self._failing_as(lambda error: _lt("Cannot list %(folder)s on %(host)s: %(error)s",
                                                folder=folder, host=self.access.host, error=error)):
            return self._list(folder)

    def read(self, path):
        with self._failing_as(lambda error: _lt("Cannot download %(path)s from %(host)s: %(error)s",
                                                path=path, host=self.access.host, error=error)):
            return self._read(path)

    def write(self, path, content):
        """Write ``content`` at ``path``, replacing what is there: uploaded under a temporary name
        first, so that the partner never reads half a file."""
        partial = path + '.part'
        with self._failing_as(lambda error: _lt("Cannot upload %(path)s to %(host)s: %(error)s",
                                                path=path, host=self.access.host, error=error)):
            self._write(partial, content)
        self.move(partial, path)

    def move(self, path, target):
        """Rename ``path`` to ``target``, replacing a file of that name."""
        with self._failing_as(lambda error: _lt("Cannot move %(path)s to %(target)s on %(host)s: %(error)s",
                                                path=path, target=target, host=self.access.host, error=error)):
            self._move(path, target)


class FtpFolder(RemoteFolder):

    def _connect(self):
        if self.access.protocol == 'ftps':
            context = ssl.create_default_context(cadata=self.access.certificate or None)
            self.ftp = ftplib.FTP_TLS(context=context, timeout=self.access.timeout)
        else:
            self.ftp = ftplib.FTP(timeout=self.access.timeout)
        self.ftp.connect(self.access.host, self.access.port)
        self.ftp.login(self.access.username, self.access.password)
        if self.access.protocol == 'ftps':
            self.ftp.prot_p()  # the files too travel encrypted, not only the password

    def close(self):
        ftp = getattr(self, 'ftp', None)
        if ftp:
            try:
                ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                ftp.close()

    def _list(self, folder):
        try:
            return {posixpath.basename(name): int(facts.get('size', 0))
                    for name, facts in self.ftp.mlsd(folder, facts=['type', 'size']) if facts.get('type') == 'file'}
        except ftplib.error_perm:  # a server without MLSD (RFC 3659): SIZE tells files from folders
            names = [posixpath.basename(path) for path in self.ftp.nlst(folder)]
            self.ftp.voidcmd('TYPE I')  # after NLST, which lists in ASCII: SIZE answers in binary mode only
            sizes = {}
            for name in names:
                with contextlib.suppress(ftplib.error_perm):
                    sizes[name] = self.ftp.size(posixpath.join(folder, name))
            return sizes

    def _read(self, path):
        content = io.BytesIO()
        self.ftp.retrbinary('RETR %s' % path, content.write)
        return content.getvalue()

    def _write(self, path, content):
        self.ftp.storbinary('STOR %s' % path, io.BytesIO(content))

    def _move(self, path, target):
        try:
            self.ftp.delete(target)
        except ftplib.error_perm:
            pass  # nothing to replace
        self.ftp.rename(path, target)


class SftpFolder(RemoteFolder):

    def _connect(self):
        self.transport = paramiko.Transport(socket.create_connection(
            (self.access.host, self.access.port), timeout=self.access.timeout))
        # a server with several host keys shows the one of the pinned type
        options = self.transport.get_security_options()
        options.key_types = [key_type for key_type in options.key_types
                             if key_type in self._pinned_key_types()] or options.key_types
        self.transport.start_client(timeout=self.access.timeout)
        self._check_host_key(self.transport.get_remote_server_key())
        self.transport.auth_password(self.access.username, self.access.password)
        self.sftp = paramiko.SFTPClient.from_transport(self.transport)
        self.sftp.get_channel().settimeout(self.access.timeout)

    def _pinned_key_types(self):
        """The key algorithms of the pinned key: an RSA key signs with SHA-2 as well."""
        names = set(self.access.host_key.split())
        return RSA_KEY_TYPES if 'ssh-rsa' in names else names

    def _check_host_key(self, key):
        """The server must show the pinned key: anyone else could be listening in between."""
        offered = '%s %s' % (key.get_name(), key.get_base64())
        pinned = self.access.host_key.split()
        # "type base64" or a known_hosts line: "host type base64 [comment]"
        matches = any(pinned[index:index + 2] == offered.split() for index in range(len(pinned)))
        if not matches:
            fingerprint = 'SHA256:' + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip('=')
            raise RemoteFolderError(_lt(
                "%(host)s:%(port)s did not show the pinned host key. It offered %(key)s (fingerprint %(fingerprint)s): "
                "pin it on the file source once you have checked the fingerprint with the server's administrator.",
                host=self.access.host, port=self.access.port, key=offered, fingerprint=fingerprint))

    def close(self):
        transport = getattr(self, 'transport', None)
        if transport:
            transport.close()

    def _list(self, folder):
        return {entry.filename: entry.st_size for entry in self.sftp.listdir_attr(folder)
                if entry.st_mode is not None and (entry.st_mode & 0o170000) == 0o100000}

    def _read(self, path):
        content = io.BytesIO()
        self.sftp.getfo(path, content)
        return content.getvalue()

    def _write(self, path, content):
        self.sftp.putfo(io.BytesIO(content), path)

    def _move(self, path, target):
        self.sftp.posix_rename(path, target)
