# One TCP connection of the ASGI lab server, as an asyncio (buffered) Protocol: the event loop calls
# buffer_updated() whenever bytes arrive, on any of the many connections it watches at once. This
# class cuts those bytes into requests (heads and bodies, HTTP/1.1 keep-alive and pipelining) and
# answers them strictly in order, one request cycle (asgi_cycle.py) at a time. A WebSocket upgrade
# hands the connection over to asgi_websocket.py.
#
# Nothing a client sends can stop the server: a malformed head gets 400/414/431/505, a body over
# the limit 413, a client that starts a head and never finishes it 408 after a deadline, and an
# idle kept-alive connection is closed after a few seconds. An answer that ends the connection
# while the client may still be sending (a 413 in the middle of an upload) is followed by a
# lingering close (RFC 9112 §9.6, gt_linger.py), so that the client gets to read it.
import asyncio
from collections import deque

from asgi_body import ChunkedBody, LengthBody
from asgi_cycle import ErrorCycle, HttpCycle
from asgi_head import HttpError, check_partial, parse_head
from gt_linger import LINGER_BYTES, LINGER_SECONDS

MAX_PIPELINE = 16            # requests parsed ahead of the one being answered
MAX_BUFFERED_BODY = 256 * 1024   # body bytes held for an app that has not asked for them yet
READ_SIZE = 65536            # bytes taken from the kernel in one read

# Where the loop reads into, shared by every connection: a read goes straight into it (recv_into)
# and buffer_updated() copies the bytes out at once, before the loop reads anything else. A plain
# asyncio.Protocol gets a new bytes object per read instead, which asyncio allocates at 256 KiB
# and shrinks: three system calls (mmap, mremap, munmap) for every request of a load test.
_read_view = memoryview(bytearray(READ_SIZE))


class HttpConnection(asyncio.BufferedProtocol):
    def __init__(self, server):
        self.server = server
        self.config = server.config
        self.loop = server.loop
        self.transport = None
        self.buffer = bytearray()
        self.state = 'head'          # head → body → head ...; or error, lingering, websocket, closed
        self.body = None             # the reader of the body being received (asgi_body.py)
        self.reading = None          # the cycle that body belongs to
        self.cycles = deque()        # parsed requests, answered in order (pipelining)
        self.task = None             # the task answering them
        self.deadline = None         # loop time by which a head must be complete (or idle ends)
        self.paused = False          # we stopped reading (too much waiting on us)
        self.write_paused = False    # the client is not reading our responses fast enough
        self.drained = None
        self.websocket = None
        self.closed = False
        self.dropped = 0             # bytes read and dropped while lingering

    # -- the event loop calls these ---------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self.conn = self.server.next_conn()
        peer = transport.get_extra_info('peername') or ('127.0.0.1', 0)
        here = transport.get_extra_info('sockname') or ('127.0.0.1', 0)
        self.client = (peer[0], peer[1])
        self.local = (here[0], here[1])
        self.remote = f'{peer[0]}:{peer[1]}'
        self.server.connections.add(self)
        self.set_deadline(self.config.head_timeout)

    def get_buffer(self, sizehint):
        return _read_view

    def buffer_updated(self, nbytes):
        data = _read_view[:nbytes]      # a view: valid only until the next read
        if self.websocket is not None:
            self.websocket.feed(bytes(data))
            return
        if self.state == 'lingering':
            self.dropped += len(data)
            if self.dropped > LINGER_BYTES:
                self.close()        # a client that never stops sending does not keep the connection
            return
        if self.state in ('error', 'closed'):
            return
        self.buffer += data
        self.parse()

    def eof_received(self):
        if self.websocket is not None:
            return self.websocket.eof_received()
        if self.buffer and self.state == 'head' and not self.cycles:
            self.refuse(HttpError(400, 'the connection closed in the middle of a request head'))
        return None     # close our side too

    def connection_lost(self, exc):
        self.closed = True
        self.state = 'closed'
        self.clear_deadline()
        self.server.connections.discard(self)
        for cycle in self.cycles:
            cycle.disconnect()
        if self.websocket is not None:
            self.websocket.connection_lost()
        self.resume_writing()

    def pause_writing(self):
        self.write_paused = True

    def resume_writing(self):
        self.write_paused = False
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    # -- reading requests -------------------------------------------------------------------
    def parse(self):
        """Take every complete head and body piece out of the buffer."""
        while True:
            if self.state == 'head':
                if len(self.cycles) >= MAX_PIPELINE:
                    return self.pause_reading()
                while self.buffer[:2] == b'\r\n':      # RFC 9112 §2.2: empty lines before a request
                    del self.buffer[:2]
                end = self.buffer.find(b'\r\n\r\n')
                if end < 0:
                    try:
                        check_partial(self.buffer)
                    except HttpError as error:
                        self.refuse(error)
                    return
                data = bytes(self.buffer[:end])
                del self.buffer[:end + 4]
                self.clear_deadline()
                try:
                    head = parse_head(data)
                except HttpError as error:
                    return self.refuse(error, data)
                if not self.start_request(head):
                    return
            elif self.state == 'body':
                before = len(self.buffer)
                try:
                    piece = self.body.feed(self.buffer)
                except HttpError as error:
                    self.state = 'error'
                    self.reading.body_failed(error)
                    return
                self.reading.feed_body(piece, self.body.done)
                if self.reading.received > self.config.max_body:
                    self.state = 'error'
                    limit = self.config.max_body
                    self.reading.body_failed(HttpError(413, f'the chunked body grew past {limit} bytes'))
                    return
                if self.body.done:
                    self.state, self.body, self.reading = 'head', None, None
                elif self.reading.buffered > MAX_BUFFERED_BODY:
                    return self.pause_reading()
                elif len(self.buffer) == before:
                    return          # half a chunk-size line, say: wait for more bytes
            else:
                return

    def start_request(self, head):
        """A complete head: queue its cycle. False when the connection stops reading."""
        if head.upgrade == b'websocket' and head.method == 'GET' and not self.cycles:
            from asgi_websocket import start_websocket
            self.state = 'websocket'
            self.websocket = start_websocket(self, head, bytes(self.buffer))
            self.buffer.clear()
            return False
        limit = self.config.max_body
        if head.content_length is not None and head.content_length > limit:
            self.refuse(HttpError(413, f'the body is {head.content_length} bytes; this server takes at most {limit}'),
                        head=head)
            return False
        cycle = HttpCycle(self, head)
        self.cycles.append(cycle)
        if head.chunked or head.content_length:
            self.state = 'body'
            self.body = ChunkedBody() if head.chunked else LengthBody(head.content_length)
            self.reading = cycle
        else:
            cycle.feed_body(b'', True)
        if self.task is None:
            self.task = self.loop.create_task(self.answer())
        return True

    def refuse(self, error, data=b'', head=None):
        """A request the app never sees: answered (after those before it) and the connection closed."""
        self.state = 'error'
        self.clear_deadline()
        self.cycles.append(ErrorCycle(self, error, data, head))
        if self.task is None:
            self.task = self.loop.create_task(self.answer())

    def pause_reading(self):
        if not self.paused and not self.closed:
            self.paused = True
            self.transport.pause_reading()

    def resume_reading(self):
        if self.paused and not self.closed:
            self.paused = False
            self.transport.resume_reading()
            self.parse()

    # -- answering them, in order ------------------------------------------------------------
    async def answer(self):
        try:
            while self.cycles and not self.closed:
                cycle = self.cycles[0]
                await cycle.run()
                self.cycles.popleft()
                if not cycle.keep_alive:
                    return self.close_after_answer()
                self.resume_reading()
        finally:
            self.task = None
        if not self.closed and self.state == 'head' and not self.cycles:
            self.set_deadline(self.config.head_timeout if self.buffer else self.config.keepalive)

    def write(self, data):
        if not self.closed:
            self.transport.write(data)

    async def drain(self):
        """Wait while the client is slow to read what we wrote (flow control)."""
        if self.write_paused and not self.closed:
            self.drained = self.loop.create_future()
            await self.drained

    def close(self):
        if not self.closed and self.transport is not None:
            self.transport.close()

    def close_after_answer(self):
        """Close after an answer that ends the connection. When the client may still be sending (a
        body refused or left unread, a request after this one), a plain close would make the kernel
        answer its next bytes with a reset, and the answer could be lost with it. So: close our
        sending side once the answer is out, read and drop what still comes, and close for good
        when the client closes, after LINGER_SECONDS or after LINGER_BYTES (RFC 9112 §9.6)."""
        if self.closed or self.transport is None:
            return
        if (self.state == 'head' and not self.buffer) or not self.transport.can_write_eof():
            return self.close()     # between requests, nothing was on its way
        self.state = 'lingering'
        self.buffer.clear()
        self.transport.write_eof()
        self.set_deadline(LINGER_SECONDS)
        self.resume_reading()

    # -- deadlines --------------------------------------------------------------------------
    def set_deadline(self, seconds):
        # A deadline, not a timer per request: the server sweeps every connection's deadline a few
        # times a second (AsgiServer.sweep), which costs far less than a timer armed and cancelled
        # for each of thousands of requests.
        self.deadline = self.loop.time() + seconds

    def clear_deadline(self):
        self.deadline = None

    def timed_out(self):
        self.deadline = None
        if self.state == 'lingering':
            return self.close()     # long enough: the client had its time to read the answer
        if self.cycles or self.websocket is not None or self.closed:
            return
        if self.buffer:
            # Part of a head, and then nothing: a slow (or malicious, "slowloris") client.
            seconds = self.config.head_timeout
            self.refuse(HttpError(408, f'the request head was not complete after {seconds:g} s'))
        else:
            self.close()        # an idle kept-alive connection: close it quietly
