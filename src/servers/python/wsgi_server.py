#!/usr/bin/env python3
# A pre-fork WSGI server (PEP 3333) in standard-library Python, built like Gunicorn's sync workers:
#
#     tutor ──stdin──▶ master ──fork──▶ worker ─┐
#                        │      ──fork──▶ worker ─┤── all poll() the same listening socket
#                        └── watches: dead workers, slow workers, saved files, the tutor
#
# The master binds the socket, forks N workers and then only supervises: it never runs the app.
# Each worker imports the learner's app and handles one request at a time (wsgi_worker.py). An
# idle worker waits in poll() on the shared, non-blocking listening socket; a new connection wakes
# every idle worker, they all call accept(), one wins and the others get EAGAIN and wait again
# (the "thundering herd", as with Gunicorn's sync workers). With --threads N, each worker runs N
# threads of that same loop and serves N requests at once, like Gunicorn's gthread workers
# (wsgi_threads.py).
#
#   python3 wsgi_server.py --app app:app [--workers 2] [--threads 1] [--timeout 30] [--mount /flask=flask_app:app]
#
# Run by hand it listens on GT_PORT (or --port) and prints its events on stderr.
import argparse
import errno
import fcntl
import glob
import mmap
import os
import select
import signal
import struct
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gt_lab  # noqa: E402
from wsgi_loader import parse_mounts  # noqa: E402
from wsgi_worker import Worker, socket_options  # noqa: E402

MAX_WORKERS = 64
# lseek() on a file shared by processes is atomic on Linux (see Scoreboard.next_conn).
SHARED_OFFSET_COUNTS = sys.platform.startswith('linux')


class Scoreboard:
    """Memory shared by the master and its workers (an anonymous shared mmap made before fork):
    a connection counter (numbers #1, #2... in the request log, whichever worker accepts; on
    Linux it is the offset of a file they share instead), and for each worker slot when its
    current request started and what it is. Each worker writes only its own slot; the master
    reads them all to find workers stuck longer than --timeout."""

    SLOT = struct.Struct('d120s')     # busy since (0.0 = idle), "GET /slow"

    def __init__(self, lock_fd):
        self.memory = mmap.mmap(-1, 8 + MAX_WORKERS * self.SLOT.size)
        self.lock_fd = lock_fd

    def next_conn(self):
        # Two workers may accept at the same moment, so the count must be read and raised in one
        # step. On Linux the kernel does that for us: every worker inherited the same open file,
        # whose offset they all share, and lseek(fd, 1, SEEK_CUR) moves it on by one and returns
        # the new offset under the kernel's lock, in one system call. Elsewhere a file lock guards
        # the counter in shared memory (two system calls, and the kernel's lock bookkeeping).
        if SHARED_OFFSET_COUNTS:
            return os.lseek(self.lock_fd, 1, os.SEEK_CUR)
        fcntl.lockf(self.lock_fd, fcntl.LOCK_EX)
        try:
            (number,) = struct.unpack_from('q', self.memory, 0)
            struct.pack_into('q', self.memory, 0, number + 1)
            return number + 1
        finally:
            fcntl.lockf(self.lock_fd, fcntl.LOCK_UN)

    def set_busy(self, slot, since, what):
        self.SLOT.pack_into(self.memory, 8 + slot * self.SLOT.size, since, what.encode('latin-1', 'replace')[:120])

    def set_idle(self, slot):
        self.SLOT.pack_into(self.memory, 8 + slot * self.SLOT.size, 0.0, b'')

    def busy(self, slot):
        since, what = self.SLOT.unpack_from(self.memory, 8 + slot * self.SLOT.size)
        return since, what.rstrip(b'\0').decode('latin-1')


class Master:
    def __init__(self, lab, config):
        self.lab = lab
        self.config = config
        self.listener = lab.listen(config.port, backlog=2048)
        # Options for every connection, set once here: accepted sockets inherit them (on Linux).
        for level, name, value in socket_options(config):
            self.listener.setsockopt(level, name, value)
        self.port = self.listener.getsockname()[1]
        self.mounts = parse_mounts(config.app, config.mount, config.workspace, not config.no_validate)
        self.scoreboard = Scoreboard(lab.anonymous_lock_file('gt-wsgi-'))
        lab.use_lock_fd(lab.anonymous_lock_file('gt-wsgi-'))
        # Workers hold the read end; the master holds the write end and never writes. When the
        # master dies, however it dies, the workers read end-of-file and leave.
        self.pipe_r, self.pipe_w = os.pipe()
        self.workers = {}           # pid → {'slot', 'started', 'retiring'}
        self.generation = 0
        self.stamps = self.file_stamps()
        self.stop_requested = None  # 'graceful' | 'now'
        self.reload_requested = False
        self.announce_next = False  # the first new worker after a reload logs import errors

    # -- workers ----------------------------------------------------------------------------
    def spawn(self, announce=False):
        used = {w['slot'] for w in self.workers.values()}
        slot = next(i for i in range(MAX_WORKERS) if i not in used)
        self.scoreboard.set_idle(slot)
        pid = os.fork()
        if pid == 0:                                    # the child: become a worker
            try:
                os.close(self.pipe_w)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)                     # stdin is the master's line to the tutor
                signal.set_wakeup_fd(-1)
                Worker(self.lab, self.listener, self.mounts, self.config, self.scoreboard,
                       slot, self.pipe_r, announce).run()
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)
        self.workers[pid] = {'slot': slot, 'started': time.time(), 'retiring': False}
        self.lab.emit({'event': 'worker', 'pid': pid, 'state': 'started', 'generation': self.generation})
        return pid

    def reap(self):
        """Collect exited workers; replace those that were not asked to leave."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            info = self.workers.pop(pid, None)
            if info is None:
                continue
            if os.WIFSIGNALED(status):
                how = f'killed by signal {os.WTERMSIG(status)}'
            else:
                how = f'exited with code {os.WEXITSTATUS(status)}'
            if self.stop_requested:
                continue
            if info['retiring']:
                self.spawn(announce=self.announce_next)     # its successor runs the new code
                self.announce_next = False
                continue
            self.lab.log(f'[master] worker {pid} {how}; starting a new one')
            if time.time() - info['started'] < 1:
                time.sleep(0.5)                          # do not spin on a worker that cannot live
            new_pid = self.spawn()
            self.lab.emit({'event': 'worker', 'pid': pid, 'state': 'exited', 'how': how, 'replacement': new_pid})

    def kill_stuck_workers(self):
        now = time.time()
        for pid, info in list(self.workers.items()):
            since, what = self.scoreboard.busy(info['slot'])
            if since and now - since > self.config.timeout and not info.get('killed'):
                info['killed'] = True
                self.lab.log(f'[master] WORKER TIMEOUT: worker {pid} spent more than '
                             f'{self.config.timeout:g}s on {what}; killing it')
                self.lab.emit({'event': 'worker', 'pid': pid, 'state': 'timeout', 'request': what})
                os.kill(pid, signal.SIGKILL)

    # -- reloading when the learner saves ---------------------------------------------------
    def file_stamps(self):
        stamps = {}
        for path in glob.glob(os.path.join(self.config.workspace, '*.py')):
            try:
                info = os.stat(path)
                stamps[path] = (info.st_mtime_ns, info.st_size)
            except OSError:
                pass
        return stamps

    def reload(self, why):
        """Replace every worker, one for one: each old worker finishes its current request (if
        any) and leaves, and only then does a new one, importing the new code, take its place.
        So there are never more than --workers workers serving at a time."""
        self.generation += 1
        self.announce_next = True
        self.lab.log(f'[master] {why}: replacing the {self.config.workers} workers '
                     '(each finishes its request first)')
        for pid, info in self.workers.items():
            if not info['retiring']:
                info['retiring'] = time.time()
                self.signal(pid, signal.SIGTERM)
        self.lab.emit({'event': 'reload', 'reason': why, 'generation': self.generation})

    def signal(self, pid, signum):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    # -- the loop ---------------------------------------------------------------------------
    def run(self):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)                     # signals wake the select() below
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self._request_stop('graceful'))
        signal.signal(signal.SIGINT, lambda *_: self._request_stop('graceful'))
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, 'reload_requested', True))
        for i in range(self.config.workers):
            self.spawn(announce=(i == 0))
        self.lab.log(f'[master {os.getpid()}] serving {self.config.app} from {self.config.workspace} '
                     f'on http://127.0.0.1:{self.port} with {self.config.workers} workers'
                     + (f' of {self.config.threads} threads each' if self.config.threads > 1 else ''))
        self.lab.ready(pid=os.getpid(), port=self.port, workers=list(self.workers))
        watch = [wake_r] + ([0] if self.lab.supervised else [])
        next_scan = 0.0
        while not self.stop_requested:
            try:
                readable, _, _ = select.select(watch, [], [], 0.1)
            except InterruptedError:
                readable = []
            if wake_r in readable:
                os.read(wake_r, 4096)
            if 0 in readable:
                commands = self.lab.read_stdin()
                if commands is None:
                    self.stop_requested = 'now'          # the tutor is gone
                    break
                for command in commands:
                    self.on_command(command)
            self.reap()
            self.kill_stuck_workers()
            self.finish_retiring()
            if self.reload_requested:
                self.reload_requested = False
                self.reload('SIGHUP')
            if time.time() >= next_scan:
                next_scan = time.time() + 0.2
                stamps = self.file_stamps()
                if stamps != self.stamps:
                    changed = sorted(os.path.basename(p) for p in set(stamps) | set(self.stamps)
                                     if stamps.get(p) != self.stamps.get(p))
                    self.stamps = stamps
                    self.reload(f'{", ".join(changed)} changed')
        self.shutdown(self.stop_requested)

    def finish_retiring(self):
        """Old workers get --graceful-timeout seconds to finish their request."""
        for pid, info in self.workers.items():
            if info['retiring'] and time.time() - info['retiring'] > self.config.graceful_timeout:
                self.signal(pid, signal.SIGKILL)

    def on_command(self, command):
        if command.get('cmd') == 'reload':
            self.reload('asked by the tutor')
        elif command.get('cmd') == 'kill-worker':       # for drills: a worker dies mid-flight
            pid = command.get('pid') or next(iter(self.workers), None)
            if pid in self.workers:
                self.signal(pid, signal.SIGKILL)

    def _request_stop(self, how):
        self.stop_requested = self.stop_requested or how

    def shutdown(self, how):
        """Graceful: workers finish their request. Now: the tutor is gone, so is everyone."""
        deadline = time.time() + (self.config.graceful_timeout if how == 'graceful' else 1.0)
        for pid in self.workers:
            self.signal(pid, signal.SIGTERM)
        while self.workers and time.time() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.workers.pop(pid, None)
            else:
                time.sleep(0.02)
        for pid in self.workers:
            self.signal(pid, signal.SIGKILL)
        sys.exit(0)



def parse_args(argv, lab):
    parser = argparse.ArgumentParser(description='A pre-fork WSGI server for gateway-tutor labs.')
    parser.add_argument('--app', default='app:app', help='module:callable in the workspace (default app:app)')
    parser.add_argument('--mount', action='append', default=[], metavar='/PREFIX=MODULE:CALLABLE',
                        help='serve another app under a URL prefix (it sees the prefix as SCRIPT_NAME)')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1,
                        help='threads per worker, each serving one request at a time (like gthread)')
    parser.add_argument('--timeout', type=float, default=30.0,
                        help='seconds a request may take before its worker is killed (with --threads, '
                             'requests are not timed: see wsgi_threads.py)')
    parser.add_argument('--graceful-timeout', type=float, default=10.0)
    parser.add_argument('--header-timeout', type=float, default=10.0,
                        help='seconds a client has to send a whole request head (then 408)')
    parser.add_argument('--keepalive', type=float, default=5.0, help='seconds an idle connection is kept')
    parser.add_argument('--max-body', type=int, default=10 * 1024 * 1024)
    parser.add_argument('--port', type=int, default=lab.port)
    parser.add_argument('--workspace', default=os.path.join(lab.workspace))
    parser.add_argument('--report-environ', action='store_true',
                        help="add a summary of each request's environ to its event (the lesson labs do)")
    parser.add_argument('--no-validate', action='store_true', help='do not wrap apps in wsgiref.validate')
    parser.add_argument('--engine', choices=['lab', 'gunicorn'],
                        default=os.environ.get('GATEWAY_TUTOR_WSGI_ENGINE', 'lab'),
                        help='run the same app under Gunicorn instead (if installed)')
    config = parser.parse_args(argv)
    config.workers = max(1, min(config.workers, MAX_WORKERS // 2))
    config.threads = max(1, min(config.threads, 64))
    config.workspace = os.path.abspath(config.workspace)
    return config


def main(argv=None):
    lab = gt_lab.lab()
    config = parse_args(sys.argv[1:] if argv is None else argv, lab)
    if config.engine == 'gunicorn':
        from wsgi_gunicorn import run_gunicorn
        return run_gunicorn(lab, config)
    try:
        Master(lab, config).run()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            sys.exit(gt_lab.PORT_TAKEN_EXIT)
        raise


if __name__ == '__main__':
    main()
