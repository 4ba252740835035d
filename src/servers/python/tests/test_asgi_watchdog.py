# The ASGI lab server's watchdog (asgi_watchdog.py) blames the app for a stall only when the app
# blocked the event loop: a blocking call (time.sleep) and a CPU-bound loop, in Python or in C, are
# reported with the line that did it; a process that simply got no CPU (here: stopped with SIGSTOP
# while the app does ordinary awaits) is reported as starved, never as a stall of the app's.
import os
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asgilab import asgi_server  # noqa: E402
from labserver import read_response, wait_for  # noqa: E402

APP = r'''
import asyncio, time

def crunch_python(n):
    total = 0
    for i in range(n): total += i
    return total

def crunch_c(n):
    # One C call: the interpreter lock is not let go until it returns.
    return sum(range(n))

def calibrate(crunch, seconds):
    """How many steps of `crunch` take `seconds` of CPU on this machine, busy or not."""
    n = 20_000
    while True:
        started = time.thread_time()
        crunch(n)
        took = time.thread_time() - started
        if took > 0.02:
            return int(n * seconds / took)
        n *= 4

# 0.7 s of CPU each: on a busy machine (the whole suite on two cores) the loop also waits for a
# CPU in the middle, which is not blamed, and what is blamed must still pass 250 ms.
PYTHON_STEPS = calibrate(crunch_python, 0.7)
C_STEPS = calibrate(crunch_c, 0.7)

async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    path = scope['path']
    if path == '/block':
        time.sleep(0.4)
    elif path == '/crunch':
        crunch_python(PYTHON_STEPS)
    elif path == '/crunch-c':
        crunch_c(C_STEPS)
    elif path == '/thread-c':
        # In another thread, but one C call holds the interpreter lock: the loop cannot run.
        await asyncio.to_thread(crunch_c, C_STEPS)
    elif path == '/steady':
        # Ordinary async work: a little computing, then an await, for a second.
        open(scope['query_string'].decode(), 'w').write('started')
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            sum(range(500))
            await asyncio.sleep(0)
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': b'done'})
'''


class WatchdogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = asgi_server(APP)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def last_seq(self):
        return max((e['seq'] for e in self.server.events), default=0)

    def since(self, seq, kind):
        return [e for e in list(self.server.events) if e['seq'] > seq and e['event'] == kind]

    def logged(self, text):
        """The lab log has a line with `text` (it comes by another pipe than the events)."""
        wait_for(lambda: any(text in line for line in self.server.log), 10, f'"{text}" in the log', every=0.1)

    def stall_of(self, target, at_least=250):
        """The stall `target` caused, as one: on a busy machine the watcher may miss a look in
        the middle (a part not seen), and the request's stall comes in more than one report."""
        before = self.last_seq()
        self.assertEqual(self.server.get(target)[:15], b'HTTP/1.1 200 OK')
        request = self.server.wait_event(lambda e: e['seq'] > before and e['event'] == 'request'
                                         and e['target'] == target, what=f'the request event of {target}')
        self.assertGreaterEqual(request['stalledMs'], at_least)
        stalls = lambda: [e for e in self.since(before, 'stall') if e.get('target') == target]
        try:
            wait_for(lambda: sum(e['durationMs'] for e in stalls()) >= at_least, 10, f'the stalls in {target}')
        except AssertionError:
            self.fail(f'{target} was reported blocking the loop for less than {at_least} ms: {stalls()}')
        self.assertEqual(len({e['where'] for e in stalls()}), 1, stalls())
        return {'durationMs': sum(e['durationMs'] for e in stalls()), 'where': stalls()[0]['where'],
                'cpuMs': sum(e['cpuMs'] for e in stalls())}

    def test_a_blocking_call_is_blamed_with_its_line_and_little_cpu(self):
        stall = self.stall_of('/block')
        self.assertGreaterEqual(stall['durationMs'], 250)
        self.assertIn('time.sleep(0.4)', stall['where'])
        self.assertLess(stall['cpuMs'], stall['durationMs'] / 2)
        self.logged('(waiting, not computing')

    def test_a_cpu_bound_loop_is_blamed_with_its_line_and_its_cpu(self):
        stall = self.stall_of('/crunch')
        # 0.7 s of CPU: on a busy machine the loop may also have waited for a CPU (not blamed).
        self.assertGreaterEqual(stall['durationMs'], 250)
        self.assertIn('for i in range(n): total += i', stall['where'])
        self.assertGreaterEqual(stall['cpuMs'], stall['durationMs'] / 2)

    def test_a_c_call_that_holds_the_interpreter_lock_is_blamed_too(self):
        # The watcher cannot look while the loop holds the lock: it wakes late, as it would if the
        # process were stopped; the loop's CPU time says it was busy instead. The watcher asks for
        # the lock, so it gets it as soon as the call returns, on its line. On a busy machine the
        # watcher may itself wait for a CPU meanwhile; the stall is then reported as not seen.
        before = self.last_seq()
        self.assertEqual(self.server.get('/crunch-c')[:15], b'HTTP/1.1 200 OK')
        stall = self.server.wait_event(lambda e: e['seq'] > before and e['event'] == 'stall',
                                       what='a stall in /crunch-c')
        self.assertGreaterEqual(stall['durationMs'], 250)
        self.assertGreaterEqual(stall['cpuMs'], stall['durationMs'] / 2)
        if 'target' in stall:
            self.assertEqual(stall['target'], '/crunch-c')
            self.assertIn('return sum(range(n))', stall['where'])
        else:
            self.assertNotIn('where', stall)
            self.logged('could not look at')

    def test_a_thread_of_the_app_holding_the_interpreter_lock_blocks_the_loop_not_starves_it(self):
        # asyncio.to_thread does not help CPU-bound work: the thread holds the interpreter lock and
        # the loop waits for it. The process was computing all along: blocked, not starved.
        before = self.last_seq()
        self.assertEqual(self.server.get('/thread-c')[:15], b'HTTP/1.1 200 OK')
        stall = self.server.wait_event(lambda e: e['seq'] > before and e['event'] == 'stall',
                                       what='a stall while /thread-c computed')
        self.assertGreaterEqual(stall['durationMs'], 200)
        self.assertEqual([e for e in self.since(before, 'starved') if e['durationMs'] >= 200], [])

    def test_a_stopped_process_is_starved_not_blocked_by_the_app(self):
        before = self.last_seq()
        marker = tempfile.mktemp(prefix='gt-steady-')
        sock = self.server.connect()
        try:
            sock.sendall(f'GET /steady?{marker} HTTP/1.1\r\nHost: t\r\n\r\n'.encode())
            wait_for(lambda: os.path.exists(marker), 10, 'the app to start /steady')
            os.kill(self.server.pid, signal.SIGSTOP)
            try:
                time.sleep(0.3)             # the pause under test, not a wait for something
            finally:
                os.kill(self.server.pid, signal.SIGCONT)
            starved = self.server.wait_event(lambda e: e['seq'] > before and e['event'] == 'starved',
                                             what='a starved event')
            self.assertGreaterEqual(starved['durationMs'], 200)
            self.assertEqual(read_response(sock)[0], 200)
        finally:
            sock.close()
            if os.path.exists(marker):
                os.unlink(marker)
        request = self.server.wait_event(lambda e: e['seq'] > before and e['event'] == 'request'
                                         and e['target'].startswith('/steady'), what='the request event')
        self.assertEqual(self.since(before, 'stall'), [])
        self.assertEqual(request['stalledMs'], 0)
        self.logged('event loop got no CPU')


if __name__ == '__main__':
    unittest.main()
