# The ASGI lab server against the asgiref "www" spec and HTTP/1.1: a real server, a small app that
# shows what it got, raw requests, and what came back and what the server reported.
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asgilab import Responses, asgi_server  # noqa: E402
from labserver import read_response, split_response, wait_for  # noqa: E402

APP = r'''
import asyncio, json, time

def shown(scope):
    out = {}
    for key, value in scope.items():
        if isinstance(value, bytes):
            value = {'bytes': value.decode('latin-1')}
        elif key == 'headers':
            value = [[type(n).__name__, n.decode('latin-1'), v.decode('latin-1')] for n, v in value]
        out[key] = value
    return out

async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        message = await receive()
        scope['state']['pool'] = 'ready'
        await send({'type': 'lifespan.startup.complete'})
        await receive()
        await send({'type': 'lifespan.shutdown.complete'})
        return
    path = scope['path']
    if path == '/echo':
        events = []
        while True:
            message = await receive()
            events.append([len(message['body']), message['more_body']])
            if not message['more_body']:
                break
        body = json.dumps(events).encode()
    elif path == '/stream':
        await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/plain')]})
        for i in range(3):
            await send({'type': 'http.response.body', 'body': b'part%d;' % i, 'more_body': True})
            await asyncio.sleep(0.05)
        await send({'type': 'http.response.body', 'body': b'end'})
        return
    elif path == '/wait-disconnect':
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'waiting', 'more_body': True})
        while True:
            message = await receive()
            if message['type'] != 'http.request':
                break
        open(scope['query_string'].decode(), 'w').write(message['type'])
        return
    elif path == '/fail-before':
        raise ValueError('broken on purpose')
    elif path == '/fail-after':
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': b'partial', 'more_body': True})
        raise ValueError('broken later')
    elif path == '/str-body':
        await send({'type': 'http.response.start', 'status': 200, 'headers': []})
        await send({'type': 'http.response.body', 'body': 'not bytes'})
        return
    elif path == '/block':
        time.sleep(0.4)
        body = b'blocked'
    else:
        body = json.dumps(shown(scope)).encode()
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'application/json')]})
    await send({'type': 'http.response.body', 'body': body})
'''


class AsgiHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = asgi_server(APP, '--max-body', '100000', '--head-timeout', '1', '--keepalive', '1')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get_json(self, raw):
        status, _, body = split_response(self.server.raw(raw))
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_scope_has_every_key_of_the_spec(self):
        scope = self.get_json(b'GET /caf%C3%A9/x?a=1&b=%20 HTTP/1.1\r\nHost: t\r\nX-Dup: 1\r\nx-dup: 2\r\n'
                              b'Connection: close\r\n\r\n')
        self.assertEqual(scope['type'], 'http')
        self.assertEqual(scope['asgi'], {'version': '3.0', 'spec_version': '2.3'})
        self.assertEqual(scope['http_version'], '1.1')
        self.assertEqual(scope['method'], 'GET')
        self.assertEqual(scope['scheme'], 'http')
        self.assertEqual(scope['path'], '/café/x')
        self.assertEqual(scope['raw_path'], {'bytes': '/caf%C3%A9/x'})
        self.assertEqual(scope['query_string'], {'bytes': 'a=1&b=%20'})
        self.assertEqual(scope['root_path'], '')
        self.assertEqual(scope['headers'][:3], [['bytes', 'host', 't'], ['bytes', 'x-dup', '1'], ['bytes', 'x-dup', '2']])
        self.assertEqual(scope['client'][0], '127.0.0.1')
        self.assertEqual(scope['server'], ['127.0.0.1', self.server.port])
        self.assertEqual(scope['state'], {'pool': 'ready'})

    def test_method_is_upper_case_and_http_10_closes(self):
        scope = self.get_json(b'get / HTTP/1.0\r\n\r\n')
        self.assertEqual(scope['method'], 'GET')
        self.assertEqual(scope['http_version'], '1.0')

    def test_body_arrives_as_http_request_events_with_more_body(self):
        sock = self.server.connect()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')
        time.sleep(0.1)     # let the app receive the first piece alone
        sock.sendall(b'6\r\n world\r\n0\r\n\r\n')
        status, _, body = read_response(sock)
        sock.close()
        events = json.loads(body)
        self.assertEqual(status, 200)
        self.assertEqual(sum(n for n, _ in events), 11)
        self.assertEqual(events[-1][1], False)
        self.assertTrue(all(more for _, more in events[:-1]))

    def test_expect_100_continue_is_answered_when_the_app_asks_for_the_body(self):
        sock = self.server.connect()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n')
        interim = b''
        while b'\r\n\r\n' not in interim:
            interim += sock.recv(65536)
        self.assertTrue(interim.startswith(b'HTTP/1.1 100 Continue\r\n\r\n'), interim)
        sock.sendall(b'hello')
        status, _, body = Responses(sock).next()
        sock.close()
        self.assertEqual((status, json.loads(body)), (200, [[5, False]]))

    def test_a_chunk_size_line_cut_in_two_waits_for_the_rest(self):
        sock = self.server.connect()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5')
        time.sleep(0.1)     # the server has half a size line: it must wait, not spin
        sock.sendall(b'\r\nhello\r')
        time.sleep(0.1)
        sock.sendall(b'\n0\r\n\r\n')
        status, _, body = read_response(sock)
        sock.close()
        self.assertEqual((status, sum(n for n, _ in json.loads(body))), (200, 5))
        self.assertEqual(self.server.get('/after')[:15], b'HTTP/1.1 200 OK')

    def test_streamed_response_is_chunked_and_reported(self):
        status, headers, body = split_response(self.server.get('/stream'))
        self.assertEqual((status, body), (200, b'part0;part1;part2;end'))
        self.assertEqual(headers['transfer-encoding'], 'chunked')
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/stream')
        self.assertEqual(event['bodyEvents'], 4)
        # The request event lists the app's messages in order: what the journey view shows
        self.assertEqual([(m['dir'], m['type']) for m in event['messages']],
                         [('send', 'http.response.start')] + [('send', 'http.response.body')] * 4)
        self.assertEqual(event['messages'][0]['fields'], [['status', '200'], ['headers', '<1 pairs>']])
        self.assertEqual(event['messages'][1]['fields'], [['body', '<6 bytes>'], ['more_body', 'True']])
        self.assertEqual(event['messages'][-1]['fields'], [['body', '<3 bytes>'], ['more_body', 'False']])

    def test_the_request_event_lists_what_the_app_received_before_what_it_sent(self):
        sock = self.server.connect()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')
        status, _, _ = read_response(sock)
        sock.close()
        self.assertEqual(status, 200)
        event = self.server.wait_event(lambda e: e['event'] == 'request' and e['target'] == '/echo'
                                       and e['method'] == 'POST' and e.get('requestBytes') == 5)
        kinds = [(m['dir'], m['type']) for m in event['messages']]
        received = [m for m in event['messages'] if m['dir'] == 'receive']
        self.assertEqual(kinds, [('receive', 'http.request')] * len(received)
                         + [('send', 'http.response.start'), ('send', 'http.response.body')])
        self.assertEqual(received[0]['fields'][0], ['body', '<5 bytes>'])
        self.assertEqual(received[-1]['fields'][1], ['more_body', 'False'])

    def test_keep_alive_and_pipelining_answer_in_order(self):
        sock = self.server.connect()
        sock.sendall(b'GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n')
        paths = []
        responses = Responses(sock)
        for _ in range(3):
            status, _, body = responses.next()
            paths.append(body if body.startswith(b'part') else json.loads(body)['path'])
        sock.close()
        self.assertEqual(paths, ['/a', b'part0;part1;part2;end', '/c'])

    def test_disconnect_reaches_the_app(self):
        mark = os.path.join(self.server.workspace, 'disconnect.txt')
        sock = self.server.connect()
        sock.sendall(f'GET /wait-disconnect?{mark} HTTP/1.1\r\nHost: t\r\n\r\n'.encode())
        data = b''
        while b'waiting' not in data:
            data += sock.recv(65536)
        sock.close()
        wait_for(lambda: os.path.exists(mark) and open(mark).read(), what='the app to see the disconnect')
        self.assertEqual(open(mark).read(), 'http.disconnect')

    def test_app_errors_before_and_after_the_first_body(self):
        status, _, body = split_response(self.server.get('/fail-before'))
        self.assertEqual(status, 500)
        self.assertIn(b'broken on purpose', body)
        data = self.server.get('/fail-after')
        self.assertIn(b'200 OK', data)
        self.assertNotIn(b'0\r\n\r\n', data)       # the chunked body never ends properly: truncated
        status, _, body = split_response(self.server.get('/str-body'))
        self.assertEqual(status, 500)
        self.assertIn(b'must be bytes', body)
        self.assertEqual(self.server.get('/after')[:15], b'HTTP/1.1 200 OK')

    def test_bad_requests_get_their_status_and_the_server_goes_on(self):
        cases = [
            (b'GARBAGE\r\n\r\n', 400),
            (b'GET / HTTP/2.0\r\n\r\n', 505),
            (b'GET /' + b'a' * 9000 + b' HTTP/1.1\r\n\r\n', 414),
            (b'GET / HTTP/1.1\r\n' + b''.join(b'X-%d: y\r\n' % i for i in range(120)) + b'\r\n', 431),
            (b'POST /echo HTTP/1.1\r\nContent-Length: 200000\r\n\r\n', 413),
            (b'POST /echo HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400),
            (b'GET / HTTP/1.1\r\n folded: x\r\n\r\n', 400),
            (b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + os.urandom(40) + b'\r\n\r\n', 400),
        ]
        for raw, expected in cases:
            with self.subTest(expected=expected, raw=raw[:30]):
                status, _, _ = split_response(self.server.raw(raw))
                self.assertEqual(status, expected)
        self.assertEqual(self.server.get('/still-here')[:15], b'HTTP/1.1 200 OK')

    def test_chunked_body_over_the_limit_is_413(self):
        sock = self.server.connect()
        sock.sendall(b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n')
        data = b''
        try:
            for _ in range(20):
                sock.sendall(b'2710\r\n' + b'x' * 10000 + b'\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending: its answer is queued
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            pass
        sock.close()
        self.assertIn(b'413', data)

    def test_a_slow_head_gets_408_and_idle_connections_close(self):
        sock = self.server.connect()
        sock.sendall(b'GET / HTTP/1.1\r\nHost')
        self.assertIn(b'408', sock.recv(65536))
        sock.close()
        idle = self.server.connect()
        started = time.monotonic()
        self.assertEqual(idle.recv(10), b'')         # closed by the server, head timeout
        self.assertLess(time.monotonic() - started, 5)
        idle.close()

    def test_many_idle_connections_do_not_stop_the_server(self):
        socks = [socket.create_connection(('127.0.0.1', self.server.port)) for _ in range(1000)]
        try:
            self.assertEqual(self.server.get('/busy')[:15], b'HTTP/1.1 200 OK')
        finally:
            for sock in socks:
                sock.close()

    def test_a_blocking_call_is_reported_as_a_stall(self):
        self.server.get('/block')
        stall = self.server.wait_event(lambda e: e['event'] == 'stall' and e.get('target') == '/block')
        self.assertGreaterEqual(stall['durationMs'], 250)
        self.assertIn('time.sleep(0.4)', stall['where'])
        wait_for(lambda: any('event loop blocked' in line for line in self.server.log), 10, 'the stall in the log')


if __name__ == '__main__':
    unittest.main()
