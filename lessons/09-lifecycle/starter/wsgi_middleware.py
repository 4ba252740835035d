# The app's middleware as WSGI (PEP 3333): the same layers as middleware.py, the same rules.
# A WSGI middleware is a callable that wraps a callable: it gets the next app (`inner`) and
# returns an app(environ, start_response). It may answer by itself (call start_response and return
# a body), or call inner with the same environ and, to see or change the answer on the way back,
# its own start_response that calls the real one. Compare middleware.py: there the answer comes
# back as send() events; here as one start_response call and an iterable of bytes.
import gzip
import json
import os
import random
import time

# Which layer has a slow moment in this lab run: the trace, not this file, is how you find it.
# Every worker process imports this file, so the choice is seeded from the lab run's secrets
# (GT_SECRETS, fresh for each run): all the workers pick the same layer.
SLOW_LAYER = random.Random(os.environ.get('GT_SECRETS') or None).choice(['auth', 'authz', 'handler'])
SLOW_SECONDS = 0.15

TOKENS = {'reader': ['notes:read'], 'writer': ['notes:read', 'notes:write']}
ALLOWED_ORIGINS = ['https://notes.example']


def answer(start_response, status, body, headers=()):
    data = body.encode() if isinstance(body, str) else body
    # A 204 has no content: no Content-Length (RFC 9110 §8.6 forbids it in a 204), and no
    # Content-Type, as there is nothing for it to describe.
    framing = [] if status.startswith('204') else [('Content-Type', 'text/plain; charset=utf-8'),
                                                   ('Content-Length', str(len(data)))]
    start_response(status, [*framing, *headers])
    return [data] if data else []


def logging(inner):
    """Prints one line per request, after the answer: method, path, status, time."""
    def app(environ, start_response):
        started, seen = time.monotonic(), []

        def start_seen(status, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers, exc_info)
        body = inner(environ, start_seen)
        # An app may call start_response only when its body is first iterated; the layers here
        # call it before they return, so the status is known by now.
        print(f'{environ["REQUEST_METHOD"]} {environ["PATH_INFO"]} {seen[-1] if seen else "(not yet)"} '
              f'{(time.monotonic() - started) * 1000:.1f} ms')
        return body
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
    It must hold the status and headers until it has the whole body (their Content-Length changes),
    so it gives inner a start_response that only notes them, and calls the real one itself.
    Every answer says Vary: Accept-Encoding, compressed or not: which one a client gets depends on
    that header (RFC 9110 §12.5.5), so a cache must keep the two apart."""
    def app(environ, start_response):
        if not accepts_gzip(environ.get('HTTP_ACCEPT_ENCODING')):
            def add_vary(status, headers, exc_info=None):
                return start_response(status, [*headers, ('Vary', 'Accept-Encoding')], exc_info)
            return inner(environ, add_vary)
        held, written = {}, []

        def hold(status, headers, exc_info=None):
            held.update(status=status, headers=headers, exc_info=exc_info)
            return written.append            # the legacy write(): its bytes come first
        result = inner(environ, hold)
        try:
            body = b''.join([*written, *result])
        finally:
            if hasattr(result, 'close'):     # PEP 3333: whoever iterates the body closes it
                result.close()
        headers = [(k, v) for k, v in held['headers'] if k.lower() != 'content-length']
        if len(body) >= 200 and not any(k.lower() == 'content-encoding' for k, _ in headers):
            body = gzip.compress(body)
            headers.append(('Content-Encoding', 'gzip'))
        headers += [('Vary', 'Accept-Encoding'), ('Content-Length', str(len(body)))]
        start_response(held['status'], headers, held['exc_info'])
        return [body]
    return app


def cors(inner):
    """CORS (the Fetch standard): a preflight OPTIONS is answered here, never reaching the
    handler; other answers get Access-Control-Allow-Origin for an allowed Origin. Vary: Origin
    tells caches the answer depends on the Origin header."""
    def app(environ, start_response):
        origin = environ.get('HTTP_ORIGIN')
        allowed = [('Access-Control-Allow-Origin', origin)] if origin in ALLOWED_ORIGINS else []
        if environ['REQUEST_METHOD'] == 'OPTIONS' and origin and environ.get('HTTP_ACCESS_CONTROL_REQUEST_METHOD'):
            environ['lifecycle.why'] = 'preflight: CORS answered it'
            extra = [('Access-Control-Allow-Methods', 'GET, POST'),
                     ('Access-Control-Allow-Headers', 'authorization, content-type'),
                     ('Access-Control-Max-Age', '600')] if allowed else []
            return answer(start_response, '204 No Content', b'', [*allowed, *extra, ('Vary', 'Origin')])

        def add_headers(status, headers, exc_info=None):
            return start_response(status, [*headers, *allowed, ('Vary', 'Origin')], exc_info)
        return inner(environ, add_headers)
    return app


# /ws too: under WSGI a WebSocket handshake is an ordinary GET, and the handler answers it
# (under ASGI it is a "websocket" scope, which these layers let through).
PUBLIC = ('/', '/health', '/hello', '/ws')


def authentication(inner):
    """Who is asking: a bearer token (RFC 6750) in Authorization. None, or one we do not know,
    is 401 with WWW-Authenticate, which tells the client how to authenticate."""
    def app(environ, start_response):
        if environ['PATH_INFO'] in PUBLIC:
            return inner(environ, start_response)
        given = environ.get('HTTP_AUTHORIZATION', '')
        token = given[7:].strip() if given.lower().startswith('bearer ') else None
        if token is not None and SLOW_LAYER == 'auth':
            time.sleep(SLOW_SECONDS)             # asking a key server about the token
        if token not in TOKENS:
            environ['lifecycle.why'] = '401: no token' if token is None else '401: unknown token'
            challenge = 'Bearer realm="notes"' + (', error="invalid_token"' if token else '')
            return answer(start_response, '401 Unauthorized', 'who are you? send Authorization: Bearer <token>\n',
                          [('WWW-Authenticate', challenge)])
        # WSGI middleware tells the layers within through the environ: REMOTE_USER is the CGI
        # variable for an authenticated user (RFC 3875 §4.1.11), the scopes a key of our own.
        environ['REMOTE_USER'] = token
        environ['notes.scopes'] = TOKENS[token]
        return inner(environ, start_response)
    return app


# What each route needs the token to allow.
NEEDS = {('GET', '/api/notes'): 'notes:read', ('POST', '/api/notes'): 'notes:write',
         ('GET', '/api/slow'): 'notes:read'}


def authorization(inner):
    """What the caller may do: the token is known (authentication passed), but does it carry the
    scope this route needs? If not: 403, the client is known and still refused."""
    def app(environ, start_response):
        need = NEEDS.get((environ['REQUEST_METHOD'], environ['PATH_INFO']))
        if need is None:
            return inner(environ, start_response)
        if SLOW_LAYER == 'authz':
            time.sleep(SLOW_SECONDS)             # loading the access policy
        if need not in environ.get('notes.scopes', []):
            environ['lifecycle.why'] = f'403: the token lacks {need}'
            challenge = f'Bearer realm="notes", error="insufficient_scope", scope="{need}"'
            return answer(start_response, '403 Forbidden', f'this token may not do that: it needs the scope {need}\n',
                          [('WWW-Authenticate', challenge)])
        return inner(environ, start_response)
    return app


def body_parsing(inner):
    """A POST, PUT or PATCH must send JSON (else 415); JSON that does not parse is 400, JSON
    without the fields the route needs is 422. The parsed body goes into environ["notes.json"]."""
    def app(environ, start_response):
        if environ['REQUEST_METHOD'] not in ('POST', 'PUT', 'PATCH'):
            return inner(environ, start_response)
        kind = environ.get('CONTENT_TYPE', '').split(';')[0].strip().lower()
        if kind != 'application/json':
            environ['lifecycle.why'] = f'415: {kind or "no content type"} is not JSON'
            return answer(start_response, '415 Unsupported Media Type', 'send JSON, with Content-Type: application/json\n')
        # PEP 3333: read no more than CONTENT_LENGTH. A chunked body has none; this server says
        # with wsgi.input_terminated that reading to the end is safe then.
        length = environ.get('CONTENT_LENGTH')
        stream = environ['wsgi.input']
        body = stream.read(int(length)) if length else stream.read() if environ.get('wsgi.input_terminated') else b''
        try:
            data = json.loads(body)
        except ValueError as error:
            environ['lifecycle.why'] = '400: not JSON'
            return answer(start_response, '400 Bad Request', f'that is not JSON: {error}\n')
        if not isinstance(data, dict) or not isinstance(data.get('text'), str):
            environ['lifecycle.why'] = '422: no "text" field'
            return answer(start_response, '422 Unprocessable Content', 'JSON understood, but a note needs {"text": "..."}\n')
        environ['notes.json'] = data
        return inner(environ, start_response)
    return app
