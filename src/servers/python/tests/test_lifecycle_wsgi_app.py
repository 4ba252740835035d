# The lifecycle lesson's notes app as WSGI (lessons/09-lifecycle/starter/wsgi_app.py), called
# directly under wsgiref.validate: each middleware answers early where it should, passes on where
# it should, and every hop of a traced request reports in order. No server, no sockets.
import contextlib
import gzip
import io
import os
import sys
import unittest
import warnings
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

STARTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..',
                       'lessons', '09-lifecycle', 'starter')
sys.path.insert(0, os.path.abspath(STARTER))
import wsgi_app  # noqa: E402
import wsgi_middleware  # noqa: E402


class FakeHop:
    def __init__(self, log, name, depth):
        self.log, self.name, self.depth, self.passed = log, name, depth, False

    def received(self):
        self.log.append((self.name, 'received', None))

    def passed_on(self):
        self.passed = True
        self.log.append((self.name, 'passed-on', None))

    def answered(self, status, why=None):
        self.log.append((self.name, 'answered-early' if why else 'answered', status))


def call(method='GET', path='/', headers=None, body=b'', trace=None):
    environ = {'REQUEST_METHOD': method, 'SCRIPT_NAME': '', 'PATH_INFO': path, 'QUERY_STRING': '',
               'wsgi.input': io.BytesIO(body)}
    if body:
        environ['CONTENT_LENGTH'] = str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace('-', '_')
        environ[key if key == 'CONTENT_TYPE' else 'HTTP_' + key] = value
    setup_testing_defaults(environ)
    if trace is not None:
        environ['gateway_tutor.trace'] = lambda name, depth: FakeHop(trace, name, depth)
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen['status'], seen['headers'], seen['pairs'] = status, dict(response_headers), response_headers
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):   # logging's lines
        warnings.simplefilter('error')          # wsgiref.validate's warnings fail the test too
        result = validator(wsgi_app.app)(environ, start_response)
        body_out = b''.join(result)
        result.close()
    call.pairs = seen['pairs']                 # every field line, for a field sent twice (Vary)
    return int(seen['status'][:3]), seen['headers'], body_out


class NotesAppAsWsgi(unittest.TestCase):
    def setUp(self):
        wsgi_middleware.SLOW_SECONDS = 0          # the slow moment is the trace's business

    def test_no_token_is_401_with_a_challenge(self):
        status, headers, _ = call(path='/api/notes')
        self.assertEqual(status, 401)
        self.assertEqual(headers['WWW-Authenticate'], 'Bearer realm="notes"')

    def test_the_reader_may_read_but_not_write(self):
        status, _, body = call(path='/api/notes', headers={'Authorization': 'Bearer reader'})
        self.assertEqual(status, 200)
        self.assertIn(b'"user": "reader"', body)
        status, headers, _ = call('POST', '/api/notes', {'Authorization': 'Bearer reader',
                                                         'Content-Type': 'application/json'}, b'{"text": "x"}')
        self.assertEqual(status, 403)
        self.assertIn('insufficient_scope', headers['WWW-Authenticate'])

    def test_the_writer_writes_json_and_the_body_layer_checks_it(self):
        writer = {'Authorization': 'Bearer writer', 'Content-Type': 'application/json'}
        self.assertEqual(call('POST', '/api/notes', writer, b'{"text": "mine"}')[0], 201)
        self.assertEqual(call('POST', '/api/notes', writer, b'{"nope": 1}')[0], 422)
        self.assertEqual(call('POST', '/api/notes', writer, b'{broken')[0], 400)
        self.assertEqual(call('POST', '/api/notes', {**writer, 'Content-Type': 'text/plain'}, b'x')[0], 415)

    def test_a_preflight_is_answered_by_cors_with_vary_origin(self):
        status, headers, body = call('OPTIONS', '/api/notes', {'Origin': 'https://notes.example',
                                                               'Access-Control-Request-Method': 'POST'})
        self.assertEqual((status, body), (204, b''))
        self.assertEqual(headers['Access-Control-Allow-Origin'], 'https://notes.example')
        # Vary twice: Origin from cors, Accept-Encoding from compression (outside it).
        self.assertEqual([v for k, v in call.pairs if k == 'Vary'], ['Origin', 'Accept-Encoding'])

    def test_compression_gzips_a_long_answer_when_the_client_accepts_gzip(self):
        def long_answer(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '300')])
            return [b'a' * 300]
        app = validator(wsgi_middleware.compression(long_answer))
        for accept, gzipped in (('gzip', True), ('gzip;q=0', False), ('br', False)):
            environ = {'SCRIPT_NAME': '', 'PATH_INFO': '/', 'QUERY_STRING': '', 'HTTP_ACCEPT_ENCODING': accept}
            setup_testing_defaults(environ)
            seen = {}
            result = app(environ, lambda status, headers, exc_info=None: seen.update(headers=dict(headers)))
            body = b''.join(result)
            result.close()
            self.assertEqual(seen['headers'].get('Content-Encoding'), 'gzip' if gzipped else None, accept)
            self.assertEqual(gzip.decompress(body) if gzipped else body, b'a' * 300)
            self.assertEqual(seen['headers']['Content-Length'], str(len(body)))
            # Compressed or not, the answer depended on Accept-Encoding (RFC 9110 §12.5.5).
            self.assertEqual(seen['headers'].get('Vary'), 'Accept-Encoding', accept)

    def test_a_websocket_handshake_gets_an_ordinary_answer(self):
        status, _, body = call(path='/ws', headers={'Connection': 'Upgrade', 'Upgrade': 'websocket'})
        self.assertEqual(status, 501)
        self.assertIn(b'cannot take over the connection', body)

    def test_a_traced_request_reports_every_hop_in_and_out(self):
        log = []
        call(path='/api/notes', headers={'Authorization': 'Bearer reader'}, trace=log)
        names = ['logging', 'compression', 'cors', 'auth', 'authz', 'body']
        inward = [entry for entry in log if entry[1] != 'answered']
        self.assertEqual(inward, [e for name in names for e in ((name, 'received', None), (name, 'passed-on', None))]
                         + [('handler', 'received', None)])
        self.assertEqual([e for e in log if e[1] == 'answered'],
                         [(name, 'answered', 200) for name in ['handler', *reversed(names)]])

    def test_an_early_answer_says_why_and_goes_no_further(self):
        log = []
        call(path='/api/notes', trace=log)
        self.assertIn(('auth', 'answered-early', 401), log)
        self.assertFalse(any(name in ('authz', 'body', 'handler') for name, _, _ in log))


if __name__ == '__main__':
    unittest.main()
