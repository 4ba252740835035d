# A request's journey, as the Python lab servers and the apps they run report it: `trace` events
# under the X-Request-Id the reverse proxy gave the request (declared in
# src/servers/lib/trace-events.ts). Each hop measures its own time with time.monotonic(), from the
# moment it received the request; the tutor never compares clocks of different processes, it puts
# the hops in order by depth (0 is the proxy, 1 this server, 2 and on the app's middleware).
#
# A server makes one Hop for itself, and offers the app a way to make its own through the scope
# (ASGI) or the environ (WSGI):
#
#     new_hop = scope.get('extensions', {}).get('gateway-tutor.trace', {}).get('hop')
#     if new_hop:
#         hop = new_hop('auth', 3)      # name and depth
#         hop.received() … hop.passed_on() … hop.answered(200)
#
# Requests that did not come through the proxy (no X-Request-Id) are not traced: new_hop is None.
import time

EXTENSION = 'gateway-tutor.trace'


class Hop:
    """One hop's part of one request's journey."""

    def __init__(self, emit, request_id, name, depth):
        self.emit, self.request_id, self.name, self.depth = emit, request_id, name, depth
        self.started = time.monotonic()
        self.passed = False

    def _event(self, phase, **fields):
        ms = round((time.monotonic() - self.started) * 1000, 2)
        event = {'event': 'trace', 'requestId': self.request_id, 'hop': self.name, 'depth': self.depth,
                 'phase': phase, 'ms': ms}
        event.update({key: value for key, value in fields.items() if value is not None})
        self.emit(event)

    def received(self):
        self.started = time.monotonic()
        self._event('received')

    def passed_on(self, added=None, removed=None, changed=None):
        """Handed to the next hop; `added`/`changed` are [name, value] lists, `removed` names."""
        self.passed = True
        self._event('passed-on', added=added, removed=removed, changed=changed)

    def answered(self, status, why=None):
        """The response went back out through here: the inner hop's answer, or this hop's own when
        it is the last one (a handler). `why` means it answered early: instead of the hops within
        (a 401 from authentication, a preflight from CORS, a 500 from the server for a broken app)."""
        if why:
            self._event('answered-early', status=status, why=why)
        else:
            self._event('answered', status=status)


def request_id(headers):
    """The X-Request-Id among (bytes, bytes) header pairs, or None."""
    for name, value in headers:
        if name.lower() == b'x-request-id':
            return value.decode('latin-1')
    return None


def hop_factory(emit, headers):
    """A function new_hop(name, depth) for this request, or None when it is not traced."""
    rid = request_id(headers)
    if rid is None:
        return None
    return lambda name, depth: Hop(emit, rid, name, depth)


def trace_handshake(emit, headers, status, seconds, name='asgi'):
    """A WebSocket handshake, reported once it is decided: received, and answered with 101 (the
    app accepted) or a refusal. `seconds` is how long that took here. (The app's middleware is not
    traced for WebSockets: the server answers the handshake on the app's word.)"""
    new_hop = hop_factory(emit, headers)
    if new_hop is None:
        return
    hop = new_hop(name, 1)          # 'uvicorn' when Uvicorn took the handshake (asgi_uvicorn.py)
    hop.received()
    hop.started -= seconds          # the handshake began `seconds` ago, on this process's clock
    hop.answered(status)
