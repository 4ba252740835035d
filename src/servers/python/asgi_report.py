# What the ASGI lab server tells the tutor (JSON events on fd 3, declared in asgi-events.ts): one
# `request` event per HTTP request (with a summary of the scope the app got), `websocket` and
# `websocket-message` events, `lifespan`, `reload`, `stall` and
# `starved` (asgi_server.py writes those two). Bytes become latin-1 text here, so
# every byte survives the trip into JSON.
import threading
import time
from collections import deque

import gt_lab

PREVIEW = 200       # characters of a WebSocket message shown in its event


class EventWriter:
    """Events leave through a thread of their own, so the event loop never waits on the tutor.

    A write to the event pipe can block when the tutor is busy reading; a blocked event loop
    serves nobody. So the loop only appends each event to a queue (a deque: safe between threads),
    and this thread wakes when there is something, lets more gather for a moment, encodes the lot
    and writes it in one go. Only this process writes our event pipe, so big writes are fine."""

    GATHER = 0.01       # seconds to let events gather before a write

    def __init__(self, lab):
        self.lab = lab
        self.queue = deque()
        self.pending = threading.Event()
        self.lock = threading.Lock()      # one writer at a time: this thread, or flush()
        threading.Thread(target=self._run, name='gt-events', daemon=True).start()

    def add(self, event):
        """`event` is a dict, or the bytes of its line already encoded (a request's event: see
        asgi_event.py). The loop's thread encodes it, not this one: two threads share one
        interpreter lock, and each hand-over of that lock costs more than the encoding saved."""
        self.queue.append(event)
        if not self.pending.is_set():
            self.pending.set()

    def flush(self):
        with self.lock:
            lines = []
            while self.queue:
                event = self.queue.popleft()
                lines.append(event if isinstance(event, bytes) else gt_lab.encode(event))
            if lines:
                self.lab.write_lines(b''.join(lines))

    def _run(self):
        while True:
            self.pending.wait()
            time.sleep(self.GATHER)
            self.pending.clear()          # events added from now on set it again
            self.flush()


def text(data):
    return data.decode('latin-1') if isinstance(data, (bytes, bytearray)) else str(data)


def pairs(headers):
    """(bytes, bytes) pairs → [str, str] lists (latin-1 keeps every byte)."""
    return [[n.decode('latin-1'), v.decode('latin-1')] for n, v in headers or ()]


def ms(seconds):
    return round(seconds * 1000, 2)


def epoch_ms(seconds):
    """A point in time in whole milliseconds (a float costs more to write, and adds nothing here)."""
    return int(seconds * 1000)


def scope_summary(scope):
    """The scope as JSON can carry it: bytes as text, tuples as lists, state as its keys. Only the
    keys the app really got: a websocket scope has no 'method' (the asgiref WebSocket spec), so
    none is shown for it."""
    return {
        'type': scope['type'], 'httpVersion': scope['http_version'],
        **({'method': scope['method']} if 'method' in scope else {}),
        'scheme': scope['scheme'], 'path': scope['path'], 'rawPath': text(scope['raw_path']),
        'queryString': text(scope['query_string']), 'rootPath': scope['root_path'],
        'client': list(scope['client']), 'server': list(scope['server']),
        'stateKeys': sorted(map(str, scope['state'])) if scope.get('state') else [],
        **({'subprotocols': scope['subprotocols']} if 'subprotocols' in scope else {}),
    }


class MessageLog:
    """What the app got from receive() and gave to send() during one HTTP request, in order: the
    journey view lists them. Each message is its type and a gist of its keys (sizes, not bytes);
    after the first MAX, they are only counted (a long stream would fill the event). Kept as
    tuples, (direction, type, ((name, value), ...)), which fields() and json() turn into the
    event's form: an app sends the same messages request after request, so json() remembers the
    text of a list it has seen (asgi_event.py writes it)."""

    MAX = 40

    def __init__(self):
        self.entries = []
        self.dropped = 0

    def received(self, message):
        if message.get('type') == 'http.request':
            self.note('receive', message, (('body', size(message.get('body', b''))),
                                           ('more_body', 'True' if message.get('more_body') else 'False')))
        else:
            self.note('receive', message, ())
        return message

    def sent(self, message):
        if not isinstance(message, dict):
            return
        kind = message.get('type')
        if kind == 'http.response.start':
            headers = message.get('headers', [])
            count = len(headers) if isinstance(headers, (list, tuple)) else '?'
            self.note('send', message, (('status', repr(message.get('status'))[:20]),
                                        ('headers', f'<{count} pairs>')))
        elif kind == 'http.response.body':
            self.note('send', message, (('body', size(message.get('body', b''))),
                                        ('more_body', 'True' if message.get('more_body') else 'False')))
        else:
            self.note('send', message, ())

    def note(self, direction, message, gist):
        if len(self.entries) >= self.MAX:
            self.dropped += 1
            return
        self.entries.append((direction, str(message.get('type'))[:60], gist))

    def messages(self):
        """The entries as the event has them: {"dir", "type", "fields": [[name, value], ...]}."""
        out = []
        for direction, kind, gist in self.entries:
            entry = {'dir': direction, 'type': kind}
            if gist:
                entry['fields'] = [[name, value] for name, value in gist]
            out.append(entry)
        return out

    def fields(self):
        return {'messages': self.messages(), **({'messagesDropped': self.dropped} if self.dropped else {})}

    def json(self):
        """messages() as JSON text (gt_lab's encoding), remembered for lists seen before."""
        key = tuple(self.entries)
        text = _known_messages.get(key)
        if text is None:
            if len(_known_messages) >= 64:
                _known_messages.clear()
            text = _known_messages[key] = gt_lab.encode(self.messages())[:-1].decode()
        return text


_known_messages = {}     # tuple of MessageLog entries → their JSON


def size(body):
    return f'<{len(body)} bytes>' if isinstance(body, (bytes, bytearray, memoryview)) else f'<{type(body).__name__}>'


def request_event(conn, head, scope, status, response_headers, started, error=None, ended=None, **extra):
    ended = time.time() if ended is None else ended
    event = {
        'event': 'request', 'conn': conn.conn, 'remote': conn.remote, 'method': head.method,
        'target': text(head.target), 'httpVersion': head.http_version, 'headers': pairs(head.raw_headers),
        'status': status, 'responseHeaders': pairs(response_headers), 'durationMs': ms(ended - started),
        'start': epoch_ms(started), 'end': epoch_ms(ended), 'scope': scope_summary(scope), 'engine': 'lab', **extra,
    }
    if error:
        event['error'] = error
    return event


def http_event(cycle):
    return request_event(
        cycle.conn, cycle.head, cycle.scope, cycle.status, cycle.response_headers, cycle.started, cycle.error,
        ended=cycle.ended,
        bytes=cycle.bytes_sent, requestBytes=cycle.received, bodyEvents=cycle.body_events,
        firstBodyMs=cycle.first_body_ms, stalledMs=getattr(cycle, 'stalled_at_end', cycle.stalled_ms),
        aborted=cycle.disconnected and not cycle.complete, **cycle.message_log.fields())


def handshake_event(session):
    """The HTTP half of a WebSocket: the upgrade request and its 101 (or 403, 400...)."""
    return request_event(session.conn, session.head, session.scope, session.status,
                         getattr(session, 'response_headers', []), session.started, session.error,
                         websocket=True, subprotocol=session.subprotocol)


def websocket_event(session):
    ended = time.time()
    event = {
        'event': 'websocket', 'conn': session.conn.conn, 'remote': session.conn.remote,
        'path': session.scope['path'], 'target': text(session.head.target), 'status': session.status,
        'accepted': session.status == 101, 'subprotocol': session.subprotocol,
        'messagesIn': session.messages_in, 'messagesOut': session.messages_out,
        'closeCode': session.close_code, 'closeReason': session.close_reason, 'closedBy': session.closed_by,
        'durationMs': ms(ended - session.started), 'start': epoch_ms(session.started), 'end': epoch_ms(ended),
        'stalledMs': session.stalled_ms, 'engine': 'lab',
    }
    if session.error:
        event['error'] = session.error
    return event


def message_event(conn, path, direction, kind, data, code=None):
    event = {'event': 'websocket-message', 'conn': conn, 'path': path,
             'direction': direction, 'kind': kind, 'size': len(data.encode('utf-8') if isinstance(data, str) else data)}
    if kind in ('text', 'close') and isinstance(data, str):
        event['text'] = data[:PREVIEW]
    elif kind == 'binary':
        event['hex'] = bytes(data[:PREVIEW // 4]).hex()
    if code is not None:
        event['code'] = code
    return event


def refused_event(conn, error, data, head):
    """A request refused before any app saw it: the request line as far as it could be read."""
    if head is not None:
        method, target, version = head.method, text(head.target), head.http_version
        headers = pairs(head.raw_headers)
    else:
        first = data.split(b'\r\n', 1)[0][:200].split(b' ')
        method = text(first[0]) if first and first[0] else ''
        target = text(first[1]) if len(first) > 1 else ''
        version = text(first[2])[5:] if len(first) > 2 else ''
        headers = []
    return {'event': 'request', 'conn': conn.conn, 'remote': conn.remote, 'method': method, 'target': target,
            'httpVersion': version, 'headers': headers, 'status': error.status, 'error': error.detail,
            'start': epoch_ms(time.time()), 'end': epoch_ms(time.time()), 'engine': 'lab'}
