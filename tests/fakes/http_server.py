"""Shared plumbing of the fake provider servers: a threaded loopback HTTP server run in the background."""
import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# GSM 03.38 default alphabet, and its extension table whose characters take two septets.
GSM7 = set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
           '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
GSM7_EXTENDED = set('^{}\\[~]|€\f')


def sms_segments(text):
    """Parts a text is sent in: 160 GSM-7 septets alone or 153 per part, else 70 UCS-2 units alone or 67 per part."""
    if set(text) <= GSM7 | GSM7_EXTENDED:
        units, single, part = len(text) + sum(c in GSM7_EXTENDED for c in text), 160, 153
    else:
        units, single, part = len(text.encode('utf-16-le')) // 2, 70, 67
    return 1 if units <= single else -(-units // part)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # kept-alive client connections must not hold up shutdown
    request_queue_size = 1024  # benchmarks open hundreds of connections at once

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = set()

    def process_request(self, request, client_address):
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Hang up on kept-alive clients, as a server that goes away does."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        # A client that gave up (read timeout) hangs up before the late answer is written.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def _serve(self):
        url = urlsplit(self.path)
        request = {
            'method': self.command,
            'path': url.path,
            'query': parse_qs(url.query, keep_blank_values=True),
            'headers': {name.lower(): value for name, value in self.headers.items()},
            'body': self.rfile.read(int(self.headers.get('Content-Length') or 0)),
            'received_at': time.monotonic(),
        }
        status, payload = self.server.fake.dispatch(request)
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json;charset=UTF-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):
        pass


class FakeServer:
    """Context manager serving ``handle(request) -> (status, json_payload)`` on 127.0.0.1 in a daemon thread.

    ``requests`` records every request received as a dict: method, path, query (lists of values),
    headers (lower-case names), body (bytes), received_at (time.monotonic()), plus what the subclass
    parsed from the body.
    """

    def __init__(self, latency=0.0):
        self.latency = latency
        self.requests = []
        self._lock = threading.Lock()
        self._failures = deque()
        self._delays = deque()
        self._answers = deque()
        self._httpd = None

    def __enter__(self):
        self._httpd = _Server(('127.0.0.1', 0), _Handler)
        self._httpd.fake = self
        threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()

    @property
    def base_url(self):
        host, port = self._httpd.server_address
        return f'http://{host}:{port}'

    def delay_next(self, seconds, count=1):
        """Make the next ``count`` sends answer ``seconds`` late; the messages are still accepted."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def answer_next(self, status, payload):
        """Answer the next request with ``payload`` as it is, whatever it asks: for answers of a shape
        the documentation does not foresee."""
        with self._lock:
            self._answers.append((status, payload))

    def dispatch(self, request):
        with self._lock:
            self.requests.append(request)
        if self.latency:
            time.sleep(self.latency)
        return self._pop(self._answers) or self.handle(request)

    def handle(self, request):
        raise NotImplementedError

    def _pop(self, queue):
        with self._lock:
            return queue.popleft() if queue else None

    def _answer_late(self):
        delay = self._pop(self._delays)
        if delay:
            time.sleep(delay)
