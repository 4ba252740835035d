# One HTTP request and its response, as ASGI sees them (the "www" spec of asgiref): the server
# builds the scope, calls `await app(scope, receive, send)`, and then
#   receive() gives the body as http.request events ({"body", "more_body"}), and
#             http.disconnect once the client has gone or the response is complete;
#   send()    takes http.response.start ({"status", "headers"}) and then http.response.body
#             events; "more_body": True keeps the response open for more (streaming).
# Nothing is written before the first body event: until then the app may still fail, and the
# server can still answer 500 instead. The lab reports each cycle as a request event.
import time
import traceback

from asgi_report import MessageLog
from gt_trace import EXTENSION, hop_factory

ASGI = {'version': '3.0', 'spec_version': '2.3'}
NO_BODY_STATUS = (204, 304)


class HttpCycle:
    def __init__(self, conn, head):
        self.conn = conn
        self.head = head
        self.scope = {
            'type': 'http', 'asgi': ASGI, 'http_version': head.http_version, 'method': head.method,
            'scheme': 'http', 'path': head.path, 'raw_path': head.raw_path,
            'query_string': head.query_string, 'root_path': '', 'headers': head.headers,
            'client': conn.client, 'server': conn.local,
            # A shallow copy of what the app's lifespan start-up put in its state (asgi_lifespan.py).
            'state': dict(conn.server.state),
        }
        # The request's journey (gt_trace.py): this server is hop 1, behind the reverse proxy, and
        # the app's middleware may report hops of its own through scope["extensions"].
        new_hop = hop_factory(conn.server.events.add, head.headers)
        self.hop = new_hop('asgi', 1) if new_hop else None
        if new_hop:
            self.scope['extensions'] = {EXTENSION: {'hop': new_hop}}
        self.chunks = []                 # body pieces the app has not received yet
        self.buffered = 0
        self.received = 0
        self.more_body = True            # the client has more body to send
        self.body_given = False          # the app has received the whole body
        self.body_error = None
        self.disconnected = False
        self.waiter = None               # receive() waiting for body or disconnect
        self.status = None
        self.response_headers = None
        self.head_sent = False
        self.complete = False
        self.chunked = False
        self.to_send = None              # bytes still allowed by the app's Content-Length
        self.keep_alive = head.keep_alive
        self.body_events = 0
        self.bytes_sent = 0
        self.first_body_ms = None
        self.stalled_ms = 0              # time the event loop was blocked inside this request
        self.ended = None
        self.error = None
        self.message_log = MessageLog()  # the app's receive()s and send()s, for the request event

    # -- the connection feeds us ------------------------------------------------------------
    def feed_body(self, piece, done):
        self.received += len(piece)
        if piece and not self.complete:   # after the response, an unread body is dropped
            self.chunks.append(piece)
            self.buffered += len(piece)
        if done:
            self.more_body = False
        self.wake()

    def body_failed(self, error):
        self.body_error = error
        self.keep_alive = False
        self.wake()

    def disconnect(self):
        self.disconnected = True
        self.wake()

    def wake(self):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    # -- what the app calls -----------------------------------------------------------------
    async def receive(self):
        while not (self.chunks or self.disconnected or self.body_error or self.complete
                   or (not self.more_body and not self.body_given)):
            if self.head.expect_continue and not self.head_sent and self.received == 0:
                self.head.expect_continue = False
                self.conn.write(b'HTTP/1.1 100 Continue\r\n\r\n')   # "go ahead, send the body"
            self.waiter = self.conn.loop.create_future()
            await self.waiter
        if self.disconnected or self.body_error or self.complete:
            return self.message_log.received({'type': 'http.disconnect'})
        body = b''.join(self.chunks)
        self.chunks.clear()
        self.buffered = 0
        self.conn.resume_reading()
        self.body_given = not self.more_body     # after the last piece, receive() waits for the end
        return self.message_log.received({'type': 'http.request', 'body': body, 'more_body': self.more_body})

    async def send(self, message):
        kind = message.get('type') if isinstance(message, dict) else None
        self.message_log.sent(message)
        if self.disconnected or (self.body_error and not self.head_sent):
            # The client has gone, or its body was refused (a 413, which the server sends itself):
            # the app learnt it from receive() as http.disconnect, and what it sends goes nowhere.
            return
        if kind == 'http.response.start':
            self.start_response(message)
        elif kind == 'http.response.body':
            self.send_body(message)
            await self.conn.drain()
        else:
            raise RuntimeError(f'an HTTP app can send "http.response.start" and "http.response.body", '
                               f'not {kind!r} (message: {str(message)[:80]})')

    def start_response(self, message):
        if self.status is not None:
            raise RuntimeError('http.response.start was sent twice: a response has one status line')
        status = message.get('status')
        if not isinstance(status, int) or not 200 <= status <= 599:
            raise TypeError(f'"status" must be an int from 200 to 599, like 200, got {status!r}')
        headers = []
        for pair in message.get('headers', []):
            name, value = pair
            if not isinstance(name, (bytes, bytearray)) or not isinstance(value, (bytes, bytearray)):
                raise TypeError(f'header names and values must be bytes, like (b"content-type", b"text/plain"), '
                                f'got {pair!r}')
            headers.append((bytes(name), bytes(value)))
        self.status = status
        self.response_headers = headers

    def send_body(self, message):
        if self.status is None:
            raise RuntimeError('http.response.body came before http.response.start: send the status first')
        if self.complete:
            raise RuntimeError('http.response.body after the response was complete ("more_body" was False)')
        body = message.get('body', b'')
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise TypeError(f'"body" must be bytes, got {type(body).__name__}: encode text first, '
                            f'for example "hello".encode("utf-8")')
        more = bool(message.get('more_body', False))
        body = bytes(body)
        if self.head.method == 'HEAD' or self.status in NO_BODY_STATUS:
            body = b''
        if self.to_send is not None:
            body = body[:self.to_send]    # never more than the app's own Content-Length
            self.to_send -= len(body)
        if body:
            self.body_events += 1
            if self.first_body_ms is None:
                self.first_body_ms = round((time.time() - self.started) * 1000, 2)
        out = b'' if self.head_sent else self.response_head(body, more)
        if self.chunked:
            if body:
                out += b'%x\r\n%s\r\n' % (len(body), body)
            if not more:
                out += b'0\r\n\r\n'
        else:
            out += body
        self.bytes_sent += len(body)
        self.conn.write(out)
        if not more:
            self.complete = True
            if self.to_send:
                self.keep_alive = False     # the app promised more than it sent: the client would wait
            self.wake()

    def response_head(self, body, more):
        """Status line and headers, with the framing chosen now that the first body is known."""
        self.head_sent = True
        names = {name.lower() for name, _ in self.response_headers}
        extra = [(b'date', self.conn.server.date())]
        if b'content-length' in names:
            length = next(v for n, v in self.response_headers if n.lower() == b'content-length')
            self.to_send = int(length) - len(body) if length.isdigit() else None
        elif self.head.method == 'HEAD' or self.status in NO_BODY_STATUS:
            pass
        elif not more:
            extra.append((b'content-length', str(len(body)).encode()))
        elif self.head.http_version == '1.1':
            self.chunked = True
            extra.append((b'transfer-encoding', b'chunked'))
        else:
            self.keep_alive = False       # HTTP/1.0 streaming: the end of the body is the close
        if not self.keep_alive or (self.conn.state == 'error' and len(self.conn.cycles) < 2):
            self.keep_alive = False
            extra.append((b'connection', b'close'))
        elif self.head.http_version == '1.0':
            extra.append((b'connection', b'keep-alive'))
        self.response_headers += extra
        lines = [b'HTTP/1.1 %d %s' % (self.status, reason(self.status))]
        lines += [name + b': ' + value for name, value in self.response_headers]
        return b'\r\n'.join(lines) + b'\r\n\r\n'

    # -- running the app --------------------------------------------------------------------
    async def run(self):
        server = self.conn.server
        self.started = time.time()
        if self.hop:
            self.hop.received()
        try:
            app = await server.get_app()
            await self.call_app(app)
        except AppProblem as problem:
            self.error = problem.summary
            self.fail(problem.status, problem.text)
        except Exception as error:     # the app raised: the learner's bug, not the server's
            self.error = ''.join(traceback.format_exception_only(type(error), error)).strip()
            text = traceback.format_exc()
            server.log(f'{self.head.method} {self.scope["path"]}: the app raised\n{text}')
            if not self.body_error:
                self.fail(500, text)
        else:
            if self.body_error:
                pass            # the server answers the refused body itself, below
            elif self.status is None:
                self.error = 'the app returned without sending http.response.start'
                self.fail(500, self.error + ': every request needs a response')
            elif not self.complete:
                self.error = 'the app returned before the last body event ("more_body": False)'
                self.fail(500, self.error)
        if self.body_error and not self.head_sent:
            self.fail(self.body_error.status, self.body_error.detail)
        if not self.complete:
            self.keep_alive = False
        if self.hop:    # the app's answer, the server's own (500, 503), or none: the client left
            gone = self.disconnected and not self.head_sent
            self.hop.answered(self.status, 'the client left before the answer' if gone
                              else f'{self.status}: {self.error}' if self.error else None)
        server.record_request(self)

    async def call_app(self, app):
        # The watchdog (asgi_watchdog.py) finds this frame on the stack when the loop stalls.
        if self.hop:
            self.hop.passed_on()
        awaitable = app(self.scope, self.receive, self.send)
        if not hasattr(awaitable, '__await__'):
            raise AppProblem(500, 'app(scope, receive, send) returned something that cannot be awaited',
                             f'app(scope, receive, send) returned {type(awaitable).__name__}, not a coroutine: '
                             'an ASGI app is "async def app(scope, receive, send)"')
        await awaitable

    def stall_info(self):
        """Who this is, for the watchdog's stall report."""
        return {'conn': self.conn.conn, 'method': self.head.method, 'target': self.head.target.decode('latin-1'),
                'websocket': False}

    def fail(self, status, text):
        """Answer an error ourselves if nothing was sent yet; else the connection must close."""
        if self.disconnected:
            return
        if self.head_sent:
            self.keep_alive = False
            return
        self.status, self.response_headers, self.chunked, self.to_send = None, None, False, None
        self.complete = False
        self.start_response({'status': status, 'headers': [(b'content-type', b'text/plain; charset=utf-8')]})
        self.send_body({'body': text.encode('utf-8', 'replace')})


class AppProblem(Exception):
    """The app cannot be called (it did not load, it is not ASGI, its start-up failed)."""

    def __init__(self, status, summary, text):
        super().__init__(summary)
        self.status = status
        self.summary = summary
        self.text = text


class ErrorCycle:
    """A request refused before any app saw it (asgi_head.HttpError): answered, then close."""

    keep_alive = False

    def __init__(self, conn, error, data, head):
        self.conn, self.error, self.data, self.head = conn, error, data, head

    async def run(self):
        error = self.error
        body = f'{error.status} {error.reason}: {error.detail}\n'.encode()
        headers = [(b'content-type', b'text/plain; charset=utf-8'), (b'content-length', str(len(body)).encode()),
                   (b'connection', b'close'), *error.headers]
        lines = [b'HTTP/1.1 %d %s' % (error.status, error.reason.encode())] + [n + b': ' + v for n, v in headers]
        self.conn.write(b'\r\n'.join(lines) + b'\r\n\r\n' + body)
        self.conn.server.record_refused(self.conn, error, self.data, self.head)


REASONS = {200: b'OK', 201: b'Created', 202: b'Accepted', 204: b'No Content', 206: b'Partial Content',
           301: b'Moved Permanently', 302: b'Found', 303: b'See Other', 304: b'Not Modified',
           307: b'Temporary Redirect', 308: b'Permanent Redirect', 400: b'Bad Request', 401: b'Unauthorized',
           403: b'Forbidden', 404: b'Not Found', 405: b'Method Not Allowed', 409: b'Conflict',
           413: b'Content Too Large', 418: b"I'm a teapot", 422: b'Unprocessable Content',
           429: b'Too Many Requests', 500: b'Internal Server Error', 502: b'Bad Gateway',
           503: b'Service Unavailable', 504: b'Gateway Timeout'}


def reason(status):
    return REASONS.get(status, b'Unknown' if status >= 600 else b'Status')

