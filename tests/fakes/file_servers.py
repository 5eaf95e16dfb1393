"""A partner's file server on 127.0.0.1, serving a temporary folder: FTP and FTPS with pyftpdlib,
SFTP with paramiko's server mode (an ECDSA and an RSA host key), each in a background thread of the
test process.

    with FtpServer(tls=True) as server:          # server.port, server.certificate (PEM to trust)
        server.put('inbound/file.csv', b'...')
    with SftpServer() as server:                 # server.port, server.host_key ("ssh-rsa AAAA...")

``on_download`` (a callable taking the path) runs each time a client finished downloading a file.
"""
import datetime
import errno
import ipaddress
import logging
import os
import socket
import tempfile
import threading
from pathlib import Path

import paramiko
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import ThreadedFTPServer

USERNAME, PASSWORD = 'partner', 'partner-password'
FOLDERS = ('inbound', 'archive', 'error', 'outbound')
# pyftpdlib configures its own INFO logging unless its logger has a handler
logging.getLogger('pyftpdlib').addHandler(logging.NullHandler())
logging.getLogger('pyftpdlib').setLevel(logging.WARNING)


class _FileServer:

    def __init__(self, on_download=None):
        self.on_download = on_download
        self._tmp = tempfile.TemporaryDirectory(prefix='sms-file-server-')
        self.root = Path(self._tmp.name) / 'root'
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True)

    def put(self, path, content):
        (self.root / path).write_bytes(content)

    def files(self, folder):
        return sorted(path.name for path in (self.root / folder).iterdir())

    def read(self, path):
        return (self.root / path).read_bytes()

    def __exit__(self, *exc_info):
        self.stop()
        self._tmp.cleanup()


def self_signed_certificate(folder):
    """A certificate of 127.0.0.1 and its key in one PEM file; the certificate's PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    path = Path(folder) / 'server.pem'
    path.write_bytes(certificate_pem + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    return str(path), certificate_pem.decode()


class FtpServer(_FileServer):

    def __init__(self, tls=False, mlsd=True, on_download=None):
        """``mlsd=False``: a server of before RFC 3659, that lists folders with NLST only."""
        super().__init__(on_download)
        authorizer = DummyAuthorizer()
        authorizer.add_user(USERNAME, PASSWORD, str(self.root), perm='elradfmwMT')
        server = self

        class Handler(TLS_FTPHandler if tls else FTPHandler):
            def on_file_sent(self, file):
                if server.on_download:
                    server.on_download(file)

        Handler.authorizer = authorizer
        if not mlsd:
            Handler.proto_cmds = {name: command for name, command in Handler.proto_cmds.items() if name != 'MLSD'}
        Handler.banner = 'fake partner FTP'
        if tls:
            Handler.certfile, self.certificate = self_signed_certificate(self._tmp.name)
            Handler.tls_control_required = Handler.tls_data_required = True
        self.server = ThreadedFTPServer(('127.0.0.1', 0), Handler)
        self.port = self.server.socket.getsockname()[1]

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'timeout': 0.1}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.close_all()
        self.thread.join(5)


class _SftpHandle(paramiko.SFTPHandle):

    def stat(self):
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))

    def close(self):
        super().close()
        if self.file_server.on_download and self.readfile.mode == 'rb':
            self.file_server.on_download(self.filename)


class _SftpFolder(paramiko.SFTPServerInterface):
    """The server's folder, confined to its root."""

    def __init__(self, server, *args, **kwargs):
        super().__init__(server, *args, **kwargs)
        self.file_server = server.file_server

    def _path(self, path):
        return str(self.file_server.root / path.lstrip('/'))

    def _errors(self, function, *args):
        try:
            return function(*args)
        except OSError as error:
            return paramiko.SFTPServer.convert_errno(error.errno)

    def list_folder(self, path):
        folder = self._path(path)
        return self._errors(lambda: [
            paramiko.SFTPAttributes.from_stat(os.stat(os.path.join(folder, name)), name)
            for name in os.listdir(folder)])

    def stat(self, path):
        return self._errors(lambda: paramiko.SFTPAttributes.from_stat(os.stat(self._path(path))))

    lstat = stat

    def open(self, path, flags, attr):
        def opened():
            fd = os.open(self._path(path), flags, 0o644)
            mode = 'wb' if flags & (os.O_WRONLY | os.O_RDWR) else 'rb'
            handle = _SftpHandle(flags)
            handle.filename, handle.file_server = path, self.file_server
            handle.readfile = handle.writefile = os.fdopen(fd, mode)
            return handle
        return self._errors(opened)

    def remove(self, path):
        return self._errors(lambda: os.remove(self._path(path)) or paramiko.SFTP_OK)

    def rename(self, oldpath, newpath):
        if os.path.exists(self._path(newpath)):
            return paramiko.SFTPServer.convert_errno(errno.EEXIST)
        return self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath, newpath):
        return self._errors(lambda: os.replace(self._path(oldpath), self._path(newpath)) or paramiko.SFTP_OK)


class _SshServer(paramiko.ServerInterface):

    def check_auth_password(self, username, password):
        return paramiko.AUTH_SUCCESSFUL if (username, password) == (USERNAME, PASSWORD) else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return 'password'

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == 'session' else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class SftpServer(_FileServer):

    def __init__(self, on_download=None):
        super().__init__(on_download)
        # two host keys, as OpenSSH servers have: clients prefer ECDSA, tests pin the RSA key
        self.keys = [paramiko.ECDSAKey.generate(), paramiko.RSAKey.generate(2048)]
        self.ecdsa_host_key, self.host_key = ('%s %s' % (key.get_name(), key.get_base64()) for key in self.keys)
        self.socket = socket.create_server(('127.0.0.1', 0))
        self.port = self.socket.getsockname()[1]
        self.transports = []

    def __enter__(self):
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def _accept(self):
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return  # stopped
            transport = paramiko.Transport(connection)
            for key in self.keys:
                transport.add_server_key(key)
            ssh_server = _SshServer()
            ssh_server.file_server = self
            transport.set_subsystem_handler('sftp', paramiko.SFTPServer, _SftpFolder)
            # with an event, the handshake runs in the transport's own thread: the next client is accepted now
            transport.start_server(event=threading.Event(), server=ssh_server)
            self.transports.append(transport)

    def stop(self):
        self.socket.close()
        for transport in self.transports:
            transport.close()
        self.thread.join(5)
