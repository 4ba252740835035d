# Your WSGI application. The lab's server imports this file and calls `app` once per request:
#
#     app(environ, start_response) -> an iterable of bytes
#
# `environ` is a dict describing the request (CGI-style keys such as PATH_INFO, plus wsgi.* keys).
# `start_response(status, headers)` sets the status line and the headers; the bytes you return
# are the body. Save the file and the server reloads it: no restart needed.
import json
import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    path = environ['PATH_INFO']

    if path == '/':
        body = f'Hello from worker {os.getpid()}\n'.encode('utf-8')
        start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                                  ('Content-Length', str(len(body)))])
        return [body]

    if path == '/environ':
        # Every key of environ, one per line, as the server built it for this request.
        lines = [f'{key} = {value!r}' for key, value in sorted(environ.items())]
        body = ('\n'.join(lines) + '\n').encode('utf-8')
        start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8')])
        return [body]

    if path == '/slow':
        # A slow request: this worker serves no other request for a second.
        time.sleep(1)
        body = f'slept 1s in worker {os.getpid()}\n'.encode('utf-8')
        start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8')])
        return [body]

    if path == '/hello':
        # QUERY_STRING is the raw text after "?"; parse_qs turns it into {'name': ['Ada']}.
        query = parse_qs(environ['QUERY_STRING'])
        name = query.get('name', ['world'])[0]
        body = json.dumps({'hello': name}).encode('utf-8')
        start_response('200 OK', [('Content-Type', 'application/json'),
                                  ('Cache-Control', 'no-store'),
                                  ('Content-Length', str(len(body)))])
        return [body]

    body = b'not found\n'
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [body]


def add_header(inner):
    """Middleware: an app that calls an app. It changes the response on its way out by handing
    the inner app its own start_response, which adds a header and calls the server's."""
    def middleware(environ, start_response):
        def start_with_header(status, headers, exc_info=None):
            return start_response(status, headers + [('X-Middleware', 'wsgi-tutor')], exc_info)
        return inner(environ, start_with_header)
    return middleware


app = add_header(app)
