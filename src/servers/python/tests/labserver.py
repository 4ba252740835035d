# Test helper: run a Python lab server the way the tutor does, because it is the tutor that runs
# it: `gateway-tutor lab ID --json` on a pack of one lesson written here, whose server spec is the
# built WSGI (or ASGI) lesson's, pointed at the server under test with the test's arguments. So the
# engine's Lab is the only supervisor (stdin pipe, fd-3 events checked against the family), and a
# test sees what a learner's lab would. Tests wait for conditions (an event, a file, a process
# gone), never for a fixed time.
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), 'wsgi_server.py')
ROOT = Path(HERE).parents[3]
# The lesson whose server spec (and event family) each kind of server borrows: built JavaScript.
LESSONS = {'wsgi': '06-wsgi', 'asgi': '07-asgi'}
# A busy machine (2 cores, many jobs) can take long to start node and Python: deadlines are generous.
START_SECONDS = 90


def wait_for(predicate, timeout=10.0, what='a condition', every=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f'timed out waiting for {what}')


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(') ', 1)[1][0] != 'Z'
    except OSError:
        return True


def write_pack(folder, name, server, args):
    """lessons/01-NAME-test/lesson.mjs: the NAME lesson's server, running SERVER with ARGS."""
    built = ROOT / 'dist' / 'lessons' / LESSONS[name] / 'lesson.js'
    if not built.exists():
        raise AssertionError(f'{built} is missing: run `npm run build` first')
    lesson_id = f'{name}-test'
    dir = os.path.join(folder, 'lessons', f'01-{lesson_id}')
    os.makedirs(dir)
    with open(os.path.join(dir, 'test.md'), 'w') as f:
        f.write('# A Python server test\n')
    program = {'python': os.path.abspath(server), 'args': list(args)}
    with open(os.path.join(dir, 'lesson.mjs'), 'w') as f:
        f.write(f"""import lesson from {json.dumps(built.as_uri())};
const spec = lesson.servers.find((server) => server.name === {json.dumps(name)});
export default {{
  id: {json.dumps(lesson_id)},
  title: 'Python server test',
  summary: 'one lab server under test, for src/servers/python/tests',
  layer: lesson.layer,
  requires: ['python3'],
  servers: [{{ ...spec, port: 0, readyTimeoutMs: {START_SECONDS * 1000}, program: {json.dumps(program)} }}],
  steps: [{{ id: 'test', kind: 'read', title: 'Test', text: 'test.md' }}],
}};
""")
    return os.path.join(folder, 'lessons'), lesson_id


def option(args, name, default):
    args = list(args)
    return args[args.index(name) + 1] if name in args else default


class LabServer:
    """One lab: .process is the tutor, .pid the server's master, .port its port, .events the
    events the tutor printed, .workers the worker pids it started first, .log the server's output."""

    def __init__(self, app_source, *args, files=None, python=None, server=SERVER, name='wsgi'):
        self.folder = tempfile.mkdtemp(prefix=f'gt-{name}-test-')
        self.name = name
        args = ['--app', 'app:app', *args]
        pack, self.lesson = write_pack(self.folder, name, server, args)
        workspace = os.path.join(self.folder, 'ws')
        # The lesson's folder in the workspace; the Lab copies starter files only where missing,
        # and this lesson has none: what is written here is what the server runs.
        self.workspace = os.path.join(workspace, self.lesson)
        os.makedirs(self.workspace)
        with open(os.path.join(self.workspace, 'app.py'), 'w') as f:
            f.write(app_source)
        for file_name, text in (files or {}).items():
            with open(os.path.join(self.workspace, file_name), 'w') as f:
                f.write(text)
        node = os.environ.get('GT_NODE') or shutil.which('node') or 'node'
        command = [node, str(ROOT / 'bin' / 'gateway-tutor.js'), '--lessons', pack, '--workspace', workspace,
                   'lab', self.lesson, '--json']
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
            env=dict(os.environ, PYTHON=python or sys.executable, NO_COLOR='1'))
        self.events = []
        self.stderr = []
        self.ready = None
        self._seqs = set()
        self._lock = threading.Lock()
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()
        try:
            self._start(args)
        except BaseException:
            self.stop()
            raise

    def _start(self, args):
        def ready():
            if self.process.poll() is not None and self.ready is None:
                raise AssertionError(f'the lab exited ({self.process.returncode}) before it was ready:\n'
                                     + ''.join(self.stderr))
            return self.ready
        ready = wait_for(ready, START_SECONDS, 'the lab to be ready', every=0.05)
        first = ready['servers'][0]
        self.pid = first['pid']
        self.port = int(first['url'].rsplit(':', 1)[1])
        record_path = os.path.join(self.folder, 'ws', '.labs', f'{self.lesson}.json')
        with open(record_path) as f:
            record = json.load(f)
        self._control, self._token = record['control'], record['token']
        # Events the server sent while the lab started came before `lab --json` printed anything.
        self._add(self._call('/events'))
        self.workers = None
        if self.name == 'wsgi' and option(args, '--engine', 'lab') == 'lab':
            count = int(option(args, '--workers', 2))
            started = lambda: [e['pid'] for e in self.events if e['event'] == 'worker' and e['state'] == 'started']
            self.workers = wait_for(lambda: len(started()) >= count and started()[:count], START_SECONDS,
                                    f'{count} workers to start')
        elif self.name == 'wsgi':
            self.workers = []

    def _add(self, events):
        with self._lock:
            for event in events:
                if event['seq'] not in self._seqs:
                    self._seqs.add(event['seq'])
                    self.events.append(event)
            self.events.sort(key=lambda e: e['seq'])

    def _read_stdout(self):
        for line in self.process.stdout:
            message = json.loads(line)
            if message['event'] == 'ready' and self.ready is None:
                self.ready = message
            elif 'seq' in message:
                self._add([message])

    def _read_stderr(self):
        for line in self.process.stderr:
            self.stderr.append(line.decode(errors='replace'))

    def _call(self, route):
        request = urllib.request.Request(self._control + route, headers={'authorization': f'Bearer {self._token}'})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    @property
    def log(self):
        """The server's output lines so far, as the lab kept them (the control endpoint's /logs)."""
        return self._call(f'/logs?server={self.name}')['lines']

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
        """SIGTERM to the tutor, which tears its lab down, then exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(START_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for reader in self._readers:
            reader.join(10)        # the tutor is gone: its pipes end
        for stream in (self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


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
