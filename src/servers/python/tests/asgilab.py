# Test helper for the ASGI lab server: started by the tutor's Lab (labserver.LabServer), and speak
# WebSocket to it by hand (masked client frames), so tests can also send what no library would.
import base64
import os
import socket
import struct

from labserver import LabServer, read_response

HERE = os.path.dirname(os.path.abspath(__file__))
ASGI_SERVER = os.path.join(os.path.dirname(HERE), 'asgi_server.py')


def asgi_server(app_source, *args, **kwargs):
    return LabServer(app_source, *args, server=ASGI_SERVER, name='asgi', **kwargs)


def frame(opcode, payload=b'', fin=True, mask=True, rsv=0):
    """A client frame, masked unless told otherwise."""
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack('!BB', first, bit | n)
    elif n < 65536:
        head = struct.pack('!BBH', first, bit | 126, n)
    else:
        head = struct.pack('!BBQ', first, bit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class WsClient:
    def __init__(self, server, path='/ws', protocols=None, headers=''):
        self.sock = server.connect()
        key = base64.b64encode(os.urandom(16)).decode()
        extra = f'Sec-WebSocket-Protocol: {protocols}\r\n' if protocols else ''
        self.sock.sendall((f'GET {path} HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                           f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}{headers}\r\n').encode())
        self.key = key
        self.buffer = b''
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            head += chunk
        head, _, self.buffer = head.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        self.status = int(lines[0].split(' ')[1]) if lines[0] else None
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            self.headers[name.strip().lower()] = value.strip()

    def send(self, opcode, payload=b'', **kwargs):
        self.sock.sendall(frame(opcode, payload, **kwargs))

    def text(self, value):
        self.send(1, value.encode())

    def recv(self):
        """(opcode, payload) of the next frame, or None when the server closed."""
        while True:
            if len(self.buffer) >= 2:
                n = self.buffer[1] & 0x7F
                offset = 2
                if n == 126 and len(self.buffer) >= 4:
                    n, offset = struct.unpack('!H', self.buffer[2:4])[0], 4
                elif n == 127 and len(self.buffer) >= 10:
                    n, offset = struct.unpack('!Q', self.buffer[2:10])[0], 10
                if n < 126 or offset > 2:
                    if len(self.buffer) >= offset + n:
                        opcode = self.buffer[0] & 0x0F
                        payload = self.buffer[offset:offset + n]
                        self.buffer = self.buffer[offset + n:]
                        return opcode, payload
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def close_code(self):
        """Read frames until a close frame: its code (or None if the connection just ended)."""
        while True:
            got = self.recv()
            if got is None:
                return None
            if got[0] == 8:
                return struct.unpack('!H', got[1][:2])[0] if len(got[1]) >= 2 else 1005

    def close(self):
        self.sock.close()


class Responses:
    """Responses read one after another from one connection, keeping what belongs to the next
    (pipelining puts several in one read)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b''

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError(f'connection closed; buffer {self.buffer[:200]!r}')
        self.buffer += chunk

    def next(self):
        """(status, headers, body) of the next response."""
        while b'\r\n\r\n' not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers[name.strip().lower()] = value.strip()
        if headers.get('transfer-encoding') == 'chunked':
            body = b''
            while True:
                while b'\r\n' not in self.buffer:
                    self._fill()
                size_line, _, self.buffer = self.buffer.partition(b'\r\n')
                size = int(size_line, 16)
                while len(self.buffer) < size + 2:
                    self._fill()
                body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
                if size == 0:
                    break
        else:
            length = int(headers.get('content-length', 0))
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split(' ')[1]), headers, body


__all__ = ['asgi_server', 'frame', 'WsClient', 'Responses', 'read_response', 'socket']
