# WebSockets on the ASGI lab server: RFC 6455 on the wire (handshake, masking, fragments, ping,
# close codes, limits) and the asgiref websocket spec on the app's side.
import base64
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asgilab import WsClient, asgi_server  # noqa: E402
from labserver import split_response  # noqa: E402

APP = r'''
async def app(scope, receive, send):
    assert scope['type'] == 'websocket', 'no lifespan here'
    await receive()                               # websocket.connect
    path = scope['path']
    if path == '/refuse':
        await send({'type': 'websocket.close', 'code': 1008})
        return
    if path == '/crash':
        await send({'type': 'websocket.accept'})
        raise ValueError('broken on purpose')
    subprotocol = 'chat' if 'chat' in scope['subprotocols'] else None
    await send({'type': 'websocket.accept', 'subprotocol': subprotocol})
    while True:
        message = await receive()
        if message['type'] == 'websocket.disconnect':
            open(scope['query_string'].decode() or '/dev/null', 'w').write(str(message['code']))
            return
        if message.get('text') == 'bye':
            await send({'type': 'websocket.close', 'code': 4000, 'reason': 'asked'})
            continue
        if message.get('text') is not None:
            await send({'type': 'websocket.send', 'text': message['text'].upper()})
        else:
            await send({'type': 'websocket.send', 'bytes': message['bytes'][::-1]})
'''


class AsgiWebSocketTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = asgi_server(APP, '--ws-max-message', '1000')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_handshake_accept_key_and_subprotocol(self):
        ws = WsClient(self.server, '/ws', protocols='x, chat')
        expected = base64.b64encode(hashlib.sha1(ws.key.encode() + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest())
        self.assertEqual(ws.status, 101)
        self.assertEqual(ws.headers['sec-websocket-accept'], expected.decode())
        self.assertEqual(ws.headers['sec-websocket-protocol'], 'chat')
        ws.close()

    def test_text_binary_and_fragments(self):
        ws = WsClient(self.server)
        ws.text('hello')
        self.assertEqual(ws.recv(), (1, b'HELLO'))
        ws.send(2, b'abc')
        self.assertEqual(ws.recv(), (2, b'cba'))
        ws.send(1, 'frag'.encode(), fin=False)
        ws.send(9, b'in-between')                    # a ping between fragments is allowed
        ws.send(0, b'men', fin=False)
        ws.send(0, b'ted', fin=True)
        self.assertEqual(ws.recv(), (10, b'in-between'))
        self.assertEqual(ws.recv(), (1, b'FRAGMENTED'))
        ws.close()

    def test_close_handshake_codes_both_ways(self):
        mark = os.path.join(self.server.workspace, 'code.txt')
        ws = WsClient(self.server, f'/ws?{mark}')
        ws.send(8, (4321).to_bytes(2, 'big') + b'done')
        self.assertEqual(ws.close_code(), 4321)       # the server echoes the client's code
        ws.close()
        self.server.wait_event(lambda e: e['event'] == 'websocket' and e['closeCode'] == 4321)
        self.assertEqual(open(mark).read(), '4321')
        ws = WsClient(self.server)
        ws.text('bye')
        self.assertEqual(ws.close_code(), 4000)       # the app closed with its own code
        ws.send(8, (4000).to_bytes(2, 'big'))
        ws.close()

    def test_protocol_errors_get_their_close_codes(self):
        cases = [
            ('unmasked', lambda ws: ws.send(1, b'x', mask=False), 1002),
            ('rsv bit', lambda ws: ws.send(1, b'x', rsv=0x40), 1002),
            ('bad opcode', lambda ws: ws.send(5, b'x'), 1002),
            ('continuation first', lambda ws: ws.send(0, b'x'), 1002),
            ('long ping', lambda ws: ws.send(9, b'x' * 200), 1002),
            ('bad utf-8', lambda ws: ws.send(1, b'\xff\xfe'), 1007),
            ('too big', lambda ws: ws.send(2, b'x' * 2000), 1009),
            ('too big in fragments', lambda ws: [ws.send(2, b'x' * 600, fin=False), ws.send(0, b'x' * 600)], 1009),
            ('bad close code', lambda ws: ws.send(8, (999).to_bytes(2, 'big')), 1002),
        ]
        for name, act, code in cases:
            with self.subTest(name):
                ws = WsClient(self.server)
                act(ws)
                self.assertEqual(ws.close_code(), code)
                ws.close()
        garbage = WsClient(self.server)
        garbage.sock.sendall(os.urandom(4000))
        self.assertIn(garbage.close_code(), (1002, 1007, 1009, None))
        garbage.close()
        ws = WsClient(self.server)
        ws.text('still here')
        self.assertEqual(ws.recv(), (1, b'STILL HERE'))
        ws.close()

    def test_close_before_accept_is_403(self):
        ws = WsClient(self.server, '/refuse')
        self.assertEqual(ws.status, 403)
        ws.close()

    def test_app_error_after_accept_closes_with_1011(self):
        ws = WsClient(self.server, '/crash')
        self.assertEqual(ws.status, 101)
        self.assertEqual(ws.close_code(), 1011)
        ws.close()

    def test_bad_handshakes(self):
        status, headers, _ = split_response(self.server.raw(
            b'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            b'Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 8\r\n\r\n'))
        self.assertEqual((status, headers['sec-websocket-version']), (426, '13'))
        status, _, _ = split_response(self.server.raw(
            b'GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
            b'Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n'))
        self.assertEqual(status, 400)

    def test_events_report_messages(self):
        ws = WsClient(self.server, '/events-test')
        ws.text('ping me')
        ws.recv()
        ws.send(8, (1000).to_bytes(2, 'big'))
        ws.close_code()
        ws.close()
        session = self.server.wait_event(lambda e: e['event'] == 'websocket' and e['path'] == '/events-test')
        self.assertEqual((session['messagesIn'], session['messagesOut'], session['closeCode']), (1, 1, 1000))
        out = self.server.wait_event(lambda e: e['event'] == 'websocket-message' and e['path'] == '/events-test'
                                     and e['direction'] == 'out')
        self.assertEqual(out['text'], 'PING ME')


if __name__ == '__main__':
    unittest.main()
