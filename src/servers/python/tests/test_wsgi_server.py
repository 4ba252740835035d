# The WSGI lab server against PEP 3333 and HTTP/1.1: each test starts a real server with a small
# app, sends real requests, and reads what came back and what the server reported.
import json
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
HERE_DIR = os.path.dirname(os.path.abspath(__file__))
from labserver import LabServer, pid_alive, read_response, split_response, wait_for  # noqa: E402

APP = r'''
import json, os, sys, time

class Closing:
    """An iterable whose close() leaves a mark on disk, so the test can see it was called."""
    def __init__(self, name, chunks, fail_at=None, delay=0):
        self.name, self.chunks, self.fail_at, self.delay = name, chunks, fail_at, delay
    def __iter__(self):
        for i, chunk in enumerate(self.chunks):
            if i == self.fail_at:
                raise RuntimeError('failing mid-body on purpose')
            if self.delay:
                time.sleep(self.delay)
            yield chunk
    def close(self):
        open(os.path.join(os.path.dirname(__file__), self.name + '.closed'), 'w').close()

def app(environ, start_response):
    path = environ['PATH_INFO']
    if path.startswith('/check-environ') or environ['REQUEST_METHOD'] == 'OPTIONS':
        # The server's half of the contract, checked by wsgiref itself (warnings count too).
        import warnings, wsgiref.validate
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            try:
                wsgiref.validate.check_environ(environ)
                answer = b'ok'
            except (AssertionError, Warning) as problem:
                answer = repr(problem).encode()
        environ['wsgi.input'].read(65536)
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [answer]
    if path.startswith('/environ'):
        keys = {k: [repr(v) if k in ('wsgi.version',) else v if isinstance(v, (str, bool)) else type(v).__name__,
                    type(v).__name__] for k, v in environ.items()}
        body = json.dumps(keys).encode()
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [body]
    if path == '/echo':
        # read() with a size, until b'': PEP 3333 lists read(size), and validate insists.
        body = b''.join(iter(lambda: environ['wsgi.input'].read(8192), b''))
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return [body]
    if path == '/read-all':
        # read() with no size: PEP 3333 says a server should allow it (wsgiref.validate does not).
        body = environ['wsgi.input'].read()
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return [body]
    if path == '/no-content-type':
        # PEP 3333 does not require a Content-Type; wsgiref.validate does.
        start_response('200 OK', [])
        return [b'plain']
    if path == '/lines':
        lines = list(environ['wsgi.input'])
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps([l.decode() for l in lines]).encode()]
    if path == '/exc-before-body':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        try:
            raise ValueError('oops')
        except ValueError:
            start_response('503 Service Unavailable', [('Content-Type', 'text/plain')], sys.exc_info())
        return [b'replaced']
    if path == '/exc-after-body':
        def body():
            yield b'partial'
            try:
                raise ValueError('too late')
            except ValueError:
                start_response('500 Internal Server Error', [('Content-Type', 'text/plain')], sys.exc_info())
            yield b'never'
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return Closing('exc-after', body())
    if path == '/twice':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'no']
    if path == '/close-ok':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return Closing('ok', [b'a', b'b'])
    if path == '/close-error':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return Closing('error', [b'a', b'b'], fail_at=1)
    if path == '/slow-close-list':
        # A whole body in a list whose close() takes a second (an app's cleanup).
        class SlowClose(list):
            def close(self):
                time.sleep(1)
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
        return SlowClose([b'whole'])
    if path == '/stream':
        def body():
            yield b'first;'
            time.sleep(1)
            yield b'second'
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return body()
    if path == '/close-abort':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return Closing('abort', [b'x' * 65536] * 200, delay=0.01)
    if path == '/write':
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        write(b'legacy ')
        return [b'write']
    if path == '/too-long':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
        return [b'0123456789']
    if path == '/str':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return 'a str'
    if path == '/str-piece':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return ['text, not bytes']
    if path == '/write-str':
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        write('text, not bytes')
        return []
    if path == '/dict-headers':
        start_response('200 OK', {'Content-Type': 'text/plain'})
        return [b'x']
    if path == '/file':
        f = open(__file__, 'rb')
        size = os.path.getsize(__file__)
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(size))])
        return environ['wsgi.file_wrapper'](f)
    if path == '/pid-then-sleep':
        open(os.path.join(os.path.dirname(__file__), 'busy.pid'), 'w').write(str(os.getpid()))
        time.sleep(30)
    if path == '/euro-header':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Price', '5 €')])
        return [b'five euros']
    if path == '/length-words':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', 'ten')])
        return [b'0123456789']
    if path == '/length-short':
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '24')])
        return [b'only 14 bytes.']
    if path == '/empty':
        start_response('204 No Content', [])
        return []
    body = b'hello'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '5')])
    return [body]
'''


class WsgiServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = LabServer(APP, '--workers', '2', '--timeout', '20')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def marker(self, name):
        return os.path.join(self.server.workspace, name + '.closed')

    # -- environ ------------------------------------------------------------------------------
    def test_environ_has_every_key_pep_3333_lists(self):
        status, _, body = split_response(self.server.raw(
            b'POST /environ/%C3%A9t%C3%A9?a=1&b=%20 HTTP/1.1\r\nHost: example\r\nX-Custom-Thing: yes\r\n'
            b'Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc'))
        self.assertEqual(status, 200)
        env = json.loads(body)
        self.assertEqual(env['REQUEST_METHOD'][0], 'POST')
        self.assertEqual(env['SCRIPT_NAME'][0], '')
        # PATH_INFO is decoded, and bytes are carried as latin-1 characters.
        self.assertEqual(env['PATH_INFO'][0], '/environ/' + 'été'.encode().decode('latin-1'))
        self.assertEqual(env['QUERY_STRING'][0], 'a=1&b=%20')
        self.assertEqual(env['CONTENT_TYPE'][0], 'text/plain')
        self.assertEqual(env['CONTENT_LENGTH'][0], '3')
        self.assertNotIn('HTTP_CONTENT_TYPE', env)
        self.assertNotIn('HTTP_CONTENT_LENGTH', env)
        self.assertEqual(env['HTTP_X_CUSTOM_THING'][0], 'yes')
        self.assertEqual(env['HTTP_HOST'][0], 'example')
        self.assertEqual(env['SERVER_NAME'][0], '127.0.0.1')
        self.assertEqual(env['SERVER_PORT'][0], str(self.server.port))
        self.assertEqual(env['SERVER_PROTOCOL'][0], 'HTTP/1.1')
        self.assertEqual(env['wsgi.version'][0], '(1, 0)')
        self.assertEqual(env['wsgi.url_scheme'][0], 'http')
        self.assertEqual(env['wsgi.multithread'][0], False)
        self.assertEqual(env['wsgi.multiprocess'][0], True)
        self.assertEqual(env['wsgi.run_once'][0], False)
        for key in ('wsgi.input', 'wsgi.errors', 'wsgi.file_wrapper'):
            self.assertIn(key, env)
        for key, (value, kind) in env.items():
            if '.' not in key:
                self.assertEqual(kind, 'str', f'{key} must be a native str')

    def test_path_info_carries_each_byte_of_the_target_as_one_latin_1_character(self):
        # A byte sent raw (not as %XX) is the same byte in PATH_INFO as when it is sent escaped:
        # 0xE9 is 'é', not the two characters of its UTF-8 form.
        for target in (b'/environ/caf\xe9', b'/environ/caf%E9', b'/environ/%2Fa%20b'):
            with self.subTest(target=target):
                _, _, body = split_response(self.server.raw(
                    b'GET ' + target + b' HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'))
                expected = '/environ/café' if b'caf' in target else '/environ//a b'
                self.assertEqual(json.loads(body)['PATH_INFO'][0], expected)

    def test_environ_passes_wsgiref_check_environ(self):
        # The validator checks the environ only on a worker's first request (wsgi_validate.py,
        # rule 2): here wsgiref's check_environ runs on every kind of request we make.
        requests = [
            b'GET /check-environ HTTP/1.1\r\nHost: t\r\n\r\n',
            b'GET /check-environ/%C3%A9?q=%20&x HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nX-A: 2\r\n\r\n',
            b'HEAD /check-environ HTTP/1.1\r\nHost: t\r\n\r\n',
            b'GET /check-environ HTTP/1.0\r\n\r\n',
            b'GET http://example.com/check-environ?a=1 HTTP/1.1\r\nHost: example.com\r\n\r\n',
            b'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n',
            b'POST /check-environ HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc',
            b'PUT /check-environ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
            b'DELETE /check-environ HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n',
        ]
        for request in requests:
            with self.subTest(request=request.split(b'\r\n', 1)[0]):
                head, _, body = self.server.raw(request.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n', 1)) \
                    .partition(b'\r\n\r\n')
                self.assertTrue(head.startswith(b'HTTP/1.1 200 '), head)
                if not request.startswith(b'HEAD'):
                    self.assertEqual(body.split(b'\r\n')[1] if b'chunked' in head.lower() else body, b'ok')

    # -- start_response and exc_info ----------------------------------------------------------
    def test_exc_info_before_the_body_replaces_the_status(self):
        status, _, body = split_response(self.server.get('/exc-before-body'))
        self.assertEqual(status, 503)
        self.assertEqual(body, b'replaced')

    def test_exc_info_after_the_body_started_reraises_and_cuts_the_response(self):
        data = self.server.get('/exc-after-body')
        self.assertTrue(data.startswith(b'HTTP/1.1 200 OK'))
        self.assertIn(b'partial', data)
        self.assertNotIn(b'never', data)
        self.assertNotIn(b'0\r\n\r\n', data)    # no clean end of the chunked body
        event = self.server.wait_event(lambda e: e.get('target') == '/exc-after-body', what='its event')
        self.assertIn('too late', event['error'])
        wait_for(lambda: os.path.exists(self.marker('exc-after')), what='close() after exc_info')

    def test_a_second_start_response_without_exc_info_is_an_error(self):
        status, _, body = split_response(self.server.get('/twice'))
        self.assertEqual(status, 500)
        self.assertIn(b'called twice', body)
        self.assertIn(b'PEP 3333', body)

    def test_legacy_write_sends_before_the_iterable(self):
        status, _, body = split_response(self.server.get('/write'))
        self.assertEqual((status, body), (200, b'legacy write'))

    # -- close() -------------------------------------------------------------------------------
    def test_close_is_called_after_a_normal_response(self):
        status, _, body = split_response(self.server.get('/close-ok'))
        self.assertEqual((status, body), (200, b'ab'))
        wait_for(lambda: os.path.exists(self.marker('ok')), what='close() to be called')

    def test_close_is_called_when_the_iterable_raises(self):
        data = self.server.get('/close-error')
        self.assertIn(b'a', data)
        wait_for(lambda: os.path.exists(self.marker('error')), what='close() after an error')

    def test_the_last_response_of_a_connection_is_not_held_back(self):
        # A body given whole goes out with the end of the connection (FIN in the same packet),
        # before the app's close() has finished; a streamed one goes out piece by piece, also
        # when the connection closes after it.
        for target, until_end in (('/slow-close-list', True), ('/stream', False)):
            with self.subTest(target=target):
                sock = self.server.connect()
                self.addCleanup(sock.close)
                started = time.monotonic()
                sock.sendall(f'GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'.encode())
                data = b''
                while True:
                    chunk = sock.recv(65536)
                    data += chunk
                    if not chunk or (not until_end and b'first;' in data):
                        break
                self.assertLess(time.monotonic() - started, 0.8, data)
                self.assertTrue(data.endswith(b'\r\n\r\nwhole') if until_end else b'first;' in data, data)

    def test_close_is_called_when_the_client_goes_away(self):
        sock = self.server.connect()
        sock.sendall(b'GET /close-abort HTTP/1.1\r\nHost: t\r\n\r\n')
        sock.recv(1024)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        sock.close()                                      # a reset, mid-body
        wait_for(lambda: os.path.exists(self.marker('abort')), what='close() after the client left')
        event = self.server.wait_event(lambda e: e.get('target') == '/close-abort', what='its event')
        self.assertTrue(event.get('aborted'))

    # -- framing -------------------------------------------------------------------------------
    def test_never_more_than_the_declared_content_length(self):
        status, headers, body = split_response(self.server.get('/too-long'))
        self.assertEqual((status, headers['content-length'], body), (200, '5', b'01234'))
        event = self.server.wait_event(lambda e: e.get('target') == '/too-long', what='its event')
        self.assertIn('more than its Content-Length', event['error'])

    def test_chunked_request_bodies_are_decoded(self):
        data = (b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
                b'5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n')
        status, _, body = split_response(self.server.raw(data))
        self.assertEqual((status, body), (200, b'hello world'))

    def test_readline_and_iteration_over_wsgi_input(self):
        data = b'one\ntwo\nthree'
        request = (b'POST /lines HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' % len(data)) + data
        status, _, body = split_response(self.server.raw(request))
        self.assertEqual(json.loads(body), ['one\n', 'two\n', 'three'])

    def test_read_without_a_size_reads_the_whole_body_sized_or_chunked(self):
        # PEP 3333: "A server should allow read() to be called without an argument, and return the
        # entire remainder of the client's input stream". wsgiref.validate's rule against it is
        # reported as that validator's advice; the request is not failed.
        sized = b'POST /read-all HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world'
        chunked = (b'POST /read-all HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
                   b'5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n')
        for request in (sized, chunked):
            with self.subTest(request=request[:60]):
                status, _, body = split_response(self.server.raw(request))
                self.assertEqual((status, body), (200, b'hello world'))
        event = self.server.wait_event(lambda e: e.get('target') == '/read-all', what='its event')
        self.assertNotIn('error', event)
        self.assertIn('PEP 3333 says a server should allow it', event['validatorNotes'][0])

    def test_wsgi_input_terminated_is_set(self):
        status, _, body = split_response(self.server.get('/environ/terminated'))
        self.assertEqual(json.loads(body)['wsgi.input_terminated'][0], True)

    def test_a_stricter_rule_of_wsgiref_validate_is_advice_not_a_500(self):
        # Given an app that sends no Content-Type (PEP 3333 does not ask for one),
        status, _, body = split_response(self.server.get('/no-content-type'))
        # then the response goes out as the app made it,
        self.assertEqual((status, body), (200, b'plain'))
        # and the event carries the validator's complaint as advice, not as an error.
        event = self.server.wait_event(lambda e: e.get('target') == '/no-content-type', what='its event')
        self.assertNotIn('error', event)
        self.assertIn('No Content-Type header found', event['validatorNotes'][0])

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        sock = self.server.connect()
        remote = '%s:%d' % sock.getsockname()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc')
        first = read_response(sock)
        sock.sendall(b'GET /hello HTTP/1.1\r\nHost: t\r\n\r\n')
        second = read_response(sock)
        sock.close()
        self.assertEqual(first[2], b'abc')
        self.assertEqual(second[2], b'hello')
        self.assertEqual(first[1]['x-worker-pid'], second[1]['x-worker-pid'])
        # The server reported both requests on one connection (same conn number).
        mine = wait_for(lambda: len([e for e in self.server.requests() if e.get('remote') == remote]) == 2
                        and [e for e in self.server.requests() if e.get('remote') == remote], what='both events')
        self.assertEqual(mine[0]['conn'], mine[1]['conn'])

    def test_empty_bodies_and_204(self):
        status, headers, body = split_response(self.server.get('/empty'))
        self.assertEqual((status, body), (204, b''))
        self.assertNotIn('transfer-encoding', headers)

    def test_file_wrapper_sends_the_whole_file(self):
        status, _, body = split_response(self.server.get('/file'))
        with open(os.path.join(self.server.workspace, 'app.py'), 'rb') as f:
            self.assertEqual((status, body), (200, f.read()))

    # -- bad requests ---------------------------------------------------------------------------
    def test_malformed_requests_get_400_431_413(self):
        cases = [
            (b'NONSENSE\r\n\r\n', 400),
            (b'GET / HTTP/1.1\r\n\r\n', 400),                                  # no Host
            (b'GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n', 400),
            (b'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400),
            (b'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n', 400),
            (b'GET / HTTP/1.1\r\nHost: t\r\n' + b''.join(b'X-%d: y\r\n' % i for i in range(150)) + b'\r\n', 431),
            (b'GET / HTTP/1.1\r\nHost: t\r\nX-Big: ' + b'y' * 40000 + b'\r\n\r\n', 431),
            (b'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n', 413),
            (b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400),
        ]
        for request, expected in cases:
            with self.subTest(request=request[:40]):
                status, _, _ = split_response(self.server.raw(request))
                self.assertEqual(status, expected)
        self.server.wait_event(lambda e: e.get('status') == 431 and e.get('error'), what='a 431 event')

    # -- validate explanations ------------------------------------------------------------------
    def test_returning_a_str_is_explained_with_pep_3333(self):
        status, _, body = split_response(self.server.get('/str'))
        self.assertEqual(status, 500)
        self.assertIn(b'returned a str', body)
        self.assertIn(b'PEP 3333', body)
        event = self.server.wait_event(lambda e: e.get('target') == '/str', what='its event')
        self.assertIn('iterable of bytes', event['error'])

    def test_headers_as_a_dict_are_explained(self):
        status, _, body = split_response(self.server.get('/dict-headers'))
        self.assertEqual(status, 500)
        self.assertIn(b'list of (name, value) tuples', body)


    # -- a head that cannot be sent ------------------------------------------------------------
    def test_a_header_value_outside_latin_1_gets_a_500_that_says_so(self):
        # Given an app whose header value has a "€", which latin-1 cannot carry,
        # when a client asks for it,
        status, _, body = split_response(self.server.get('/euro-header'))
        # then the client gets a 500 (not an empty reply) that explains the rule,
        self.assertEqual(status, 500)
        self.assertIn(b'latin-1', body)
        self.assertIn(b'PEP 3333', body)
        self.assertNotIn(b'five euros', body)
        # and the server reports the 500 it sent, not the app's 200.
        event = self.server.wait_event(lambda e: e.get('target') == '/euro-header', what='its event')
        self.assertEqual(event['status'], 500)
        self.assertIn('latin-1', event['error'])

    def test_a_content_length_that_is_not_a_number_gets_a_500_that_says_so(self):
        status, _, body = split_response(self.server.get('/length-words'))
        self.assertEqual(status, 500)
        self.assertIn(b"Content-Length 'ten' is not a number of bytes", body)
        event = self.server.wait_event(lambda e: e.get('target') == '/length-words', what='its event')
        self.assertEqual(event['status'], 500)
        self.assertIn('digits', event['error'])

    def test_a_body_shorter_than_its_content_length_is_reported(self):
        status, headers, body = split_response(self.server.get('/length-short'))
        self.assertEqual((status, headers['content-length'], body), (200, '24', b'only 14 bytes.'))
        event = self.server.wait_event(lambda e: e.get('target') == '/length-short', what='its event')
        self.assertIn('declared Content-Length 24 but sent only 14 bytes', event['error'])

    # -- header names with "_" ------------------------------------------------------------------
    def test_header_names_with_underscores_are_dropped_and_reported(self):
        # Given a client that sends X_Shell_Pid as well as X-Shell-Pid (both would be HTTP_X_SHELL_PID),
        status, _, body = split_response(self.server.get(
            '/environ/underscore', 'X_Shell_Pid: 666\r\nX-Shell-Pid: 1234\r\n'))
        self.assertEqual(status, 200)
        env = json.loads(body)
        # then only the one spelled with dashes reaches environ,
        self.assertEqual(env['HTTP_X_SHELL_PID'][0], '1234')
        # and the event says which header was left out.
        event = self.server.wait_event(lambda e: e.get('target') == '/environ/underscore', what='its event')
        self.assertEqual(event['droppedHeaders'], ['X_Shell_Pid'])


class UnvalidatedBodyTest(unittest.TestCase):
    """Without wsgiref.validate (--no-validate here; under load it sees one request in 64) the
    server itself refuses a body that is not bytes, before any byte goes out: a 500 that says why,
    and an event that says 500, not a 200 the client never got."""

    @classmethod
    def setUpClass(cls):
        cls.server = LabServer(APP, '--workers', '1', '--no-validate')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_a_str_body_is_a_500_that_says_why(self):
        for path, words in (('/str', b'not bytes'), ('/str-piece', b'not bytes'), ('/write-str', b'write(b')):
            with self.subTest(path=path):
                status, _, body = split_response(self.server.get(path))
                self.assertEqual(status, 500)
                self.assertIn(words, body)
                self.assertIn(b'PEP 3333', body)
                event = self.server.wait_event(lambda e, p=path: e.get('target') == p, what='its event')
                self.assertEqual(event['status'], 500)


class WorkerStopTest(unittest.TestCase):
    def test_a_worker_told_to_stop_just_after_accept_answers_that_connection(self):
        # Given a worker whose SIGTERM (a reload) arrives the moment accept() hands it a client,
        import tempfile
        from types import SimpleNamespace
        sys.path.insert(0, os.path.dirname(HERE_DIR))
        from gt_lab import Lab
        from wsgi_loader import parse_mounts
        from wsgi_worker import Worker

        workspace = tempfile.mkdtemp(prefix='gt-wsgi-stop-')
        with open(os.path.join(workspace, 'app.py'), 'w') as f:
            f.write(APP)
        listener = socket.create_server(('127.0.0.1', 0))
        master_r, master_w = os.pipe()
        events_r, events_w = os.pipe()

        class SignalAfterAccept(Worker):
            def accept(self):
                conn, address = super().accept()
                os.kill(os.getpid(), signal.SIGTERM)
                return conn, address

        class Scoreboard:
            def next_conn(self):
                return 1

            def set_busy(self, *args):
                pass

            def set_idle(self, *args):
                pass

        pid = os.fork()
        if pid == 0:
            try:
                os.close(master_w)
                os.close(events_r)
                lab = Lab({'GT_EVENTS_FD': str(events_w), 'GT_WORKSPACE': workspace})
                config = SimpleNamespace(workers=1, keepalive=5.0, timeout=10, max_body=1 << 20)
                mounts = parse_mounts('app:app', [], workspace, True)
                SignalAfterAccept(lab, listener, mounts, config, Scoreboard(), 0, master_r, False).run()
            finally:
                os._exit(1)
        os.close(events_w)
        try:
            # when a client connects and asks,
            sock = socket.create_connection(listener.getsockname(), timeout=10)
            sock.sendall(b'GET /hello HTTP/1.1\r\nHost: t\r\n\r\n')
            data = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            sock.close()
            # then it gets its answer, with Connection: close, and the worker leaves after it.
            status, headers, body = split_response(data)
            self.assertEqual((status, body), (200, b'hello'))
            self.assertEqual(headers['connection'], 'close')
            exited = wait_for(lambda: (done := os.waitpid(pid, os.WNOHANG))[0] and done, what='the worker to leave')
            self.assertEqual(os.waitstatus_to_exitcode(exited[1]), 0)
        finally:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(master_w)
            os.close(events_r)
            listener.close()


class WorkerLifeTest(unittest.TestCase):
    def test_a_worker_killed_mid_request_is_replaced(self):
        server = LabServer(APP, '--workers', '2')
        try:
            sock = server.connect()
            sock.sendall(b'GET /pid-then-sleep HTTP/1.1\r\nHost: t\r\n\r\n')
            pid_file = os.path.join(server.workspace, 'busy.pid')
            pid = int(wait_for(lambda: os.path.exists(pid_file) and open(pid_file).read(), what='the busy pid'))
            os.kill(pid, signal.SIGKILL)
            self.assertEqual(sock.recv(1024), b'')       # the client sees the connection end
            event = server.wait_event(lambda e: e['event'] == 'worker' and e['state'] == 'exited' and e['pid'] == pid)
            replacement = event['replacement']
            wait_for(lambda: pid_alive(replacement), what='the replacement worker')
            for _ in range(4):
                status, _, body = split_response(server.get('/hello'))
                self.assertEqual((status, body), (200, b'hello'))
        finally:
            server.stop()

    def test_a_worker_over_the_timeout_is_killed(self):
        server = LabServer(APP, '--workers', '1', '--timeout', '1')
        try:
            data = server.get('/pid-then-sleep')
            self.assertEqual(data, b'')
            event = server.wait_event(lambda e: e['event'] == 'worker' and e['state'] == 'timeout')
            self.assertEqual(event['request'], 'GET /pid-then-sleep')
        finally:
            server.stop()

    def test_workers_die_with_a_killed_master(self):
        server = LabServer(APP, '--workers', '2')
        try:
            workers = server.workers
            os.kill(server.pid, signal.SIGKILL)      # the master alone (the Lab then starts a new one)
            wait_for(lambda: not any(pid_alive(p) for p in workers), what='the workers to exit')
        finally:
            server.stop()

    def test_end_of_stdin_stops_master_and_workers(self):
        server = LabServer(APP, '--workers', '2')
        try:
            workers = server.workers
            # The tutor killed outright cannot tear anything down: the server's stdin ends, and
            # that alone must stop it and its workers.
            server.process.kill()
            server.process.wait()
            wait_for(lambda: not any(pid_alive(p) for p in [server.pid, *workers]),
                     what='the master and its workers to exit')
        finally:
            server.stop()

    def test_saving_the_app_reloads_it_and_an_import_error_keeps_the_server_up(self):
        server = LabServer(APP, '--workers', '2')
        try:
            server.write_app('def app(environ, start_response):\n    return [b"broken"\n')
            status, _, body = split_response(server.get('/'))
            self.assertEqual(status, 500)
            self.assertIn(b'SyntaxError', body)
            server.write_app('def app(e, sr):\n    sr("200 OK", [("Content-Type", "text/plain")])\n    return [b"v2"]\n')
            status, _, body = split_response(server.get('/'))
            self.assertEqual((status, body), (200, b'v2'))
            server.wait_event(lambda e: e['event'] == 'reload', what='a reload event')
            wait_for(lambda: any('SyntaxError' in line for line in server.log), what='the traceback in the log')
        finally:
            server.stop()


if __name__ == '__main__':
    unittest.main()
