# The lifecycle lab's app: a small notes service, standard-library ASGI. A request from the
# reverse proxy goes through the middleware in middleware.py, outermost first, and then to a
# handler below; the answer goes back out through the same layers in reverse order.
#
#   logging → compression → cors → auth → authz → body → handler
#
# Routes: GET / and /hello (public), GET /health (for a proxy's health checks; this lab's proxy
# runs none), GET /api/notes (token with notes:read), POST /api/notes (notes:write, JSON
# {"text": ...}), GET /api/slow (takes 5 s), and
# a WebSocket echo at /ws.
import asyncio
import json

import middleware
from tracing import chain

NOTES = [{'id': 1, 'text': 'a request crosses every layer twice: in, and back out'}]


async def send_json(send, status, data):
    body = json.dumps(data, indent=2).encode() + b'\n'
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})


async def handler(scope, receive, send):
    if scope['type'] == 'lifespan':
        return await lifespan(receive, send)
    if scope['type'] == 'websocket':
        return await echo(receive, send)
    route = (scope['method'], scope['path'])
    if route in (('GET', '/'), ('GET', '/hello'), ('GET', '/health')):
        return await send_json(send, 200, {'hello': 'from the app', 'path': scope['path']})
    if route == ('GET', '/api/notes'):
        await asyncio.sleep(0.02)                                  # the "database" query
        if middleware.SLOW_LAYER == 'handler':
            await asyncio.sleep(middleware.SLOW_SECONDS)           # a slow one
        return await send_json(send, 200, {'notes': NOTES, 'user': scope['user']['token']})
    if route == ('POST', '/api/notes'):
        note = {'id': len(NOTES) + 1, 'text': scope['json']['text']}
        NOTES.append(note)
        return await send_json(send, 201, note)
    if route == ('GET', '/api/slow'):
        await asyncio.sleep(5)                 # longer than the proxy waits (2 s): 504
        return await send_json(send, 200, {'finally': 'done'})
    await send_json(send, 404, {'error': f'no route {scope["method"]} {scope["path"]}'})


async def echo(receive, send):
    """WebSocket: accept, then send back every text message until the client closes."""
    while True:
        message = await receive()
        if message['type'] == 'websocket.connect':
            await send({'type': 'websocket.accept'})
        elif message['type'] == 'websocket.receive' and message.get('text') is not None:
            await send({'type': 'websocket.send', 'text': f'echo: {message["text"]}'})
        elif message['type'] == 'websocket.disconnect':
            return


async def lifespan(receive, send):
    while True:
        message = await receive()
        if message['type'] == 'lifespan.startup':
            print('notes app started')
            await send({'type': 'lifespan.startup.complete'})
        elif message['type'] == 'lifespan.shutdown':
            await send({'type': 'lifespan.shutdown.complete'})
            return


app = chain(handler, [
    ('logging', middleware.logging),
    ('compression', middleware.compression),
    ('cors', middleware.cors),
    ('auth', middleware.authentication),
    ('authz', middleware.authorization),
    ('body', middleware.body_parsing),
])
