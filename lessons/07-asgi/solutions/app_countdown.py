# Your ASGI application. The lab's server imports this file and, for every connection, calls
#
#     await app(scope, receive, send)
#
# `scope` describes the connection ("http", "websocket" or "lifespan"); `await receive()` gives
# you the next event from the client, `await send({...})` sends one. Everything runs on one event
# loop: while one request awaits, the others run. Save the file and the server reloads it.
import asyncio
import json
import secrets
import time
from urllib.parse import parse_qs


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        await lifespan(scope, receive, send)
    elif scope['type'] == 'websocket':
        await websocket(scope, receive, send)
    else:
        await http(scope, receive, send)


async def lifespan(scope, receive, send):
    # Once, before the first request: open what every request shares. scope["state"] is copied
    # into the scope of each request that follows.
    while True:
        message = await receive()
        if message['type'] == 'lifespan.startup':
            scope['state']['started_at'] = time.strftime('%H:%M:%S')
            scope['state']['boot_id'] = secrets.token_hex(4)
            await send({'type': 'lifespan.startup.complete'})
        elif message['type'] == 'lifespan.shutdown':
            await send({'type': 'lifespan.shutdown.complete'})
            return


async def http(scope, receive, send):
    path = scope['path']

    if path == '/scope':
        # The scope of this very request. Bytes are shown as b'...' so you can see which are bytes.
        shown = {key: (repr(value) if isinstance(value, bytes) else value) for key, value in scope.items()}
        shown['headers'] = [[repr(name), repr(value)] for name, value in scope['headers']]
        return await answer(send, 200, json.dumps(shown, indent=2, default=str) + '\n', 'application/json')

    if path == '/sleep':
        # Waiting without blocking: while this request awaits, the loop serves others.
        await asyncio.sleep(1)
        return await answer(send, 200, 'slept 1 s\n')

    if path == '/report':
        # build_report() blocks, so it runs in a worker thread; the loop awaits the result and
        # serves other requests meanwhile.
        body = await asyncio.to_thread(build_report)
        return await answer(send, 200, body)

    if path == '/events':
        # Server-sent events: one response, sent in pieces as they happen ("more_body": True).
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-type', b'text/event-stream'), (b'cache-control', b'no-cache')]})
        for i in range(1, 6):
            event = f'data: tick {i} at {time.strftime("%H:%M:%S")}\n\n'
            await send({'type': 'http.response.body', 'body': event.encode(), 'more_body': True})
            await asyncio.sleep(0.3)
        await send({'type': 'http.response.body', 'body': b'event: done\ndata: bye\n\n'})
        return

    if path == '/countdown':
        # GET /countdown?from=N: the events N, N-1 ... 1, then liftoff, 0.2 s apart.
        start = int(parse_qs(scope['query_string'].decode()).get('from', ['3'])[0])
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-type', b'text/event-stream'), (b'cache-control', b'no-cache')]})
        for n in range(start, 0, -1):
            await send({'type': 'http.response.body', 'body': f'data: {n}\n\n'.encode(), 'more_body': True})
            await asyncio.sleep(0.2)
        await send({'type': 'http.response.body', 'body': b'data: liftoff\n\n'})
        return

    if path == '/state':
        # What the lifespan start-up stored, as this request's scope sees it.
        return await answer(send, 200, json.dumps(scope.get('state', {})) + '\n', 'application/json')

    await answer(send, 404, 'not found\n')


def build_report():
    """Stands for a slow call to a library that blocks: a sync database driver, requests.get(),
    reading a big file. It takes half a second and returns the body."""
    time.sleep(0.5)
    return 'report ready\n'


async def websocket(scope, receive, send):
    if scope['path'] != '/echo':
        await send({'type': 'websocket.close', 'code': 1008})    # before accept: the client gets 403
        return
    await receive()                                              # websocket.connect
    await send({'type': 'websocket.accept'})
    while True:
        message = await receive()
        if message['type'] == 'websocket.disconnect':
            return
        text = message.get('text')
        if text is not None:
            # TODO (step "ws-upper"): answer in upper case.
            await send({'type': 'websocket.send', 'text': text})
        else:
            await send({'type': 'websocket.send', 'bytes': message['bytes']})


async def answer(send, status, text, content_type='text/plain; charset=utf-8'):
    body = text.encode('utf-8')
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', content_type.encode()), (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})
