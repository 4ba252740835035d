# FastCGI 1.0 records, the app's side (the web server's twin is src/servers/fastcgi/record.mjs).
#
#   version=1 │ type │ request id (u16) │ content length (u16) │ padding length │ reserved │ content │ padding
#
# Request id 0 is the connection itself (management records); any other id is one request.
# Streams (PARAMS, STDIN, STDOUT, STDERR, DATA) end with an empty record of their type.
# Standard library only.
import struct

VERSION = 1
HEADER = struct.Struct('>BBHHBx')     # version, type, request id, content length, padding; reserved
MAX_CONTENT = 65535

BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR, DATA = range(1, 9)
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
TYPE_NAMES = {1: 'BEGIN_REQUEST', 2: 'ABORT_REQUEST', 3: 'END_REQUEST', 4: 'PARAMS', 5: 'STDIN',
              6: 'STDOUT', 7: 'STDERR', 8: 'DATA', 9: 'GET_VALUES', 10: 'GET_VALUES_RESULT',
              11: 'UNKNOWN_TYPE'}
MANAGEMENT_TYPES = (GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE)

RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
KEEP_CONN = 1
REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE = 0, 1, 2, 3


def type_name(record_type):
    return TYPE_NAMES.get(record_type, f'type {record_type}')


def encode_record(record_type, request_id, content=b''):
    """One record: header, content, zeros up to a multiple of 8 (receivers skip them)."""
    padding = -len(content) % 8
    return HEADER.pack(VERSION, record_type, request_id, len(content), padding) + content + b'\0' * padding


def encode_stream(record_type, request_id, data):
    """A stream's data as records of at most 65535 bytes, followed by the empty record that ends it."""
    view = memoryview(data)
    parts = [encode_record(record_type, request_id, bytes(view[i:i + MAX_CONTENT]))
             for i in range(0, len(view), MAX_CONTENT)]
    parts.append(encode_record(record_type, request_id))
    return b''.join(parts)


def _length(n):
    """A name or value length: one byte below 128, else four bytes with the top bit set."""
    return bytes([n]) if n < 128 else struct.pack('>I', n | 0x80000000)


def encode_pairs(pairs):
    out = []
    for name, value in pairs:
        name, value = _bytes(name), _bytes(value)
        out += [_length(len(name)), _length(len(value)), name, value]
    return b''.join(out)


def _bytes(text):
    return text if isinstance(text, bytes) else str(text).encode('latin-1', 'replace')


def decode_pairs(content):
    """Returns (pairs, error): a list of (name, value) str (latin-1), and None or what was wrong."""
    pairs = []
    offset = 0
    size = len(content)

    def read_length():
        nonlocal offset
        if offset >= size:
            return None
        if content[offset] < 128:
            offset += 1
            return content[offset - 1]
        if offset + 4 > size:
            return None
        (n,) = struct.unpack_from('>I', content, offset)
        offset += 4
        return n & 0x7fffffff

    while offset < size:
        start = offset
        name_length, value_length = read_length(), read_length()
        if name_length is None or value_length is None:
            return pairs, f'a name-value length at byte {start} is cut off by the end of the content'
        if offset + name_length + value_length > size:
            return pairs, (f'a pair at byte {start} says {name_length}+{value_length} bytes, '
                           f'but only {size - offset} are left')
        name = bytes(content[offset:offset + name_length]).decode('latin-1')
        offset += name_length
        value = bytes(content[offset:offset + value_length]).decode('latin-1')
        offset += value_length
        pairs.append((name, value))
    return pairs, None


def end_request_body(app_status=0, protocol_status=REQUEST_COMPLETE):
    return struct.pack('>IB3x', app_status & 0xffffffff, protocol_status)


def parse_begin_request(content):
    """Returns (role, keep_conn, error)."""
    if len(content) != 8:
        return None, False, f'BEGIN_REQUEST content is {len(content)} bytes, not 8'
    role, flags = struct.unpack_from('>HB', content)
    return role, bool(flags & KEEP_CONN), None


class Record:
    __slots__ = ('type', 'request_id', 'content', 'padding')

    def __init__(self, record_type, request_id, content, padding):
        self.type = record_type
        self.request_id = request_id
        self.content = content
        self.padding = padding


class RecordParser:
    """Cuts bytes into records, whatever sizes they arrive in. feed() never raises: it returns
    (records, error), and after an error it accepts nothing more (close the connection)."""

    def __init__(self):
        self.buffer = bytearray()
        self.error = None

    def feed(self, data):
        if self.error:
            return [], self.error
        self.buffer += data
        records = []
        offset = 0
        buffer = self.buffer
        while len(buffer) - offset >= HEADER.size:
            version, record_type, request_id, length, padding = HEADER.unpack_from(buffer, offset)
            if version != VERSION:
                self.error = (f'a record header says version {version}; '
                              'FastCGI 1.0 records start with version 1')
                break
            end = offset + HEADER.size + length
            if len(buffer) < end + padding:
                break                     # the rest of this record has not arrived yet
            records.append(Record(record_type, request_id, bytes(buffer[offset + HEADER.size:end]), padding))
            offset = end + padding
        del buffer[:offset]
        return records, self.error

    def end(self):
        """The connection ended: None, or why it ended in the middle of a record."""
        if self.error or not self.buffer:
            return self.error
        if len(self.buffer) < HEADER.size:
            return f'the connection ended {len(self.buffer)} bytes into a record header (a header is 8 bytes)'
        _, record_type, _, length, padding = HEADER.unpack_from(self.buffer)
        return (f'the connection ended inside a {type_name(record_type)} record: '
                f'{len(self.buffer)} of its {HEADER.size + length + padding} bytes arrived')
