# The WSGI server's part of a request's journey (wsgi_trace.py): its hop's trace events under the
# proxy's X-Request-Id, the way the app's middleware reports hops of its own, and the environ
# summary the request event carries with --report-environ.
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labserver import LabServer, split_response  # noqa: E402

APP = r'''
def app(environ, start_response):
    new_hop = environ.get('gateway_tutor.trace')
    if environ['PATH_INFO'] == '/traced' and new_hop:
        hop = new_hop('handler', 2)
        hop.received()
        hop.answered(200)
    if environ['PATH_INFO'] == '/boom':
        raise RuntimeError('broken on purpose')
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'traced' if new_hop else b'not traced']
'''


class TraceAndEnviron(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = LabServer(APP, '--workers', '1', '--report-environ', '--no-validate')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def traces(self, request_id):
        return [e for e in self.server.events if e['event'] == 'trace' and e['requestId'] == request_id]

    def test_a_request_with_an_id_is_one_hop_with_the_apps_hops_inside(self):
        status, _, body = split_response(self.server.get('/traced', 'X-Request-Id: rid-1\r\n'))
        self.assertEqual(status, 200)
        self.assertEqual(body, b'traced')
        self.server.wait_event(lambda e: e['event'] == 'trace' and e['hop'] == 'wsgi' and e['phase'] == 'answered'
                               and e['requestId'] == 'rid-1', what="the wsgi hop's answer")
        mine = [(e['hop'], e['depth'], e['phase']) for e in self.traces('rid-1')]
        self.assertEqual(mine, [('wsgi', 1, 'received'), ('wsgi', 1, 'passed-on'), ('handler', 2, 'received'),
                                ('handler', 2, 'answered'), ('wsgi', 1, 'answered')])
        answered = self.traces('rid-1')[-1]
        self.assertEqual(answered['status'], 200)
        self.assertGreaterEqual(answered['ms'], self.traces('rid-1')[-2]['ms'])

    def test_an_app_that_raises_is_the_servers_own_500_with_a_reason(self):
        self.server.get('/boom', 'X-Request-Id: rid-2\r\n')
        done = self.server.wait_event(lambda e: e['event'] == 'trace' and e['requestId'] == 'rid-2'
                                      and e['phase'].startswith('answered'), what="the wsgi hop's answer")
        self.assertEqual((done['phase'], done['status']), ('answered-early', 500))
        self.assertIn('broken on purpose', done['why'])

    def test_no_request_id_no_trace_and_no_extension_for_the_app(self):
        _, _, body = split_response(self.server.get('/plain'))
        self.assertEqual(body, b'not traced')
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/plain')
        self.assertNotIn('gateway_tutor.trace', event['environ'])

    def test_the_environ_summary_is_json_safe_and_keeps_to_pep_3333_keys(self):
        self.server.get('/plain?x=1', 'X-Custom: yes\r\n')
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/plain?x=1')
        environ = event['environ']
        self.assertEqual(environ['QUERY_STRING'], 'x=1')
        self.assertEqual(environ['HTTP_X_CUSTOM'], 'yes')
        self.assertEqual(environ['wsgi.version'], [1, 0])
        self.assertEqual(environ['wsgi.multiprocess'], False)
        self.assertEqual(environ['wsgi.input'], '<wsgi_http.Body object>')
        self.assertTrue(all(k.startswith(('HTTP_', 'wsgi.', 'gateway_tutor.')) or k.isupper() for k in environ))

    def test_a_huge_header_value_is_cut_short(self):
        self.server.get('/long', f'X-Long: {"a" * 5000}\r\n')
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/long')
        self.assertLessEqual(len(event['environ']['HTTP_X_LONG']), 200)

    def test_a_huge_header_name_is_cut_short_too(self):
        self.server.get('/long-name', f'X-{"n" * 3000}: 1\r\n')
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/long-name')
        self.assertTrue(all(len(key) <= 100 for key in event['environ']))


def python_with_gunicorn():
    for python in (sys.executable, '/usr/bin/python3'):
        if os.path.exists(python) and subprocess.run([python, '-c', 'import gunicorn'],
                                                     capture_output=True).returncode == 0:
            return python
    return None


GUNICORN_PYTHON = python_with_gunicorn()


@unittest.skipUnless(GUNICORN_PYTHON, 'no Python here imports gunicorn (apt-get install python3-gunicorn)')
class UnderGunicorn(unittest.TestCase):
    """--engine gunicorn reports the same: hop "gunicorn", the environ, an app's error."""

    @classmethod
    def setUpClass(cls):
        cls.server = LabServer(APP, '--workers', '1', '--report-environ', '--engine', 'gunicorn',
                               python=GUNICORN_PYTHON)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_the_hop_is_gunicorn_and_the_apps_hops_are_inside(self):
        self.server.get('/traced', 'X-Request-Id: g-1\r\n')
        self.server.wait_event(lambda e: e['event'] == 'trace' and e['requestId'] == 'g-1' and e['hop'] == 'gunicorn'
                               and e['phase'] == 'answered', what="gunicorn's answer")
        mine = [(e['hop'], e['phase']) for e in self.server.events if e.get('requestId') == 'g-1']
        self.assertEqual(mine, [('gunicorn', 'received'), ('gunicorn', 'passed-on'), ('handler', 'received'),
                                ('handler', 'answered'), ('gunicorn', 'answered')])
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/traced')
        self.assertEqual(event['environ']['HTTP_X_REQUEST_ID'], 'g-1')
        self.assertEqual(event['environ']['wsgi.version'], [1, 0])

    def test_an_app_that_raises_is_answered_early_with_the_error(self):
        status, _, _ = split_response(self.server.get('/boom', 'X-Request-Id: g-2\r\n'))
        self.assertEqual(status, 500)          # Gunicorn's own error page
        done = self.server.wait_event(lambda e: e['event'] == 'trace' and e['requestId'] == 'g-2'
                                      and e['phase'].startswith('answered'), what="gunicorn's answer")
        self.assertEqual((done['phase'], done['status']), ('answered-early', 500))
        self.assertIn('broken on purpose', done['why'])


class WithoutTheFlag(unittest.TestCase):
    def test_no_environ_summary_unless_asked(self):
        server = LabServer(APP, '--workers', '1', '--no-validate')
        try:
            server.get('/plain')
            event = server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/plain')
            self.assertNotIn('environ', event)
        finally:
            server.stop()


if __name__ == '__main__':
    unittest.main()
