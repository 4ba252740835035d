# The ASGI side of the sync-vs-async lab: the same endpoint as sync_app.py, served by the lab's
# asyncio ASGI server (one process, one thread, one event loop).
#
# GET /db waits 100 ms, as if for a database, and answers. `await asyncio.sleep()` hands control
# back to the event loop while it waits, so the loop serves other connections meanwhile. (A
# time.sleep() here would stop the whole loop, and every connection with it.)
import asyncio
import os

DB_SECONDS = 0.1


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        # Nothing to set up; say so, so the server knows the app speaks lifespan.
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    if scope['type'] != 'http':
        return
    if scope['path'] == '/db':
        await asyncio.sleep(DB_SECONDS)    # stands for a query: the loop serves others meanwhile
        body = f'waited {DB_SECONDS * 1000:.0f} ms in process {os.getpid()}, on its event loop\n'.encode()
    else:
        body = b'Try /db: it waits 100 ms, as if for a database.\n'
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain; charset=utf-8'),
                            (b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})
