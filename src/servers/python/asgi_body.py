# Reading a request body as it arrives (RFC 9112 §6-7): with a Content-Length, or in chunks. The
# connection feeds whatever bytes came in; the reader takes what belongs to the body and says when
# the body is over, so the bytes after it (the next pipelined request) stay in the buffer.
from asgi_head import HttpError

MAX_CHUNK_LINE = 1024


class LengthBody:
    """A body of exactly `length` bytes."""

    def __init__(self, length):
        self.remaining = length
        self.done = length == 0

    def feed(self, buffer):
        """Take body bytes from the front of buffer (a bytearray). Returns the piece taken."""
        piece = bytes(buffer[:self.remaining])
        del buffer[:len(piece)]
        self.remaining -= len(piece)
        self.done = self.remaining == 0
        return piece


class ChunkedBody:
    """Chunked transfer coding: "size in hex CRLF data CRLF", ..., "0 CRLF", trailers, CRLF."""

    def __init__(self):
        self.state = 'size'        # size → data → data-end → size ... → trailers
        self.remaining = 0
        self.done = False

    def feed(self, buffer):
        out = []
        while not self.done:
            if self.state == 'size':
                line = take_line(buffer)
                if line is None:
                    break
                size = line.split(b';', 1)[0].strip()
                try:
                    self.remaining = int(size, 16)
                except ValueError:
                    raise HttpError(400, f'{size[:20]!r} is not a chunk size in hexadecimal') from None
                if self.remaining < 0 or size.startswith((b'-', b'+', b'0x', b'0X')):
                    raise HttpError(400, f'{size[:20]!r} is not a chunk size in hexadecimal')
                self.state = 'data' if self.remaining else 'trailers'
            elif self.state == 'data':
                if not buffer:
                    break
                piece = bytes(buffer[:self.remaining])
                del buffer[:len(piece)]
                self.remaining -= len(piece)
                out.append(piece)
                if self.remaining == 0:
                    self.state = 'data-end'
            elif self.state == 'data-end':
                if len(buffer) < 2:
                    break
                if buffer[:2] != b'\r\n':
                    raise HttpError(400, 'a chunk is longer than its size says')
                del buffer[:2]
                self.state = 'size'
            else:   # trailers: header lines we read and drop, up to an empty line
                line = take_line(buffer)
                if line is None:
                    break
                if line == b'':
                    self.done = True
        return b''.join(out)


def take_line(buffer):
    """One CRLF-terminated line from the front of buffer, or None if it is not all there yet."""
    end = buffer.find(b'\r\n')
    if end < 0:
        if len(buffer) > MAX_CHUNK_LINE:
            raise HttpError(400, 'a chunk-size or trailer line is too long')
        return None
    line = bytes(buffer[:end])
    del buffer[:end + 2]
    return line
