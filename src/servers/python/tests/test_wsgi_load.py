# What the WSGI server does differently under load (wsgi_worker.py): validation sampled once a
# worker serves more than UNDER_LOAD requests a second, and kept-alive connections that take
# short turns while other clients wait.
import os
import shutil
import sys
import tempfile
import time
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from labserver import LabServer, read_response  # noqa: E402
from gt_lab import Lab  # noqa: E402
from wsgi_loader import Mount  # noqa: E402
import wsgi_server  # noqa: E402
from wsgi_worker import UNDER_LOAD, VALIDATE_ONE_IN, Worker  # noqa: E402

HELLO = '''
def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '2')])
    return [b'hi']
'''


class ValidationUnderLoadTest(unittest.TestCase):
    def test_every_request_is_validated_until_the_worker_is_under_load(self):
        worker = types.SimpleNamespace(second=0, in_second=0)
        in_one_second = [Worker.validate_next(worker, 1000.5) for _ in range(UNDER_LOAD * 3)]
        self.assertTrue(all(in_one_second[:UNDER_LOAD]))
        sampled = in_one_second[UNDER_LOAD:]
        self.assertEqual(sum(sampled), len(sampled) // VALIDATE_ONE_IN)
        # A new second starts afresh: a learner's next requests are all validated again.
        self.assertTrue(Worker.validate_next(worker, 1001.0))

    def test_the_first_request_after_a_load_is_validated_even_under_load(self):
        workspace = tempfile.mkdtemp(prefix='gt-wsgi-test-')
        self.addCleanup(shutil.rmtree, workspace, True)
        with open(os.path.join(workspace, 'app.py'), 'w') as f:
            f.write(HELLO)
        mount = Mount('', 'app:app', workspace, validate=True)
        # Loading imports app.py into this test process: forget it after, for the other tests.
        self.addCleanup(lambda: sys.modules.pop('app', None) and sys.path.remove(workspace))
        first, second = mount.get(validated=False), mount.get(validated=False)
        self.assertIsNot(first, mount.plain_app)          # the validator's wrapper
        self.assertIs(second, mount.plain_app)
        mount.load()
        self.assertIsNot(mount.get(validated=False), mount.plain_app)


class KeepAliveTurnsTest(unittest.TestCase):
    def setUp(self):
        self.server = LabServer(HELLO, '--workers', '1', '--no-validate')
        self.addCleanup(self.server.stop)

    def request(self, sock):
        sock.sendall(b'GET / HTTP/1.1\r\nHost: t\r\n\r\n')
        return read_response(sock)

    def test_a_waiting_client_is_served_although_another_keeps_its_connection_idle(self):
        idle = self.server.connect()
        self.addCleanup(idle.close)
        status, headers, _ = self.request(idle)
        self.assertEqual((status, headers.get('connection')), (200, 'keep-alive'))
        waiting = self.server.connect()
        self.addCleanup(waiting.close)
        started = time.monotonic()
        status, _, _ = self.request(waiting)
        self.assertEqual(status, 200)
        # The one worker let the idle connection go after its turn and a short grace, far
        # sooner than the 5 s keep-alive timeout.
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(idle.recv(1), b'')                  # closed, with nothing in flight


class ConnectionCounterTest(unittest.TestCase):
    def test_workers_counting_at_once_never_give_two_connections_one_number(self):
        # Both ways: the shared file offset (Linux) and the file lock (elsewhere).
        for shared_offset in (wsgi_server.SHARED_OFFSET_COUNTS, False):
            with self.subTest(shared_offset=shared_offset):
                self._count_at_once(shared_offset)

    def _count_at_once(self, shared_offset):
        self.addCleanup(setattr, wsgi_server, 'SHARED_OFFSET_COUNTS', wsgi_server.SHARED_OFFSET_COUNTS)
        wsgi_server.SHARED_OFFSET_COUNTS = shared_offset
        scoreboard = wsgi_server.Scoreboard(Lab.anonymous_lock_file('gt-wsgi-test-'))
        self.addCleanup(os.close, scoreboard.lock_fd)
        per_worker, workers = 20000, 3
        results_r, results_w = os.pipe()
        pids = []
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:                                 # a worker: count, then say what it got
                try:
                    numbers = [scoreboard.next_conn() for _ in range(per_worker)]
                    os.write(results_w, f'{len(set(numbers))} {min(numbers)} {max(numbers)} {sum(numbers)}\n'.encode())
                finally:
                    os._exit(0)
            pids.append(pid)
        os.close(results_w)
        for pid in pids:
            os.waitpid(pid, 0)
        with os.fdopen(results_r) as results:
            lines = [list(map(int, line.split())) for line in results]
        self.assertEqual(len(lines), workers)
        self.assertTrue(all(distinct == per_worker for distinct, *_ in lines))
        # Together exactly 1..N: nothing given twice, nothing skipped.
        total = per_worker * workers
        self.assertEqual(min(low for _, low, _, _ in lines), 1)
        self.assertEqual(max(high for _, _, high, _ in lines), total)
        self.assertEqual(sum(s for *_, s in lines), total * (total + 1) // 2)
        self.assertEqual(scoreboard.next_conn(), total + 1)


if __name__ == '__main__':
    unittest.main()
