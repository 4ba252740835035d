# The lifecycle lab's notes app as WSGI (PEP 3333): the same service as app.py, for the lab's WSGI
# gateway (GATEWAY_TUTOR_LIFECYCLE_GATEWAY=wsgi). A request from the reverse proxy goes through the
# middleware in wsgi_middleware.py, outermost first, and then to the handler below; the answer
# goes back out through the same layers in reverse order.
#
#   logging → compression → cors → auth → authz → body → handler
#
# Routes: GET / and /hello (public), GET /health (for a proxy's health checks; this lab's proxy
# runs none), GET /api/notes (token with notes:read), POST /api/notes (notes:write, JSON
# {"text": ...}), GET /api/slow (takes 5 s), and
# /ws, where a WebSocket cannot be had (see no_websocket).
import json
import time

import wsgi_middleware as middleware
from wsgi_tracing import chain

# Each worker process has its own copy of this list (a pre-fork server runs the app in several
# processes): a note written through one worker is not seen by another. Real apps keep their data
# in a database that every worker shares.
NOTES = [{'id': 1, 'text': 'a request crosses every layer twice: in, and back out'}]


def send_json(start_response, status, data):
    body = json.dumps(data, indent=2).encode() + b'\n'
    start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]


def handler(environ, start_response):
    route = (environ['REQUEST_METHOD'], environ['PATH_INFO'])
    if route in (('GET', '/'), ('GET', '/hello'), ('GET', '/health')):
        return send_json(start_response, '200 OK', {'hello': 'from the app', 'path': environ['PATH_INFO']})
    if route == ('GET', '/api/notes'):
        time.sleep(0.02)                                   # the "database" query
        if middleware.SLOW_LAYER == 'handler':
            time.sleep(middleware.SLOW_SECONDS)            # a slow one
        return send_json(start_response, '200 OK', {'notes': NOTES, 'user': environ['REMOTE_USER']})
    if route == ('POST', '/api/notes'):
        note = {'id': len(NOTES) + 1, 'text': environ['notes.json']['text']}
        NOTES.append(note)
        return send_json(start_response, '201 Created', note)
    if route == ('GET', '/api/slow'):
        time.sleep(5)              # longer than the proxy waits (2 s): 504; this worker is busy meanwhile
        return send_json(start_response, '200 OK', {'finally': 'done'})
    if environ['PATH_INFO'] == '/ws':
        return no_websocket(environ, start_response)
    return send_json(start_response, '404 Not Found', {'error': f'no route {route[0]} {route[1]}'})


def no_websocket(environ, start_response):
    """A WebSocket handshake reaches a WSGI app as an ordinary GET: the Upgrade header is only
    HTTP_UPGRADE in the environ. To accept, the app would have to answer 101 and then read and
    write frames on the connection itself, and PEP 3333 gives it no way to: it returns a status,
    headers (the server forbids hop-by-hop ones such as Upgrade) and a body, and the server owns
    the socket. So the handshake gets an ordinary answer, and the client stays on HTTP."""
    asked = environ.get('HTTP_UPGRADE', 'nothing')
    return send_json(start_response, '501 Not Implemented', {
        'error': f'asked to upgrade to {asked}, but a WSGI app cannot take over the connection',
        'try': 'the ASGI gateway of this lab, which can accept a WebSocket',
    })


app = chain(handler, [
    ('logging', middleware.logging),
    ('compression', middleware.compression),
    ('cors', middleware.cors),
    ('auth', middleware.authentication),
    ('authz', middleware.authorization),
    ('body', middleware.body_parsing),
])
