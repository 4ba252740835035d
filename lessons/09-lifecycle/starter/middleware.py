# The app's middleware, one small ASGI middleware each. Each gets the next app (`inner`) and
# either passes the request on to it or answers by itself; on the way back it may change the
# response. app.py puts them in order: logging, compression, CORS, authentication,
# authorization, body parsing, then the handler.
import asyncio
import gzip
import json
import random
import time

# Which layer has a slow moment in this lab run (chosen afresh each time the app starts): the
# trace, not this file, is how you find it.
SLOW_LAYER = random.choice(['auth', 'authz', 'handler'])
SLOW_SECONDS = 0.15

TOKENS = {'reader': ['notes:read'], 'writer': ['notes:read', 'notes:write']}
ALLOWED_ORIGINS = ['https://notes.example']


async def answer(send, status, body, headers=()):
    data = body.encode() if isinstance(body, str) else body
    # A 204 has no content: no Content-Length (RFC 9110 §8.6 forbids it in a 204), and no
    # Content-Type, as there is nothing for it to describe.
    framing = [] if status == 204 else [(b'content-type', b'text/plain; charset=utf-8'),
                                        (b'content-length', str(len(data)).encode())]
    await send({'type': 'http.response.start', 'status': status, 'headers': [*framing, *headers]})
    await send({'type': 'http.response.body', 'body': data})


def header(scope, name):
    for key, value in scope['headers']:
        if key == name:
            return value.decode('latin-1')
    return None


def logging(inner):
    """Prints one line per request, after the answer: method, path, status, time."""
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return await inner(scope, receive, send)
        started, status = time.monotonic(), None

        async def send_seen(message):
            nonlocal status
            if message['type'] == 'http.response.start':
                status = message['status']
            await send(message)
        await inner(scope, receive, send_seen)
        print(f'{scope["method"]} {scope["path"]} {status} {(time.monotonic() - started) * 1000:.1f} ms')
    return app


def accepts_gzip(value):
    """Does this Accept-Encoding value allow gzip? `gzip;q=0` says "never gzip", so a plain
    substring test is not enough (RFC 9110 §12.5.3)."""
    weights = {}
    for part in (value or '').split(','):
        coding, _, params = part.partition(';')
        q = params.strip().lower()
        try:
            weights[coding.strip().lower()] = float(q[2:]) if q.startswith('q=') else 1.0
        except ValueError:
            weights[coding.strip().lower()] = 0.0
    return weights.get('gzip', weights.get('*', 0.0)) > 0


def compression(inner):
    """gzip on the way back, when the client said it accepts gzip. Behind this lab's proxy it never
    does: the proxy compresses for the client itself and takes Accept-Encoding off the request.
    Every answer says Vary: Accept-Encoding, compressed or not: which one a client gets depends on
    that header (RFC 9110 §12.5.5), so a cache must keep the two apart."""
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return await inner(scope, receive, send)
        if not accepts_gzip(header(scope, b'accept-encoding')):
            async def add_vary(message):
                if message['type'] == 'http.response.start':
                    message = {**message, 'headers': [*message.get('headers', []), (b'vary', b'Accept-Encoding')]}
                await send(message)
            return await inner(scope, receive, add_vary)
        start, chunks = None, []

        async def gather(message):
            nonlocal start
            if message['type'] == 'http.response.start':
                start = message
                return
            chunks.append(message.get('body', b''))
            if message.get('more_body'):
                return
            body = b''.join(chunks)
            headers = [(k, v) for k, v in start.get('headers', []) if k.lower() != b'content-length']
            if len(body) >= 200 and not any(k.lower() == b'content-encoding' for k, _ in headers):
                body = gzip.compress(body)
                headers.append((b'content-encoding', b'gzip'))
            headers += [(b'vary', b'Accept-Encoding'), (b'content-length', str(len(body)).encode())]
            await send({**start, 'headers': headers})
            await send({'type': 'http.response.body', 'body': body})
        await inner(scope, receive, gather)
    return app


def cors(inner):
    """CORS (the Fetch standard): a preflight OPTIONS is answered here, never reaching the
    handler; other answers get Access-Control-Allow-Origin for an allowed Origin. Vary: Origin
    tells caches the answer depends on the Origin header."""
    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return await inner(scope, receive, send)
        origin = header(scope, b'origin')
        allowed = [(b'access-control-allow-origin', origin.encode())] if origin in ALLOWED_ORIGINS else []
        if scope['method'] == 'OPTIONS' and origin and header(scope, b'access-control-request-method'):
            scope['lifecycle.why'] = 'preflight: CORS answered it'
            extra = [(b'access-control-allow-methods', b'GET, POST'),
                     (b'access-control-allow-headers', b'authorization, content-type'),
                     (b'access-control-max-age', b'600')] if allowed else []
            return await answer(send, 204, b'', [*allowed, *extra, (b'vary', b'Origin')])

        async def add_headers(message):
            if message['type'] == 'http.response.start':
                message = {**message, 'headers': [*message.get('headers', []), *allowed, (b'vary', b'Origin')]}
            await send(message)
        await inner(scope, receive, add_headers)
    return app


PUBLIC = ('/', '/health', '/hello')


def authentication(inner):
    """Who is asking: a bearer token (RFC 6750) in Authorization. None, or one we do not know,
    is 401 with WWW-Authenticate, which tells the client how to authenticate."""
    async def app(scope, receive, send):
        if scope['type'] != 'http' or scope['path'] in PUBLIC:
            return await inner(scope, receive, send)
        given = header(scope, b'authorization') or ''
        token = given[7:].strip() if given.lower().startswith('bearer ') else None
        if token is not None and SLOW_LAYER == 'auth':
            await asyncio.sleep(SLOW_SECONDS)       # asking a key server about the token
        if token not in TOKENS:
            scope['lifecycle.why'] = '401: no token' if token is None else '401: unknown token'
            challenge = b'Bearer realm="notes"' + (b', error="invalid_token"' if token else b'')
            return await answer(send, 401, 'who are you? send Authorization: Bearer <token>\n',
                                [(b'www-authenticate', challenge)])
        # A copy with the user in it: the ASGI spec asks middleware not to change the scope it
        # was given, since the layers outside it hold the same dict.
        await inner({**scope, 'user': {'token': token, 'scopes': TOKENS[token]}}, receive, send)
    return app


# What each route needs the token to allow.
NEEDS = {('GET', '/api/notes'): 'notes:read', ('POST', '/api/notes'): 'notes:write',
         ('GET', '/api/slow'): 'notes:read'}


def authorization(inner):
    """What the caller may do: the token is known (authentication passed), but does it carry the
    scope this route needs? If not: 403, the client is known and still refused."""
    async def app(scope, receive, send):
        need = NEEDS.get((scope.get('method'), scope['path'])) if scope['type'] == 'http' else None
        if need is None:
            return await inner(scope, receive, send)
        if SLOW_LAYER == 'authz':
            await asyncio.sleep(SLOW_SECONDS)       # loading the access policy
        if need not in scope.get('user', {}).get('scopes', []):
            scope['lifecycle.why'] = f'403: the token lacks {need}'
            challenge = f'Bearer realm="notes", error="insufficient_scope", scope="{need}"'.encode()
            return await answer(send, 403, f'this token may not do that: it needs the scope {need}\n',
                                [(b'www-authenticate', challenge)])
        await inner(scope, receive, send)
    return app


def body_parsing(inner):
    """A POST, PUT or PATCH must send JSON (else 415); JSON that does not parse is 400, JSON
    without the fields the route needs is 422. The parsed body goes into scope["json"] of the
    copy of the scope passed on."""
    async def app(scope, receive, send):
        if scope['type'] != 'http' or scope['method'] not in ('POST', 'PUT', 'PATCH'):
            return await inner(scope, receive, send)
        kind = (header(scope, b'content-type') or '').split(';')[0].strip().lower()
        if kind != 'application/json':
            scope['lifecycle.why'] = f'415: {kind or "no content type"} is not JSON'
            return await answer(send, 415, 'send JSON, with Content-Type: application/json\n')
        body, more = b'', True
        while more:
            message = await receive()
            if message['type'] == 'http.disconnect':
                return
            body += message.get('body', b'')
            more = message.get('more_body', False)
        try:
            data = json.loads(body)
        except ValueError as error:
            scope['lifecycle.why'] = '400: not JSON'
            return await answer(send, 400, f'that is not JSON: {error}\n')
        if not isinstance(data, dict) or not isinstance(data.get('text'), str):
            scope['lifecycle.why'] = '422: no "text" field'
            return await answer(send, 422, 'JSON understood, but a note needs {"text": "..."}\n')
        await inner({**scope, 'json': data}, receive, send)
    return app
