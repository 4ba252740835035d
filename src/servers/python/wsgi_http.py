# HTTP/1.1 on the wire, for the WSGI lab server: reading a request head (RFC 9112 §2-5) and its
# body (Content-Length or chunked, §6-7) from a socket. Nothing here knows about WSGI; the worker
# turns what this returns into the environ dict. Every limit has a status code a client can see:
# 400 for a malformed request, 413 for a body that is too big, 431 for too many or too big headers,
# 408 for a client too slow to send its request.
#
# Deadlines, not just idle timeouts. A worker serves one connection at a time, so a client that
# sends one header line every few seconds would hold it for ever if each byte restarted a timer
# (the "slowloris" attack): with two workers, two such clients take the whole lab down. So the
# whole head must arrive within HEAD_TIMEOUT (nginx: client_header_timeout), and a body at a
# minimum rate after a grace period. Bytes that cannot start an HTTP request (a TLS handshake sent
# to this plain-HTTP port, a bare LF line end) are answered at once, not waited on.
import re
import select
import socket
import time

MAX_REQUEST_LINE = 8190      # bytes, like Gunicorn's limit_request_line
MAX_HEADER_BYTES = 32768     # the whole header section
MAX_HEADER_FIELDS = 100      # like Gunicorn's limit_request_fields

# The head is checked as text decoded from latin-1 (one character per byte, so every rule below
# is a rule on the bytes). A token (RFC 9110 §5.6.2): what a method or a header name is made of.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
VERSION = re.compile(r'HTTP/([0-9])\.([0-9])')
DIGITS = re.compile(r'[0-9]+')
# A request line (RFC 9112 §3): method SP request-target SP HTTP-version, checked in one go;
# bad_request_line() says which part was wrong. The target has no spaces or control characters.
REQUEST_LINE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^\x00-\x20\x7f]+) HTTP/1\.([0-9])")
# A header field line (RFC 9112 §5): a token, a colon, optional whitespace, then the value, in
# which CR, LF and NUL may not appear. No space before the colon (§5.1), and no obsolete line
# folding (§5.2): a folded line starts with whitespace, which no token does. One regular
# expression checks a whole line and splits it; bad_field() says which rule a line broke.
FIELD = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\r\n\x00]*)")
TOKEN_BYTES = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
TLS_HANDSHAKE = 0x16         # the first byte of a TLS record carrying a ClientHello

HEAD_TIMEOUT = 10.0          # seconds for a whole request head, from its first byte's turn
BODY_GRACE = 10.0            # seconds a body may take before its rate is judged
MIN_BODY_RATE = 1024         # bytes per second a body must average after that


class HttpError(Exception):
    """A request we refuse before any application sees it."""

    def __init__(self, status, reason, detail):
        super().__init__(detail)
        self.status = status      # 400, 413, 431...
        self.reason = reason      # 'Bad Request'
        self.detail = detail      # for the learner: what exactly was wrong


class ClientGone(Exception):
    """The client closed the connection (before or during a request)."""


class Reader:
    """Buffered reads from a socket: the head is read line-wise, the body in pieces. Every wait
    has a deadline (see the top of this file)."""

    def __init__(self, sock, head_timeout=HEAD_TIMEOUT):
        self.sock = sock
        self.buffer = bytearray()
        self.head_timeout = head_timeout
        self.deadline = None         # when the head (or the body, at its rate) must have arrived
        self.body_started = None     # monotonic time the body began (None while reading a head)
        self.body_bytes = 0

    def fill(self):
        """Read what the client sent, waiting at most until the current deadline."""
        if self.deadline is not None:
            try:
                chunk = self.sock.recv(65536, socket.MSG_DONTWAIT)   # most often already here
            except BlockingIOError:
                self._wait_until(self._current_deadline())
                chunk = self.sock.recv(65536)
        else:
            chunk = self.sock.recv(65536)
        if not chunk:
            raise ClientGone()
        self.buffer += chunk
        if self.body_started is not None:
            self.body_bytes += len(chunk)

    def read_ready(self):
        """Whatever the client has sent already, without waiting. True when there was something
        to read (bytes, or the end of the connection: read_head will tell which), False when
        nothing has come yet."""
        try:
            chunk = self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            return True                 # reset by the client: read_head meets the error too
        self.buffer += chunk
        return True

    def _current_deadline(self):
        if self.body_started is None:
            return self.deadline
        # The body may take BODY_GRACE, plus one second for every MIN_BODY_RATE bytes it brought.
        return self.body_started + BODY_GRACE + self.body_bytes / MIN_BODY_RATE

    def _wait_until(self, deadline):
        remaining = deadline - time.monotonic()
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if remaining <= 0 or not poller.poll(remaining * 1000):
            if self.body_started is not None:
                raise HttpError(408, 'Request Timeout',
                                f'the body came slower than {MIN_BODY_RATE} bytes a second')
            if not self.buffer:
                raise ClientGone()            # nothing sent at all: just close, as nginx does
            raise HttpError(408, 'Request Timeout',
                            f'the request head did not arrive whole within {self.head_timeout:g} s')

    def start_body(self):
        """From here on the body's rate is what counts (called before its first read)."""
        if self.body_started is None:
            self.body_started = time.monotonic()
            self.body_bytes = len(self.buffer)

    def read_head(self):
        """Bytes up to and including the empty line that ends the header section."""
        self.deadline = time.monotonic() + self.head_timeout
        self.body_started = None
        start = 0
        while True:
            # RFC 9112 §2.2: empty lines before a request line are skipped.
            while self.buffer.startswith(b'\r\n'):
                del self.buffer[:2]
            end = self.buffer.find(b'\r\n\r\n', start)
            self._refuse_early(end)
            if end >= 0:
                head = bytes(self.buffer[:end + 4])
                del self.buffer[:end + 4]
                return head
            # Not complete yet: check the limits before waiting for more.
            first_line_end = self.buffer.find(b'\r\n')
            if first_line_end < 0 and len(self.buffer) > MAX_REQUEST_LINE:
                raise HttpError(414, 'URI Too Long',
                                f'the request line is longer than {MAX_REQUEST_LINE} bytes')
            if len(self.buffer) > MAX_REQUEST_LINE + MAX_HEADER_BYTES:
                raise HttpError(431, 'Request Header Fields Too Large',
                                f'the header section is longer than {MAX_HEADER_BYTES} bytes')
            start = max(0, len(self.buffer) - 3)
            try:
                self.fill()
            except ClientGone:
                if self.buffer:
                    raise HttpError(400, 'Bad Request', 'the connection closed in the middle of the request head')
                raise

    def _refuse_early(self, head_end):
        """Bytes no HTTP request can begin with, or lines no HTTP/1.1 head may have, are refused
        now: waiting for an empty line that will never come would hold this worker. head_end:
        where the empty line that ends the head starts, -1 while it has not come."""
        if not self.buffer:
            return
        if self.buffer[0] == TLS_HANDSHAKE:
            raise HttpError(400, 'Bad Request',
                            'this port speaks plain HTTP, and that was a TLS handshake: use http://, not https://')
        if self.buffer[0] not in TOKEN_BYTES:
            raise HttpError(400, 'Bad Request', f'a request starts with a method, not {bytes(self.buffer[:8])!r}')
        # A bare LF is an LF that is not part of a CRLF: there is one when LFs outnumber CRLFs.
        end = head_end + 4 if head_end >= 0 else len(self.buffer)
        if self.buffer.count(b'\n', 0, end) != self.buffer.count(b'\r\n', 0, end):
            raise HttpError(400, 'Bad Request', 'a line ended with a bare LF: HTTP/1.1 lines end with CRLF '
                            '(RFC 9112 §2.2)')

    def read_some(self, limit):
        """Up to `limit` bytes (at least one), from the buffer or the socket."""
        if not self.buffer:
            self.fill()
        data = bytes(self.buffer[:limit])
        del self.buffer[:limit]
        return data

    def read_line(self, limit):
        """One CRLF-terminated line (without it), at most `limit` bytes long."""
        while True:
            end = self.buffer.find(b'\r\n')
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[:end + 2]
                return line
            if len(self.buffer) > limit:
                raise HttpError(400, 'Bad Request', 'a chunk-size line is too long')
            self.fill()


class Request:
    """What the head of a request says."""

    def __init__(self, method, target, version, headers):
        self.method = method          # 'GET'
        self.target = target          # '/path?q=1', exactly as sent
        self.version = version        # (1, 1)
        self.version_text = f'{version[0]}.{version[1]}'     # '1.1'
        self.headers = headers        # [(name, value), ...] as str (latin-1), wire order and case
        self.body_length = None       # from Content-Length
        self.chunked = False
        self.keep_alive = version >= (1, 1)
        self.expect_continue = False

    def header(self, name):
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None


def parse_head(head):
    """Turn the bytes of a request head into a Request, or raise HttpError."""
    lines = head[:-4].decode('latin-1').split('\r\n')
    request_line = lines[0]
    if len(request_line) > MAX_REQUEST_LINE:
        raise HttpError(414, 'URI Too Long', f'the request line is longer than {MAX_REQUEST_LINE} bytes')
    matched = REQUEST_LINE.fullmatch(request_line)
    if matched is None:
        raise bad_request_line(request_line)
    method, target, minor = matched.groups()

    header_lines = lines[1:]
    if len(header_lines) > MAX_HEADER_FIELDS:
        raise HttpError(431, 'Request Header Fields Too Large',
                        f'{len(header_lines)} header fields; the limit is {MAX_HEADER_FIELDS}')
    if len(head) - len(request_line) > MAX_HEADER_BYTES:
        raise HttpError(431, 'Request Header Fields Too Large',
                        f'the header section is longer than {MAX_HEADER_BYTES} bytes')
    headers = []
    for line in header_lines:
        field = FIELD.fullmatch(line)
        if field is None:
            raise bad_field(line)
        name, value = field.groups()
        headers.append((name, value.rstrip(' \t')))

    request = Request(method, target, (1, int(minor)), headers)
    _read_framing(request)
    return request


def bad_request_line(line):
    """The error for a request line REQUEST_LINE did not match: which part was wrong."""
    parts = line.split(' ')
    if len(parts) != 3:
        return HttpError(400, 'Bad Request',
                         f'a request line is METHOD SP target SP HTTP-version; got {raw(line, 80)}')
    method, target, version = parts
    if not TOKEN.fullmatch(method):
        return HttpError(400, 'Bad Request', f'not a method: {raw(method, 40)}')
    matched = VERSION.fullmatch(version)
    if not matched:
        return HttpError(400, 'Bad Request', f'not an HTTP version: {raw(version, 20)}')
    if matched.group(1) != '1':
        return HttpError(505, 'HTTP Version Not Supported', 'this server speaks HTTP/1.0 and HTTP/1.1')
    return HttpError(400, 'Bad Request', 'the request target is empty or has control characters')


def bad_field(line):
    """The error for a header line FIELD did not match: which rule it broke."""
    name, colon, _ = line.partition(':')
    if not colon or not TOKEN.fullmatch(name):
        return HttpError(400, 'Bad Request', f'not a header field: {raw(line, 80)}')
    return HttpError(400, 'Bad Request', f'bad characters in header {name!r}')


def raw(text, limit):
    """A piece of the head as the client sent it, for an error message: b'GET /\\x00'."""
    return repr(text[:limit].encode('latin-1'))


def _read_framing(request):
    """How long is the body, and may the connection be reused afterwards?"""
    # Whitespace around list members is OWS, spaces and tabs only (RFC 9110 §5.6.1): str.strip()
    # would also take latin-1's NBSP (0xA0) and NEL (0x85), which the bytes parser never did.
    lengths = []
    transfer_codings = []
    connection = []
    has_host = False
    for name, value in request.headers:
        lower = name.lower()
        if lower == 'host':
            has_host = True
        elif lower == 'content-length':
            lengths += [v.strip(' \t') for v in value.split(',')]
        elif lower == 'transfer-encoding':
            transfer_codings += [v.strip(' \t').lower() for v in value.split(',') if v.strip(' \t')]
        elif lower == 'connection':
            connection += [v.strip(' \t').lower() for v in value.split(',')]
        elif lower == 'expect' and value.strip(' \t').lower() == '100-continue':
            request.expect_continue = True
    if request.version == (1, 1) and not has_host:
        raise HttpError(400, 'Bad Request', 'an HTTP/1.1 request must have a Host header (RFC 9112 §3.2)')
    if transfer_codings:
        # Both framings at once is how request smuggling starts: refuse (RFC 9112 §6.3).
        if lengths:
            raise HttpError(400, 'Bad Request', 'both Transfer-Encoding and Content-Length')
        if transfer_codings != ['chunked']:
            raise HttpError(400, 'Bad Request',
                            f'unsupported Transfer-Encoding {", ".join(transfer_codings)!r}; only chunked')
        request.chunked = True
    elif lengths:
        # ASCII digits only: the head is latin-1 text here, and str.isdigit() also says yes to
        # '²' and '³' (bytes 0xB2, 0xB3), which int() refuses.
        if len(set(lengths)) != 1 or not DIGITS.fullmatch(lengths[0]):
            raise HttpError(400, 'Bad Request', f'bad Content-Length {", ".join(lengths)!r}')
        request.body_length = int(lengths[0])
    if request.version == (1, 0):
        request.keep_alive = 'keep-alive' in connection
    elif 'close' in connection:
        request.keep_alive = False


class Body:
    """wsgi.input: the request body as a file-like object (PEP 3333 "Input and Error Streams").
    It never reads past the end of this request's body, so the next request on a kept-alive
    connection stays in the buffer."""

    def __init__(self, reader, request, max_body):
        self.reader = reader
        self.chunked = request.chunked
        self.remaining = request.body_length or 0   # bytes left in the body (or current chunk)
        self.done = not request.chunked and self.remaining == 0
        self.max_body = max_body
        self.received = 0
        # "Expect: 100-continue" (RFC 9110 §10.1.1): the client waits for a go-ahead before it
        # sends the body. It gets it when the body is first read (by the app, or by drain()).
        self.send_continue = request.expect_continue and request.version >= (1, 1)
        self.pending = bytearray()                  # read but not yet handed out (for readline)

    # -- the reading machinery --------------------------------------------------------------
    def _next_piece(self, limit):
        """Up to `limit` bytes of body, or b'' at its end."""
        if self.send_continue:
            self.send_continue = False
            self.reader.sock.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')
        self.reader.start_body()
        if not self.chunked and self.remaining == 0:
            self.done = True
        while not self.done and self.remaining == 0:
            self._next_chunk_header()
        if self.done:
            return b''
        try:
            data = self.reader.read_some(min(limit, self.remaining))
        except ClientGone:
            raise HttpError(400, 'Bad Request', 'the connection closed before the body was complete')
        self.remaining -= len(data)
        self.received += len(data)
        if self.chunked and self.remaining == 0:
            if self.reader.read_line(2) != b'':
                raise HttpError(400, 'Bad Request', 'chunk data not followed by CRLF')
        return data

    def _next_chunk_header(self):
        # chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; a size of 0 ends the body.
        try:
            line = self.reader.read_line(1024)
        except ClientGone:
            raise HttpError(400, 'Bad Request', 'the connection closed inside a chunked body')
        size_text = line.split(b';', 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise HttpError(400, 'Bad Request', f'bad chunk size {size_text[:20]!r}')
        if size < 0 or not re.match(rb'^[0-9A-Fa-f]+$', size_text):
            raise HttpError(400, 'Bad Request', f'bad chunk size {size_text[:20]!r}')
        if size == 0:
            # Trailer fields, then an empty line. We read and drop them.
            while self.reader.read_line(8192) != b'':
                pass
            self.done = True
            return
        if self.received + size > self.max_body:
            raise HttpError(413, 'Content Too Large', f'the chunked body grew past {self.max_body} bytes')
        self.remaining = size

    # -- the file-like interface an application uses ----------------------------------------
    def read(self, size=-1):
        if size is None or size < 0:
            parts = [bytes(self.pending)]
            self.pending.clear()
            while True:
                piece = self._next_piece(65536)
                if not piece:
                    return b''.join(parts)
                parts.append(piece)
        while len(self.pending) < size:
            piece = self._next_piece(max(size - len(self.pending), 8192))
            if not piece:
                break
            self.pending += piece
        data = bytes(self.pending[:size])
        del self.pending[:size]
        return data

    def readline(self, size=-1):
        while True:
            newline = self.pending.find(b'\n')
            if newline >= 0 and (size is None or size < 0 or newline < size):
                end = newline + 1
                break
            if size is not None and 0 <= size <= len(self.pending):
                end = size
                break
            piece = self._next_piece(8192)
            if not piece:
                end = len(self.pending)
                break
            self.pending += piece
        line = bytes(self.pending[:end])
        del self.pending[:end]
        return line

    def readlines(self, hint=-1):
        lines, total = [], 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def drain(self, limit):
        """After the response: skip what the app did not read, so the connection can be reused.
        Returns False when more than `limit` bytes were left (then we close instead)."""
        if self.done and not self.pending:
            return True                  # nothing left (most requests have no body at all)
        skipped = len(self.pending)
        self.pending.clear()
        while skipped <= limit:
            piece = self._next_piece(65536)
            if not piece:
                return True
            skipped += len(piece)
        return False
