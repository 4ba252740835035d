# The wsgi lesson's middleware check (lessons/06-wsgi/probes/middleware_probe.py) tells a good
# middleware from one that drops exc_info or collects the body: what HTTP alone cannot show.
import importlib.util
import json
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, '..', '..', '..', '..', 'lessons', '06-wsgi', 'probes', 'middleware_probe.py')
spec = importlib.util.spec_from_file_location('middleware_probe', PROBE)
probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe)

APP = '''
def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'hi']

'''

GOOD = APP + '''
def add_header(inner):
    def middleware(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Middleware', 'wsgi-tutor')], exc_info)
        return inner(environ, start)
    return middleware

app = add_header(app)
'''

DROPS_EXC_INFO = GOOD.replace('exc_info=None):', '*rest):').replace(", exc_info)", ")")

COLLAPSES = APP + '''
def add_header(inner):
    def middleware(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Middleware', 'wsgi-tutor')], exc_info)
        return [b''.join(inner(environ, start))]
    return middleware
'''

GENERATOR_WITH_CLOSE = APP + '''
def add_header(inner):
    def middleware(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Middleware', 'wsgi-tutor')], exc_info)
        result = inner(environ, start)
        try:
            yield from result
        finally:
            if hasattr(result, 'close'):
                result.close()
    return middleware
'''


class MiddlewareProbeTest(unittest.TestCase):
    def report(self, source):
        with tempfile.TemporaryDirectory() as workspace:
            with open(os.path.join(workspace, 'app.py'), 'w') as f:
                f.write(source)
            calls = []
            body = probe.app({'PATH_INFO': '/_check/middleware', 'gateway_tutor.workspace': workspace,
                              'REQUEST_METHOD': 'GET'},
                             lambda status, headers, exc_info=None: calls.append(status))
            self.assertEqual(calls, ['200 OK'])
            return json.loads(b''.join(body))

    def setUp(self):
        self.saved = os.environ.pop('GT_WORKSPACE', None)

    def tearDown(self):
        if self.saved is not None:
            os.environ['GT_WORKSPACE'] = self.saved

    def test_a_good_middleware_passes_everything(self):
        self.assertEqual(self.report(GOOD), {'found': True, 'header': 'wsgi-tutor', 'excInfo': 'kept',
                                             'sameIterable': True, 'streamed': True, 'closed': True,
                                             'bodyIntact': True})

    def test_a_middleware_that_drops_exc_info_is_caught(self):
        report = self.report(DROPS_EXC_INFO)
        self.assertEqual((report['header'], report['excInfo']), ('wsgi-tutor', 'dropped'))

    def test_a_middleware_that_collects_the_body_is_caught(self):
        report = self.report(COLLAPSES)
        self.assertEqual((report['sameIterable'], report['streamed'], report['closed']), (False, False, False))
        self.assertTrue(report['bodyIntact'])
        # Only for the body: its header and exc_info are right, and the probe's own test apps
        # must not make it fail (a test app whose body was start_response's write()).
        self.assertEqual((report['header'], report['excInfo']), ('wsgi-tutor', 'kept'))
        self.assertNotIn('headerError', report)

    def test_a_generator_that_streams_and_closes_is_fine(self):
        report = self.report(GENERATOR_WITH_CLOSE)
        self.assertEqual((report['sameIterable'], report['streamed'], report['closed']), (False, True, True))
        # A generator calls the inner app only when iterated: the probe iterates, as a server does.
        self.assertEqual((report['header'], report['excInfo']), ('wsgi-tutor', 'kept'))

    def test_no_add_header_at_all(self):
        self.assertEqual(self.report(APP), {'found': False})


if __name__ == '__main__':
    unittest.main()
