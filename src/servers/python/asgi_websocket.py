# A WebSocket connection, as ASGI sees it (the asgiref "websocket" spec) and as RFC 6455 puts it on
# the wire. The client's HTTP request asks to upgrade (Upgrade: websocket, Sec-WebSocket-Key); the
# app gets a scope of type "websocket" and
#   receive() → websocket.connect first, then websocket.receive ({"text"} or {"bytes"}) for each
#               message, and websocket.disconnect ({"code"}) once the connection is over;
#   send()    ← websocket.accept (the server answers 101 Switching Protocols), websocket.send,
#               websocket.close ({"code", "reason"}; before accept, the server answers HTTP 403).
# Pings are answered with pongs by the server itself; the app never sees them.
import base64
import hashlib
import time
import traceback
from collections import deque

from asgi_cycle import ASGI, AppProblem, reason
from asgi_frames import ABNORMAL, BINARY, INTERNAL_ERROR, NORMAL, PONG, TEXT, FrameReader, ProtocolError, close_frame, encode

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'   # RFC 6455 §1.3: the same for every server
CLOSE_WAIT = 5.0           # seconds we wait for the client's close frame after sending ours
MAX_INBOX = 64             # messages waiting for the app before we stop reading


def accept_key(key):
    """Sec-WebSocket-Accept: proof the server read this handshake (not a cached or confused one)."""
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def start_websocket(conn, head, leftover):
    session = WebSocketSession(conn, head)
    problem = session.handshake_problem()
    if problem:
        session.refuse_http(*problem)
    else:
        session.early = bytearray(leftover)
        session.task = conn.loop.create_task(session.run())
    return session


class WebSocketSession:
    def __init__(self, conn, head):
        self.conn = conn
        self.head = head
        self.server = conn.server
        offered = head.header(b'sec-websocket-protocol') or b''
        self.scope = {
            'type': 'websocket', 'asgi': ASGI, 'http_version': head.http_version, 'scheme': 'ws',
            'path': head.path, 'raw_path': head.raw_path, 'query_string': head.query_string,
            'root_path': '', 'headers': head.headers, 'client': conn.client, 'server': conn.local,
            'subprotocols': [p.strip().decode('latin-1') for p in offered.split(b',') if p.strip()],
            'state': dict(conn.server.state),
        }
        self.reader = FrameReader(conn.config.ws_max_message)
        self.state = 'connecting'        # → open → closing → closed (or refused)
        self.early = bytearray()         # bytes that came before we accepted
        self.inbox = deque()
        self.waiter = None
        self.connected_sent = False
        self.status = None               # the HTTP status of the handshake answer
        self.subprotocol = None
        self.close_code = None
        self.close_reason = ''
        self.closed_by = None
        self.sent_close = False
        self.messages_in = 0
        self.messages_out = 0
        self.stalled_ms = 0
        self.error = None
        self.started = time.time()
        self.close_timer = None
        self.task = None

    def handshake_problem(self):
        key = self.head.header(b'sec-websocket-key') or b''
        try:
            good_key = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            good_key = False
        if self.head.header(b'sec-websocket-version') != b'13':
            return 426, 'this server speaks WebSocket version 13 (RFC 6455)', [(b'sec-websocket-version', b'13')]
        if not good_key:
            return 400, 'Sec-WebSocket-Key must be 16 random bytes in base64', []
        return None

    # -- bytes from the client --------------------------------------------------------------
    def feed(self, data):
        if self.state == 'connecting':
            self.early += data
            if len(self.early) > 65536:
                self.conn.close()           # a client must wait for 101 before it sends frames
            return
        if self.state in ('closed', 'refused'):
            return
        try:
            items = self.reader.feed(data)
        except ProtocolError as error:
            self.error = str(error)
            return self.close_now(error.code, error.reason, by='server')
        for item in items:
            kind = item[0]
            if kind in ('text', 'binary'):
                self.messages_in += 1
                self.report_message('in', kind, item[1])
                key = 'text' if kind == 'text' else 'bytes'
                self.inbox.append({'type': 'websocket.receive', key: item[1]})
                if len(self.inbox) > MAX_INBOX:
                    self.conn.pause_reading()
            elif kind == 'ping':
                self.report_message('in', 'ping', item[1])
                self.conn.write(encode(PONG, item[1]))      # §5.5.3: same payload back
            elif kind == 'pong':
                self.report_message('in', 'pong', item[1])
            else:
                _, code, why = item
                self.report_message('in', 'close', why, code)
                self.client_closed(code, why)
        self.wake()

    def client_closed(self, code, why):
        if self.sent_close:          # our close, answered: the handshake is complete
            self.finish()
            return
        self.close_code, self.close_reason, self.closed_by = code, why, 'client'
        # Echo the code (§5.5.1), then close the TCP connection: the server closes first (§7.1.1).
        echo = code if code not in (1005, ABNORMAL) else NORMAL
        self.conn.write(close_frame(echo, why if echo == code else ""))
        self.sent_close = True
        self.finish()

    def close_now(self, code, why, by):
        """Close frame out and the connection down at once (a protocol error from the client)."""
        if not self.sent_close:
            self.conn.write(close_frame(code, why))
            self.sent_close = True
        if self.close_code is None:
            self.close_code, self.close_reason, self.closed_by = code, why, by
        self.finish()

    def finish(self):
        self.state = 'closed'
        if self.close_timer is not None:
            self.close_timer.cancel()
        self.conn.close()
        self.wake()

    def eof_received(self):
        return None

    def connection_lost(self):
        if self.close_code is None:
            self.close_code, self.closed_by = ABNORMAL, 'client'   # gone without a close frame
        if self.state != 'refused':
            self.state = 'closed'
        self.wake()

    def wake(self):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # -- what the app calls -----------------------------------------------------------------
    async def receive(self):
        if not self.connected_sent:
            self.connected_sent = True
            return {'type': 'websocket.connect'}
        while not self.inbox and self.state in ('connecting', 'open', 'closing'):
            self.waiter = self.conn.loop.create_future()
            await self.waiter
        if self.inbox:
            message = self.inbox.popleft()
            if len(self.inbox) < MAX_INBOX // 2:
                self.conn.resume_reading()
            return message
        return {'type': 'websocket.disconnect', 'code': self.close_code or ABNORMAL, 'reason': self.close_reason}

    async def send(self, message):
        kind = message.get('type') if isinstance(message, dict) else None
        if kind == 'websocket.accept':
            return self.accept(message)
        if kind == 'websocket.close':
            return self.app_close(message)
        if kind != 'websocket.send':
            raise RuntimeError(f'a WebSocket app sends websocket.accept, websocket.send or websocket.close, '
                               f'not {kind!r}')
        if self.state == 'connecting':
            raise RuntimeError('websocket.send before websocket.accept: accept the connection first')
        text, data = message.get('text'), message.get('bytes')
        if (text is None) == (data is None):
            raise TypeError('websocket.send carries exactly one of "text" (str) or "bytes" (bytes)')
        # Say which value was wrong ("text": text.upper without the call), not a len() deep inside.
        if text is not None and not isinstance(text, str):
            raise TypeError(f'websocket.send "text" must be a str, got {type(text).__name__}: {text!r:.60}')
        if data is not None and not isinstance(data, (bytes, bytearray)):
            raise TypeError(f'websocket.send "bytes" must be bytes, got {type(data).__name__}: {data!r:.60}')
        if self.state != 'open':
            return                    # the connection is closing or gone: nothing to send to
        if text is not None:
            payload, opcode = text.encode('utf-8'), TEXT
        else:
            payload, opcode = bytes(data), BINARY
        self.messages_out += 1
        self.report_message('out', 'text' if opcode == TEXT else 'binary', text if text is not None else payload)
        self.conn.write(encode(opcode, payload))
        await self.conn.drain()

    def accept(self, message):
        if self.state != 'connecting':
            raise RuntimeError('websocket.accept was sent twice, or after websocket.close')
        subprotocol = message.get('subprotocol')
        if subprotocol is not None and subprotocol not in self.scope['subprotocols']:
            raise ValueError(f'subprotocol {subprotocol!r} was not offered by the client '
                             f'(it offered {self.scope["subprotocols"]})')
        headers = [(b'upgrade', b'websocket'), (b'connection', b'Upgrade'),
                   (b'sec-websocket-accept', accept_key(self.head.header(b'sec-websocket-key')))]
        if subprotocol is not None:
            self.subprotocol = subprotocol
            headers.append((b'sec-websocket-protocol', subprotocol.encode()))
        headers += [(bytes(n), bytes(v)) for n, v in message.get('headers', [])]
        self.write_head(101, headers)
        self.state = 'open'
        self.server.record_handshake(self)
        if self.early:
            early, self.early = bytes(self.early), bytearray()
            self.feed(early)

    def app_close(self, message):
        code = message.get('code', NORMAL) or NORMAL
        why = message.get('reason') or ''
        if self.state == 'connecting':
            # The app turned the connection down before accepting it: HTTP 403 (asgiref spec).
            return self.refuse_http(403, f'the app closed the WebSocket before accepting it (code {code})', [])
        if self.state != 'open':
            return
        self.close_code, self.close_reason, self.closed_by = code, why, 'server'
        self.report_message('out', 'close', why, code)
        self.conn.write(close_frame(code, why))
        self.sent_close = True
        self.state = 'closing'
        self.close_timer = self.conn.loop.call_later(CLOSE_WAIT, self.finish)

    def refuse_http(self, status, detail, headers):
        body = (detail + '\n').encode()
        headers = [(b'content-type', b'text/plain; charset=utf-8'),
                   (b'content-length', str(len(body)).encode()), (b'connection', b'close')] + headers
        self.write_head(status, headers, body)
        self.state = 'refused'
        self.error = self.error or detail
        self.server.record_handshake(self)
        self.conn.close()

    def write_head(self, status, headers, body=b''):
        self.status = status
        self.response_headers = headers
        lines = [b'HTTP/1.1 %d %s' % (status, b'Switching Protocols' if status == 101 else reason(status))]
        lines += [n + b': ' + v for n, v in headers]
        self.conn.write(b'\r\n'.join(lines) + b'\r\n\r\n' + body)

    def report_message(self, direction, kind, data, code=None):
        self.server.record_ws_message(self, direction, kind, data, code)

    # -- running the app --------------------------------------------------------------------
    async def run(self):
        try:
            app = await self.server.get_app()
            await self.call_app(app)
        except AppProblem as problem:
            self.app_failed(problem.summary, problem.text)
        except Exception as error:
            self.app_failed(''.join(traceback.format_exception_only(type(error), error)).strip(),
                            traceback.format_exc())
        else:
            if self.state == 'connecting':
                self.refuse_http(500, 'the app returned without accepting or closing the WebSocket', [])
            elif self.state == 'open':
                self.app_close({'code': NORMAL})    # the app is done: close politely
        while self.state == 'closing':              # wait for the client's answer to our close
            self.waiter = self.conn.loop.create_future()
            await self.waiter
        self.server.record_websocket(self)

    async def call_app(self, app):
        # The watchdog (asgi_watchdog.py) finds this frame on the stack when the loop stalls.
        awaitable = app(self.scope, self.receive, self.send)
        if not hasattr(awaitable, '__await__'):
            raise AppProblem(500, 'app(scope, receive, send) returned something that cannot be awaited',
                             'an ASGI app is "async def app(scope, receive, send)"')
        await awaitable

    def stall_info(self):
        """Who this is, for the watchdog's stall report."""
        return {'conn': self.conn.conn, 'method': 'GET', 'target': self.head.target.decode('latin-1'),
                'websocket': True}

    def app_failed(self, summary, text):
        self.error = summary
        self.server.log(f'WebSocket {self.scope["path"]}: the app raised\n{text}')
        if self.state == 'connecting':
            self.refuse_http(500, text, [])
        elif self.state == 'open':
            self.close_now(INTERNAL_ERROR, 'the app raised an exception', by='server')

