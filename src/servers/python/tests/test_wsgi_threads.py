# --threads: one worker process serves several requests at once, one per thread, and still
# reloads, stops and tells the app it is multithreaded (PEP 3333's wsgi.multithread).
import os
import threading
import unittest

from labserver import LabServer, pid_alive, split_response, wait_for

APP = '''
import os, threading, time

def app(environ, start_response):
    if environ['PATH_INFO'] == '/wait':
        time.sleep(0.5)                      # a slow database call: the GIL is free meanwhile
    body = f"{os.getpid()} {threading.current_thread().name} {environ['wsgi.multithread']}".encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
'''


def get_all(server, path, count):
    """count requests at once, each on its own connection; their responses."""
    results = [None] * count

    def one(i):
        results[i] = split_response(server.get(path))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


class ThreadsTest(unittest.TestCase):
    def test_one_worker_with_four_threads_serves_four_slow_requests_at_once(self):
        # Given one worker process with 4 threads
        server = LabServer(APP, '--workers', '1', '--threads', '4')
        try:
            # When 4 clients ask for /wait (0.5 s each) at the same moment
            responses = get_all(server, '/wait', 4)
            # Then all 4 were served by the same process, in 4 different threads, at the same time
            bodies = [body.decode().split() for status, _, body in responses]
            self.assertEqual([status for status, _, _ in responses], [200] * 4)
            self.assertEqual({pid for pid, _, _ in bodies}, {str(server.workers[0])})
            self.assertEqual(len({thread for _, thread, _ in bodies}), 4)
            self.assertEqual({flag for _, _, flag in bodies}, {'True'})
            events = wait_for(lambda: len(server.requests()) >= 4 and server.requests(), what='4 request events')
            self.assertLess(max(e['start'] for e in events), min(e['end'] for e in events))
        finally:
            server.stop()

    def test_a_single_thread_worker_says_it_is_not_multithreaded(self):
        server = LabServer(APP, '--workers', '1')
        try:
            status, _, body = split_response(server.get('/'))
            self.assertEqual((status, body.decode().split()[1:]), (200, ['MainThread', 'False']))
        finally:
            server.stop()

    def test_saving_the_app_reloads_every_thread_and_end_of_stdin_stops_them(self):
        server = LabServer(APP, '--workers', '1', '--threads', '3')
        worker = server.workers[0]
        try:
            server.write_app('def app(e, sr):\n    sr("200 OK", [("Content-Type", "text/plain")])\n    return [b"v2"]\n')
            server.wait_event(lambda e: e['event'] == 'reload', what='a reload event')
            wait_for(lambda: not pid_alive(worker), what='the old worker (and its threads) to leave')
            for status, _, body in get_all(server, '/', 3):
                self.assertEqual((status, body), (200, b'v2'))
            workers = [e['pid'] for e in server.events if e['event'] == 'worker' and e['state'] == 'started']
        finally:
            server.stop()
        # 143: the tutor tore its lab down after SIGTERM and exited as documented (not killed).
        self.assertEqual(server.process.returncode, 143)
        wait_for(lambda: not any(pid_alive(p) for p in [server.pid, *workers]), what='the server and every worker to exit')


if __name__ == '__main__':
    unittest.main()
