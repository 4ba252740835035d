#!/usr/bin/env python3
# A FastCGI application server in standard-library Python: a process manager and a pool of
# resident Responder processes, built the way php-fpm is.
#
#     tutor ──stdin──▶ manager ──fork──▶ worker ─┐
#                        │      ──fork──▶ worker ─┤── all wait on the same listening socket
#                        └── replaces a worker that dies, and reports it
#
# The manager opens the socket, starts --workers processes, and then only watches over them: it
# never reads a record. Each worker imports the learner's handler once and serves request after
# request with it (fcgi_worker.py): the process, and everything it loaded, stays between requests.
#
#   python3 fcgi_app.py [--workers 2] [--handler handler.py] [--port N | --socket PATH]
#
# Run by hand it listens on GT_PORT (or --port) and prints its events on stderr.
import argparse
import errno
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback
import mmap
import fcntl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gt_lab  # noqa: E402
from fcgi_worker import Worker  # noqa: E402


class ConnCounter:
    """Connection numbers shared by every worker (#1, #2… in the log, whichever process
    accepted): a counter in memory the manager maps before forking, under a file lock."""

    def __init__(self, lock_fd):
        self.memory = mmap.mmap(-1, 8)
        self.lock_fd = lock_fd

    def __call__(self):
        fcntl.lockf(self.lock_fd, fcntl.LOCK_EX)
        try:
            (number,) = struct.unpack_from('q', self.memory, 0)
            struct.pack_into('q', self.memory, 0, number + 1)
            return number + 1
        finally:
            fcntl.lockf(self.lock_fd, fcntl.LOCK_UN)


class Manager:
    def __init__(self, lab, config):
        self.lab = lab
        self.config = config
        self.listener = self.open_listener()
        # Lock files without a name (see gt_lab.anonymous_lock_file): nothing left behind, ever.
        lab.use_lock_fd(lab.anonymous_lock_file('gt-fcgi-'))   # workers share the event pipe: whole lines only
        self.counter = ConnCounter(lab.anonymous_lock_file('gt-fcgi-'))
        # Workers hold the read end of this pipe and the manager the write end, which it never
        # writes: when the manager dies, however it dies, every worker reads end-of-file and leaves.
        self.pipe_r, self.pipe_w = os.pipe()
        self.workers = {}                        # pid → when it started
        self.stopping = False

    def open_listener(self):
        if self.config.socket:
            try:
                os.unlink(self.config.socket)
            except FileNotFoundError:
                pass
            # A Unix socket: a path on this machine, which no network reaches (else 127.0.0.1 below).
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(self.config.socket)
            sock.listen(1024)
            return sock
        return self.lab.listen(self.config.port, backlog=1024)

    def spawn(self):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(self.pipe_w)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)             # stdin is the manager's line to the tutor
                signal.set_wakeup_fd(-1)
                for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
                    signal.signal(signum, signal.SIG_DFL)
                die_with_parent(self.pipe_r)
                Worker(self.lab, self.listener, self.config, gt_lab.EventBatch(self.lab), self.counter).run()
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(1)
        self.workers[pid] = time.time()
        return pid

    def reap(self):
        """Collect workers that exited, and start one in the place of each."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0 or pid not in self.workers:
                return
            started = self.workers.pop(pid)
            if self.stopping:
                continue
            how = (f'killed by signal {os.WTERMSIG(status)}' if os.WIFSIGNALED(status)
                   else f'exited with code {os.WEXITSTATUS(status)}')
            if time.time() - started < 1:
                time.sleep(0.5)                  # do not spin on a worker that cannot live
            replacement = self.spawn()
            self.lab.log(f'[manager] worker {pid} {how}; started worker {replacement} in its place')
            self.lab.emit({'event': 'worker', 'pid': pid, 'state': 'exited', 'how': how,
                           'replacement': replacement})

    def run(self):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)             # a signal wakes the select() below
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, 'stopping', True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, 'stopping', True))
        for _ in range(self.config.workers):
            self.spawn()
        where = self.config.socket or f'127.0.0.1:{self.listener.getsockname()[1]}'
        self.lab.log(f'[manager {os.getpid()}] FastCGI app on {where}: {self.config.workers} workers '
                     f'running {os.path.join(self.config.workspace, self.config.handler)}')
        self.lab.ready(pid=os.getpid(), workers=list(self.workers), address=where)
        watch = [wake_r] + ([0] if self.lab.supervised else [])
        while not self.stopping:
            try:
                readable, _, _ = select.select(watch, [], [], 1.0)
            except InterruptedError:
                readable = []
            if wake_r in readable:
                os.read(wake_r, 4096)
            if 0 in readable:
                commands = self.lab.read_stdin()
                if commands is None:
                    break                        # the tutor is gone: so are we
                for command in commands:
                    if command.get('cmd') == 'kill-worker' and self.workers:
                        os.kill(command.get('pid') or next(iter(self.workers)), signal.SIGKILL)
            self.reap()
        self.stop()

    def stop(self):
        self.stopping = True
        for pid in self.workers:
            signal_quietly(pid, signal.SIGTERM)
        deadline = time.time() + 2
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
            signal_quietly(pid, signal.SIGKILL)
        try:
            if self.config.socket:
                os.unlink(self.config.socket)
        except OSError:
            pass
        sys.exit(0)


def signal_quietly(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def die_with_parent(pipe_r):
    """A worker leaves when the manager does: Linux's PDEATHSIG where there is one, and a thread
    that waits for end-of-file on the manager's pipe everywhere."""
    if sys.platform.startswith('linux'):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
        except Exception:
            pass
    import threading

    def watch():
        try:
            os.read(pipe_r, 1)
        finally:
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    if os.getppid() == 1:                        # the manager died before we got here
        os._exit(0)


def more_file_descriptors():
    """A thousand open connections need more than the usual soft limit of 1024 descriptors."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192, hard))
    except (ValueError, OSError):
        pass


def parse_args(argv, lab):
    parser = argparse.ArgumentParser(description='A FastCGI app server (Responder pool) for gateway-tutor labs.')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--handler', default='handler.py', help='file in the workspace that defines handle(params, body)')
    parser.add_argument('--port', type=int, default=lab.port)
    parser.add_argument('--socket', help='listen on this Unix socket path instead of a TCP port')
    parser.add_argument('--workspace', default=lab.workspace)
    parser.add_argument('--request-timeout', type=float, default=10.0,
                        help='seconds a request may take to arrive (PARAMS and STDIN streams ended)')
    parser.add_argument('--idle-timeout', type=float, default=60.0, help='seconds an idle connection is kept')
    config = parser.parse_args(argv)
    config.workers = max(1, min(config.workers, 32))
    config.workspace = os.path.abspath(config.workspace)
    return config


def main(argv=None):
    lab = gt_lab.lab()
    config = parse_args(sys.argv[1:] if argv is None else argv, lab)
    more_file_descriptors()
    try:
        Manager(lab, config).run()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            sys.exit(gt_lab.PORT_TAKEN_EXIT)
        raise


if __name__ == '__main__':
    main()
