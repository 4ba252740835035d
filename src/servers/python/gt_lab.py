# The small library every Python lab server uses to talk to the tutor (see docs/lab-servers.md).
# It reads the environment the tutor set, writes JSON events on fd 3, leaves when the tutor's pipe
# on stdin closes, and turns "port already taken" into exit code 98 so the tutor can try another.
# Standard library only, Python 3.9+. The Node twin is src/servers/lib/lab-server.mjs.
import errno
import json
import os
import socket
import sys
import threading
import time

PORT_TAKEN_EXIT = 98
# Writes of at most PIPE_BUF bytes to a pipe are never interleaved with other writers' (POSIX), so
# processes that share the event pipe (a pre-fork server's workers) can each write whole lines.
PIPE_BUF = 4096
# One encoder for every event (json.dumps with options would build a new one each time). Events
# are plain data, never a structure that contains itself: no need to look for cycles.
_ENCODER = json.JSONEncoder(separators=(',', ':'), default=str, check_circular=False)


class Lab:
    """Everything a lab server needs from its environment, plus the ways to report back."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.name = env.get('GT_SERVER', 'server')
        self.host = '127.0.0.1'
        self.port = int(env.get('GT_PORT', '0'))
        self.ports = {k[8:].lower(): int(v) for k, v in env.items() if k.startswith('GT_PORT_')}
        self.urls = {k[7:].lower().replace('_', '-'): v for k, v in env.items() if k.startswith('GT_URL_')}
        self.servers = json.loads(env.get('GT_SERVERS', '[]'))
        self.secrets = json.loads(env.get('GT_SECRETS', '{}'))
        self.workspace = env.get('GT_WORKSPACE', os.getcwd())
        self.lesson_dir = env.get('GT_LESSON_DIR', os.getcwd())
        self.run_dir = env.get('GT_RUN_DIR', os.getcwd())
        fd = env.get('GT_EVENTS_FD')
        self.events_fd = int(fd) if fd else None
        self._stdin_buffer = b''
        # Only under the tutor does stdin belong to it; run by hand, stdin is your terminal.
        self.supervised = self.events_fd is not None
        # Big event lines need a lock so two processes cannot interleave them (set by servers
        # that fork; see use_lock_file): then every write takes it.
        self._lock_fd = None

    # -- reporting --------------------------------------------------------------------------
    def emit(self, event):
        """Write one event as a JSON line on the tutor's event pipe (stderr when run by hand)."""
        self.write_lines(encode(event))

    def write_lines(self, lines):
        """Write event lines (bytes, each ending in a newline), as emit() does."""
        if self.events_fd is None:
            sys.stderr.write(''.join('[event] ' + line + '\n' for line in lines.decode().splitlines()))
            sys.stderr.flush()
            return
        try:
            # With a lock file every write takes the lock (a write bigger than PIPE_BUF may be
            # split, and another process's write, even a small one, could land in between).
            if self._lock_fd is not None:
                import fcntl
                fcntl.lockf(self._lock_fd, fcntl.LOCK_EX)
                try:
                    _write_all(self.events_fd, lines)
                finally:
                    fcntl.lockf(self._lock_fd, fcntl.LOCK_UN)
            else:
                _write_all(self.events_fd, lines)
        except OSError:
            # The tutor closed our event pipe: it is gone, and so are we.
            os._exit(0)

    def ready(self, **fields):
        self.emit({'event': 'ready', **fields})

    def log(self, message):
        """One line in the lab log (the tutor shows our stderr)."""
        sys.stderr.write(message.rstrip('\n') + '\n')
        sys.stderr.flush()

    def use_lock_file(self, path):
        """Servers whose children share the event pipe call this before forking."""
        self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def use_lock_fd(self, fd):
        """The same with an open file (better: one already unlinked, which no crash can leave
        behind; see anonymous_lock_file)."""
        self._lock_fd = fd

    @staticmethod
    def anonymous_lock_file(prefix):
        """A file to take locks on (fcntl.lockf) that has no name: made and at once unlinked, so
        however the server ends, even by SIGKILL, nothing is left in the temp folder. The open
        descriptor still works, and processes forked later inherit it."""
        import tempfile
        fd, path = tempfile.mkstemp(prefix=prefix, suffix='.lock')
        os.unlink(path)
        return fd

    # -- listening --------------------------------------------------------------------------
    def listen(self, port=None, backlog=128):
        """A listening TCP socket on 127.0.0.1. A taken port exits with 98 for the tutor."""
        port = self.port if port is None else port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                self.log(f'{self.name}: port {port} is already in use')
                sys.exit(PORT_TAKEN_EXIT)
            raise
        sock.listen(backlog)
        return sock

    # -- commands from the tutor ------------------------------------------------------------
    def read_stdin(self):
        """For servers with their own select() loop: call when fd 0 is readable. Returns the
        JSON commands that arrived, or None when stdin reached end of file (the tutor is gone)."""
        try:
            chunk = os.read(0, 65536)
        except OSError:
            return None
        if not chunk:
            return None
        self._stdin_buffer += chunk
        *lines, self._stdin_buffer = self._stdin_buffer.split(b'\n')
        commands = []
        for line in lines:
            try:
                command = json.loads(line)
            except ValueError:
                continue
            if isinstance(command, dict):
                commands.append(command)
        return commands

    def watch_stdin(self, on_command=None, on_eof=None):
        """For servers without a select() loop: a thread reads commands and, at end of file,
        calls on_eof (default: leave at once, without cleanup, as the tutor has gone)."""
        if not self.supervised:
            return

        def watch():
            while True:
                commands = self.read_stdin()
                if commands is None:
                    (on_eof or (lambda: os._exit(0)))()
                    return
                for command in commands:
                    if on_command:
                        on_command(command)

        threading.Thread(target=watch, name='gt-stdin', daemon=True).start()


def encode(event):
    return (_ENCODER.encode(event) + '\n').encode()


class EventBatch:
    """Events of a busy server, written in batches: one os.write for many events, which saves
    system calls here and wake-ups in the tutor (at thousands of requests a second, reading one
    event at a time costs the tutor more CPU than the requests cost the server).

    An event waits at most MAX_DELAY seconds (a thread writes what is left), and less when
    flush() is called: a server calls it when it is about to wait for work, so that an idle
    server has nothing left to say. Batches are written under the lab's lock file when there is
    one (processes sharing the pipe: use_lock_file), else they stay within PIPE_BUF bytes, which
    a pipe never splits."""

    MAX_DELAY = 0.02
    MAX_BYTES = 16384

    def __init__(self, lab):
        self.lab = lab
        self.max_bytes = self.MAX_BYTES if lab._lock_fd is not None else PIPE_BUF
        self.lines = []
        self.size = 0
        self.lock = threading.Lock()         # the server's thread and the late writer's
        self.waiting = threading.Event()     # set while lines wait for the late writer
        threading.Thread(target=self._write_late, name='gt-events', daemon=True).start()

    def add(self, event):
        self.add_line(encode(event))

    def add_line(self, line):
        """An event already encoded: the bytes of one JSON line, ending in a newline."""
        with self.lock:
            if self.size + len(line) > self.max_bytes:
                self._write()
            if len(line) > self.max_bytes:
                self.lab.write_lines(line)   # too big for a batch: alone
                return
            self.lines.append(line)
            self.size += len(line)
        if not self.waiting.is_set():
            self.waiting.set()

    def flush(self):
        with self.lock:
            self._write()

    def _write(self):
        if self.lines:
            data = b''.join(self.lines)
            self.lines.clear()
            self.size = 0
            self.lab.write_lines(data)

    def _write_late(self):
        while True:
            self.waiting.wait()
            time.sleep(self.MAX_DELAY)
            self.waiting.clear()             # lines added from now on set it again
            self.flush()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def lab(environ=None):
    return Lab(environ)
