# Test helper: run wsgi_server.py as the tutor would (stdin pipe, events on fd 3), collect its
# events, and talk raw HTTP to it. Tests wait for conditions (an event, a file, a process gone),
# never for a fixed time.
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), 'wsgi_server.py')


def wait_for(predicate, timeout=10.0, what='a condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f'timed out waiting for {what}')


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except OSError:
        return True


class LabServer:
    def __init__(self, app_source, *args, files=None, python=None, server=SERVER, name='wsgi'):
        self.workspace = tempfile.mkdtemp(prefix=f'gt-{name}-test-')
        with open(os.path.join(self.workspace, 'app.py'), 'w') as f:
            f.write(app_source)
        for name, text in (files or {}).items():
            with open(os.path.join(self.workspace, name), 'w') as f:
                f.write(text)
        events_r, events_w = os.pipe()
        # The tutor uses fd 3; any number works, and the server reads it from GT_EVENTS_FD.
        env = dict(os.environ, GT_PORT='0', GT_EVENTS_FD=str(events_w), GT_WORKSPACE=self.workspace, GT_SERVER=name)
        self.process = subprocess.Popen(
            [python or sys.executable, server, '--app', 'app:app', *args],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=env, pass_fds=(events_w,))
        os.close(events_w)
        self.events = []
        self.log = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read_events, args=(events_r,), daemon=True).start()
        threading.Thread(target=self._read_log, daemon=True).start()
        ready = self.wait_event(lambda e: e['event'] == 'ready', what='the ready event')
        self.port = ready['port']
        self.workers = ready.get('workers')

    def _read_events(self, fd):
        with os.fdopen(fd, 'rb') as stream:
            for line in stream:
                with self._lock:
                    self.events.append(json.loads(line))

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line.decode(errors='replace'))

    def wait_event(self, predicate, timeout=10.0, what='an event'):
        def find():
            with self._lock:
                return next((e for e in self.events if predicate(e)), None)
        return wait_for(find, timeout, what)

    def requests(self):
        with self._lock:
            return [e for e in self.events if e['event'] == 'request']

    def write_app(self, source, name='app.py'):
        with open(os.path.join(self.workspace, name), 'w') as f:
            f.write(source)

    def connect(self):
        sock = socket.create_connection(('127.0.0.1', self.port), timeout=10)
        return sock

    def raw(self, data, sock=None):
        """Send bytes, read until the server closes; returns the bytes received."""
        own = sock is None
        sock = sock or self.connect()
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (ConnectionResetError, socket.timeout):
            pass
        if own:
            sock.close()
        return b''.join(chunks)

    def get(self, path, headers=''):
        return self.raw(f'GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{headers}\r\n'.encode())

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()           # the tutor is gone
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stderr,):
            try:
                stream.close()
            except OSError:
                pass


def read_response(sock):
    """One response from a kept-alive connection: (status, headers dict, body)."""
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f'connection closed; got {data!r}')
        data += chunk
    head, _, rest = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    if headers.get('transfer-encoding') == 'chunked':
        while not rest.endswith(b'0\r\n\r\n'):
            rest += sock.recv(65536)
        return status, headers, dechunk(rest)
    length = int(headers.get('content-length', 0))
    while len(rest) < length:
        rest += sock.recv(65536)
    return status, headers, rest[:length]


def split_response(data):
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers.setdefault(name.strip().lower(), value.strip())
    status = int(lines[0].split(' ')[1]) if lines[0].startswith('HTTP/') else None
    if headers.get('transfer-encoding') == 'chunked':
        body = dechunk(body)
    return status, headers, body


def dechunk(body):
    out = b''
    while body:
        size_line, _, body = body.partition(b'\r\n')
        size = int(size_line.split(b';')[0], 16)
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2:]
    return out
