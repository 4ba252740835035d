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
        # TODO (step "hello-json"): answer with JSON, as the step asks.
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return 'TODO: say hello in JSON'

    body = b'not found\n'
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [body]


# TODO (step "middleware"): write a middleware that wraps `app` and adds a header, then:
# app = your_middleware(app)
