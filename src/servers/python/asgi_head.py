# Reading an HTTP/1.1 request head (RFC 9112 §2-5) for the ASGI lab server, as bytes, and turning
# it into the pieces of an ASGI scope. Nothing here touches a socket: the connection
# (asgi_http.py) hands over the bytes of a complete head. Every limit has a status a client can
# see: 400 malformed, 414 request line too long, 431 too many or too big headers, 505 a version
# other than HTTP/1.0 or 1.1.
import re
from urllib.parse import unquote_to_bytes

MAX_REQUEST_LINE = 8190      # bytes, like Gunicorn's and Uvicorn's (h11) limits
MAX_HEAD_BYTES = 32768       # the whole head
MAX_HEADER_FIELDS = 100

TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
VERSION = re.compile(rb'^HTTP/(\d)\.(\d)$')
# Bytes a field value may not hold (RFC 9110 §5.5: no CR, LF or NUL).
BAD_VALUE = re.compile(rb'[\x00\r\n]')


class HttpError(Exception):
    """A request refused before any application sees it."""

    REASONS = {400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 414: 'URI Too Long',
               426: 'Upgrade Required', 431: 'Request Header Fields Too Large',
               505: 'HTTP Version Not Supported'}

    def __init__(self, status, detail, headers=()):
        super().__init__(detail)
        self.status = status
        self.reason = self.REASONS.get(status, 'Error')
        self.detail = detail        # for the learner: what exactly was wrong
        self.headers = list(headers)


class Head:
    """What the head of a request says, in the forms ASGI wants."""

    __slots__ = ('method', 'target', 'http_version', 'raw_headers', 'headers', 'raw_path',
                 'query_string', 'path', 'content_length', 'chunked', 'keep_alive',
                 'expect_continue', 'upgrade')

    def header(self, name):
        """The first value of a header (name in lower-case bytes), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


def check_partial(buffer):
    """Limits that apply before a head is complete (a client that never stops sending)."""
    line_end = buffer.find(b'\r\n')
    if (line_end < 0 and len(buffer) > MAX_REQUEST_LINE) or line_end > MAX_REQUEST_LINE:
        raise HttpError(414, f'the request line is longer than {MAX_REQUEST_LINE} bytes')
    if len(buffer) > MAX_HEAD_BYTES:
        raise HttpError(431, f'the request head is longer than {MAX_HEAD_BYTES} bytes')


def parse_head(data):
    """The bytes of a head (without the final empty line) → Head, or raise HttpError."""
    lines = data.split(b'\r\n')
    request_line = lines[0]
    if len(request_line) > MAX_REQUEST_LINE:
        raise HttpError(414, f'the request line is longer than {MAX_REQUEST_LINE} bytes')
    parts = request_line.split(b' ')
    if len(parts) != 3:
        raise HttpError(400, 'the request line must be METHOD TARGET VERSION, separated by single spaces')
    method, target, version = parts
    if not TOKEN.match(method):
        raise HttpError(400, f'{method[:20]!r} is not a valid method name')
    found = VERSION.match(version)
    if not found:
        raise HttpError(400, f'{version[:20]!r} is not an HTTP version')
    if found.group(1) != b'1':
        raise HttpError(505, f'this server speaks HTTP/1.0 and HTTP/1.1, not {version.decode()}')
    if len(lines) - 1 > MAX_HEADER_FIELDS:
        raise HttpError(431, f'more than {MAX_HEADER_FIELDS} header fields')

    head = Head()
    head.method = method.decode('ascii').upper()
    head.target = target
    head.http_version = '1.1' if found.group(2) == b'1' else '1.0'
    head.raw_headers = []      # (name, value) as sent, for the lab's event
    head.headers = []          # (lower-case name, value): the scope's form
    for line in lines[1:]:
        name, colon, value = line.partition(b':')
        if not colon or not TOKEN.match(name):
            if line[:1] in (b' ', b'\t'):
                raise HttpError(400, 'a header line starts with a space (obsolete line folding is refused)')
            raise HttpError(400, f'{line[:40]!r} is not a "Name: value" header line')
        value = value.strip(b' \t')
        if BAD_VALUE.search(value):
            raise HttpError(400, f'the value of {name.decode()} holds a forbidden byte')
        head.raw_headers.append((name, value))
        head.headers.append((name.lower(), value))
    split_target(head)
    body_framing(head)
    connection_options(head)
    return head


def split_target(head):
    """The request target (RFC 9112 §3.2) → raw_path, query_string and the decoded path."""
    target = head.target
    if target.startswith(b'http://') or target.startswith(b'https://'):
        # Absolute form (a proxy's request): the path starts after the authority.
        slash = target.find(b'/', target.find(b'//') + 2)
        target = target[slash:] if slash >= 0 else b'/'
    elif not (target.startswith(b'/') or (target == b'*' and head.method == 'OPTIONS')):
        raise HttpError(400, f'the request target {target[:40]!r} must start with "/"')
    raw_path, _, head.query_string = target.partition(b'?')
    head.raw_path = raw_path
    # ASGI: "path" is the decoded path, a str (percent-escapes decoded as UTF-8).
    head.path = unquote_to_bytes(raw_path).decode('utf-8', 'replace') if b'%' in raw_path else raw_path.decode('latin-1')


def body_framing(head):
    """How long the body is: Content-Length, chunked, or none (RFC 9112 §6.3)."""
    head.content_length = None
    head.chunked = False
    lengths = [v for k, v in head.headers if k == b'content-length']
    codings = [v for k, v in head.headers if k == b'transfer-encoding']
    if codings:
        if lengths:
            # Both at once is how request smuggling starts: refuse (RFC 9112 §6.3 allows it).
            raise HttpError(400, 'both Transfer-Encoding and Content-Length were sent')
        last = b','.join(codings).split(b',')[-1].strip().lower()
        if last != b'chunked' or head.http_version == '1.0':
            raise HttpError(400, 'the only transfer coding this server reads is "chunked" (HTTP/1.1)')
        head.chunked = True
    elif lengths:
        values = set(v.strip() for length in lengths for v in length.split(b','))
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise HttpError(400, f'Content-Length must be one number, got {b", ".join(lengths)[:40]!r}')
        head.content_length = int(next(iter(values)))


def connection_options(head):
    """Keep-alive, Expect: 100-continue and Upgrade, from the request's headers."""
    tokens = set()
    for key, value in head.headers:
        if key == b'connection':
            tokens.update(t.strip().lower() for t in value.split(b','))
    if head.http_version == '1.1':
        head.keep_alive = b'close' not in tokens
    else:
        head.keep_alive = b'keep-alive' in tokens
    expect = head.header(b'expect')
    head.expect_continue = expect is not None and expect.lower() == b'100-continue'
    upgrade = head.header(b'upgrade')
    head.upgrade = upgrade.lower() if upgrade is not None and b'upgrade' in tokens else None
