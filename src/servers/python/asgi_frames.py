# WebSocket frames (RFC 6455 §5): what travels on the connection after the HTTP handshake.
#
#   byte 0: FIN (last fragment) · RSV1-3 (extensions; none here, so 0) · opcode (4 bits)
#   byte 1: MASK (1 on every frame from a client) · payload length (7 bits; 126 → 2 more bytes,
#           127 → 8 more bytes)
#   then the 4-byte masking key (client frames), then the payload, XORed with the key.
#
# Opcodes: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. A message may be cut into
# fragments (a text or binary frame without FIN, continuation frames, the last one with FIN);
# control frames (close, ping, pong) are never fragmented, carry at most 125 bytes, and may arrive
# between the fragments of a message. Any breach is answered with a close code (§7.4.1).
import struct

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10
NAMES = {0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong'}

# Close codes (§7.4.1) this server sends.
NORMAL, GOING_AWAY, PROTOCOL_ERROR, INVALID_DATA, TOO_BIG, INTERNAL_ERROR = 1000, 1001, 1002, 1007, 1009, 1011
NO_STATUS = 1005          # received a close frame with no code (never sent on the wire)
ABNORMAL = 1006           # the connection dropped without a close frame (never sent on the wire)


class ProtocolError(Exception):
    """The client broke RFC 6455: close the connection with this code."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def valid_close_code(code):
    """Codes an endpoint may send in a close frame (§7.4.1-7.4.2)."""
    return code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014) or 3000 <= code <= 4999


def unmask(payload, key):
    """XOR the payload with the 4-byte key, repeated. One big-integer XOR instead of a loop per
    byte: the same result, much faster in Python."""
    if not payload:
        return b''
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, 'big') ^ int.from_bytes(repeated, 'big')).to_bytes(n, 'big')


def encode(opcode, payload=b'', fin=True):
    """A server frame: never masked (§5.1: a server must not mask)."""
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        header = struct.pack('!BB', first, n)
    elif n < 65536:
        header = struct.pack('!BBH', first, 126, n)
    else:
        header = struct.pack('!BBQ', first, 127, n)
    return header + payload


def close_frame(code, reason=''):
    return encode(CLOSE, struct.pack('!H', code) + reason.encode('utf-8')[:123])


class FrameReader:
    """Bytes in, whole messages and control frames out, as ('text', str), ('binary', bytes),
    ('ping', bytes), ('pong', bytes), ('close', code, reason). Raises ProtocolError."""

    def __init__(self, max_message):
        self.max_message = max_message
        self.buffer = bytearray()
        self.fragments = []        # the pieces of a fragmented message so far
        self.fragment_opcode = None
        self.fragment_size = 0

    def feed(self, data):
        self.buffer += data
        out = []
        while True:
            frame = self.next_frame()
            if frame is None:
                return out
            item = self.handle(*frame)
            if item is not None:
                out.append(item)
                if item[0] == 'close':
                    return out          # nothing after a close frame counts (§5.5.1)

    def next_frame(self):
        """(fin, opcode, payload) of the first complete frame in the buffer, or None."""
        buf = self.buffer
        if len(buf) < 2:
            return None
        fin, rsv, opcode = buf[0] & 0x80, buf[0] & 0x70, buf[0] & 0x0F
        masked, length = buf[1] & 0x80, buf[1] & 0x7F
        if rsv:
            raise ProtocolError(PROTOCOL_ERROR, 'RSV bits set, but no extension was agreed')
        if opcode not in NAMES:
            raise ProtocolError(PROTOCOL_ERROR, f'unknown opcode {opcode}')
        if not masked:
            raise ProtocolError(PROTOCOL_ERROR, 'frames from a client must be masked (RFC 6455 5.1)')
        if opcode >= CLOSE and (not fin or length > 125):
            raise ProtocolError(PROTOCOL_ERROR, 'a control frame must be one frame of at most 125 bytes')
        offset = 2
        if length == 126:
            if len(buf) < 4:
                return None
            length, offset = struct.unpack_from('!H', buf, 2)[0], 4
        elif length == 127:
            if len(buf) < 10:
                return None
            length, offset = struct.unpack_from('!Q', buf, 2)[0], 10
        # Refuse a message that is too big as soon as its length is known, before reading it.
        if opcode < CLOSE and self.fragment_size + length > self.max_message:
            raise ProtocolError(TOO_BIG, f'message larger than {self.max_message} bytes')
        if len(buf) < offset + 4 + length:
            return None
        key = bytes(buf[offset:offset + 4])
        payload = unmask(bytes(buf[offset + 4:offset + 4 + length]), key)
        del buf[:offset + 4 + length]
        return bool(fin), opcode, payload

    def handle(self, fin, opcode, payload):
        if opcode == PING:
            return ('ping', payload)
        if opcode == PONG:
            return ('pong', payload)
        if opcode == CLOSE:
            return ('close',) + parse_close(payload)
        if opcode == CONTINUATION:
            if self.fragment_opcode is None:
                raise ProtocolError(PROTOCOL_ERROR, 'a continuation frame, but no message was started')
        elif self.fragment_opcode is not None:
            raise ProtocolError(PROTOCOL_ERROR, 'a new message began before the fragmented one ended')
        else:
            self.fragment_opcode = opcode
        self.fragments.append(payload)
        self.fragment_size += len(payload)
        if not fin:
            return None
        data, kind = b''.join(self.fragments), self.fragment_opcode
        self.fragments, self.fragment_opcode, self.fragment_size = [], None, 0
        if kind == BINARY:
            return ('binary', data)
        try:
            return ('text', data.decode('utf-8'))
        except UnicodeDecodeError:
            raise ProtocolError(INVALID_DATA, 'a text message that is not valid UTF-8') from None


def parse_close(payload):
    """(code, reason) of a close frame's payload (§5.5.1)."""
    if not payload:
        return NO_STATUS, ''
    if len(payload) == 1:
        raise ProtocolError(PROTOCOL_ERROR, 'a close frame with a one-byte payload')
    code = struct.unpack('!H', payload[:2])[0]
    if not valid_close_code(code):
        raise ProtocolError(PROTOCOL_ERROR, f'{code} is not a close code a client may send')
    try:
        return code, payload[2:].decode('utf-8')
    except UnicodeDecodeError:
        raise ProtocolError(INVALID_DATA, 'the close reason is not valid UTF-8') from None
