# The response side of PEP 3333: the start_response callable the application gets, the legacy
# write() it returns, and how the bytes the app yields go on the wire (Content-Length or chunked).
# The rules it enforces, in the PEP's order:
#   - no headers are sent before the first non-empty body chunk (or the first write() call);
#   - start_response with exc_info after the headers went out re-raises the app's error;
#   - a second start_response without exc_info is an error;
#   - the app may not set hop-by-hop headers (Connection, Transfer-Encoding...): the server owns them;
#   - never more bytes than a Content-Length the app declared.
import os
import socket
import time
from email.utils import formatdate

HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te',
              'trailer', 'trailers', 'transfer-encoding', 'upgrade'}
SERVER_SOFTWARE = 'gateway-tutor-wsgi/1.0'
# send() flag: more is coming, keep this in the kernel for now (Linux; elsewhere 0: sent at once).
MSG_MORE = getattr(socket, 'MSG_MORE', 0)

_date_cache = [0, '']


def http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return _date_cache[1]


class FileWrapper:
    """wsgi.file_wrapper: wraps a file so the server may send it efficiently (here with
    socket.sendfile when the file has a real descriptor), or else iterates it in blocks."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close

    def __iter__(self):
        while True:
            data = self.filelike.read(self.blksize)
            if not data:
                return
            yield data


class Response:
    def __init__(self, sock, request, pid, others_waiting=lambda: False):
        self.sock = sock
        self.request = request
        self.pid = pid
        self.status = None            # '200 OK', set by start_response
        self.headers = None           # what the app gave
        self.sent_headers = []        # what went on the wire (for the event)
        self.headers_sent = False
        self.content_length = None    # declared by the app
        self.chunked = False
        self.body_bytes = 0           # body bytes sent
        self.keep_alive = request.keep_alive
        self.overflow = False         # the app tried to send more than its Content-Length
        self.head_only = request.method == 'HEAD'
        self.body_goes_out = None     # decided with the head: not for HEAD, 1xx, 204 or 304
        self.others_waiting = others_waiting   # is another client waiting for a worker?
        # Set by the worker when the app handed over its whole body at once (a list) and the
        # request has no body left to read: if the connection then closes after this response,
        # its bytes wait in the kernel (MSG_MORE) until finish() ends our side of the connection,
        # and they travel with the FIN in one packet (one packet less for the kernel to carry,
        # one wake-up less for the client). No app code runs in between, so nothing waits on it.
        self.hold = False
        self.held = False             # something was sent with MSG_MORE

    # -- what the application calls ---------------------------------------------------------
    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.headers_sent:
                    # Too late to change the status: re-raise so the server aborts the response.
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None    # no reference cycle through the traceback
        elif self.status is not None:
            raise AssertionError('start_response was called a second time without exc_info')
        for name, _ in headers:
            if isinstance(name, str) and name.lower() in HOP_BY_HOP:
                raise AssertionError(f'hop-by-hop header {name!r}: the server decides the connection '
                                     'and framing headers, not the app')
        self.status, self.headers = status, headers
        return self.write

    def write(self, data):
        """The legacy write() callable: sends at once (headers first if not yet sent)."""
        if self.status is None:
            raise AssertionError('write() was called before start_response')
        if type(data) is not bytes:
            raise BodyError(f'The write() callable takes a bytestring, not {type(data).__name__} '
                            f'({data!r:.40})')
        self.send(data, force_head=True)

    # -- what the server calls --------------------------------------------------------------
    def send(self, data, force_head=False):
        # PEP 3333: a body is bytestrings. Checked here, before the head goes out, so that a str
        # is a 500 that says why even when wsgiref.validate does not see the request (under load
        # it sees one in 64): the words are the validator's, for wsgi_explain.py to explain.
        if type(data) is not bytes:
            raise BodyError(f'Iterator yielded non-bytestring ({data!r:.40})')
        if not data and not force_head:
            return    # an empty chunk does not send the headers (PEP 3333)
        out = b''
        if not self.headers_sent:
            out = self._head()
        if data and self.body_goes_out:
            if self.content_length is not None:
                room = self.content_length - self.body_bytes
                if len(data) > room:
                    data, self.overflow, self.keep_alive = data[:room], True, False
            self.body_bytes += len(data)
            if self.chunked and data:
                data = b'%x\r\n%s\r\n' % (len(data), data)
            out += data
        if out:
            self._sendall(out)

    def _sendall(self, data):
        if self.hold and not self.keep_alive and MSG_MORE:
            self.sock.sendall(data, MSG_MORE)
            self.held = True
        else:
            self.sock.sendall(data)

    def send_file(self, wrapper):
        """wsgi.file_wrapper with a real file: let the kernel copy it (sendfile)."""
        try:
            wrapper.filelike.fileno()
        except (AttributeError, OSError, ValueError):
            return False
        if self.chunked or self.head_only or not self._body_allowed():
            return False
        if not self.headers_sent:
            self.sock.sendall(self._head())
        count = None if self.content_length is None else self.content_length - self.body_bytes
        if count is None:
            self.keep_alive = False   # no length: the end of the connection ends the body
        self.body_bytes += self.sock.sendfile(wrapper.filelike, count=count)
        return True

    def finish(self):
        """After the app's iterable is exhausted."""
        if not self.headers_sent:
            # The body was empty: say so with Content-Length: 0 rather than an empty chunked body.
            if self.content_length is None and self._body_allowed() and not self.head_only:
                self.content_length = 0
                self.headers = list(self.headers) + [('Content-Length', '0')]
            self._sendall(self._head())
        if self.chunked:
            self._sendall(b'0\r\n\r\n')
        if self.held:
            # The last response on this connection is complete: what was held goes out now, and
            # the FIN with it (shutdown pushes the held bytes; close() later has nothing to send).
            self.held = False
            try:
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass                      # the client is gone already
        if self.content_length is not None and self.body_bytes < self.content_length \
                and not self.head_only and self._body_allowed():
            # The client waits for bytes that will never come; closing tells it the body ended.
            self.keep_alive = False
            return (f'the app declared Content-Length {self.content_length} but sent only '
                    f'{self.body_bytes} bytes: closing the connection')
        if self.overflow:
            return (f'the app sent more than its Content-Length {self.content_length}: '
                    'the rest was not sent and the connection was closed')
        return None

    @property
    def code(self):
        try:
            return int(str(self.status).split(' ', 1)[0])
        except ValueError:
            return None

    def _body_allowed(self):
        code = self.code or 200
        return not (100 <= code < 200 or code in (204, 304))

    def _head(self):
        """The status line and header section; decides the framing of the body. Everything that
        can fail (a Content-Length that is not a number, a character latin-1 cannot carry) fails
        here, before headers_sent is set: then the server can still answer 500 and say why."""
        headers = []
        content_length = None
        has_date = has_server = False
        for name, value in self.headers:
            name, value = str(name), str(value)
            lower = name.lower()
            if lower == 'content-length':
                if not value.strip().isdigit() or not value.strip().isascii():
                    raise HeaderError(f'Content-Length {value!r} is not a number of bytes')
                content_length = int(value)
            elif lower == 'date':
                has_date = True
            elif lower == 'server':
                has_server = True
            headers.append((name, value))
        keep_alive, chunked = self.keep_alive, False
        body_goes_out = self._body_allowed() and not self.head_only
        if content_length is None and body_goes_out:
            if self.request.version >= (1, 1):
                chunked = True
                headers.append(('Transfer-Encoding', 'chunked'))
            else:
                keep_alive = False        # HTTP/1.0 without a length: the close ends the body
        if keep_alive and self.others_waiting():
            keep_alive = False            # give this worker to the next client (wsgi_worker.py)
        headers.append(('X-Worker-Pid', str(self.pid)))
        if not has_date:
            headers.append(('Date', http_date()))
        if not has_server:
            headers.append(('Server', SERVER_SOFTWARE))
        headers.append(('Connection', 'keep-alive' if keep_alive else 'close'))
        text = f'HTTP/1.1 {self.status}\r\n' + ''.join([f'{n}: {v}\r\n' for n, v in headers]) + '\r\n'
        try:
            head = text.encode('latin-1')
        except UnicodeEncodeError as error:
            bad = text[error.start:error.end]
            line = next((l for l in text.split('\r\n') if bad in l), '')
            raise HeaderError(f'{line!r} has {bad!r}, which is not a latin-1 character') from None
        # Only now is the response decided: nothing above can fail any more.
        self.content_length, self.chunked, self.keep_alive = content_length, chunked, keep_alive
        self.body_goes_out = body_goes_out
        self.sent_headers = headers
        self.headers_sent = True
        return head


class BodyError(AssertionError):
    """A piece of body that is not bytes (PEP 3333), in wsgiref.validate's words."""


class HeaderError(AssertionError):
    """A status or header the server cannot put on the wire. An AssertionError, like
    wsgiref.validate's complaints, so wsgi_explain.py explains it the same way."""


def error_response(sock, status, reason, text, keep_alive=False, pid=None):
    """A response made by the server itself (400, 413, 500...). Returns the headers sent."""
    body = text.encode('utf-8', 'replace')
    headers = [('Content-Type', 'text/plain; charset=utf-8'), ('Content-Length', str(len(body))),
               ('X-Worker-Pid', str(pid or os.getpid())), ('Date', http_date()),
               ('Server', SERVER_SOFTWARE), ('Connection', 'keep-alive' if keep_alive else 'close')]
    head = f'HTTP/1.1 {status} {reason}\r\n' + ''.join(f'{n}: {v}\r\n' for n, v in headers) + '\r\n'
    sock.sendall(head.encode('latin-1') + body)
    return headers
