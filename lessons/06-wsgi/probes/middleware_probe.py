# The middleware step's check, run inside the lab's WSGI server (mounted under /_check/middleware).
# Over HTTP, a middleware that loses exc_info, or collects the inner app's body into one piece,
# looks just like a good one. Called directly, it does not: this app loads add_header from the
# learner's app.py, wraps three small test apps with it, and answers with what it saw, as JSON.
# It needs nothing but the standard library, so it runs the same under the lab's server and Gunicorn.
import importlib.util
import json
import os
import sys
import traceback

HEADERS = [('Content-Type', 'text/plain')]


def app(environ, start_response):
    report = probe(environ)
    body = json.dumps(report).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body))),
                              ('Cache-Control', 'no-store')])
    return [body]


def probe(environ):
    try:
        add_header = load_add_header(environ)
    except Exception:
        return {'found': False, 'error': last_line()}
    if not callable(add_header):
        return {'found': False}
    report = {'found': True}
    for name, test in (('header', header_test), ('excInfo', exc_info_test), ('body', body_test)):
        try:
            report.update(test(add_header, dict(environ, PATH_INFO='/', SCRIPT_NAME='')))
        except Exception:
            report[f'{name}Error'] = last_line()
    return report


def load_add_header(environ):
    """add_header from the learner's app.py, as it is on disk now (a fresh import every time)."""
    workspace = os.environ.get('GT_WORKSPACE') or environ.get('gateway_tutor.workspace', '.')
    path = os.path.join(workspace, 'app.py')
    spec = importlib.util.spec_from_file_location('gateway_tutor_middleware_check', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, 'add_header', None)


class Recorder:
    """A stand-in for the server's start_response that remembers every call."""

    def __init__(self):
        self.calls = []

    def __call__(self, status, headers, exc_info=None):
        self.calls.append((status, list(headers), exc_info))
        return lambda data: None


def simple(env, start):
    """The smallest well-behaved WSGI app. (Not `start(...) or [b'x']`: start_response returns
    write(), which is truthy, so that app would answer with a function instead of a body.)"""
    start('200 OK', list(HEADERS))
    return [b'x']


def run(result):
    """Iterate and close a result as a server does: a middleware written as a generator calls
    nothing, not even the inner app, until it is iterated."""
    try:
        return b''.join(result)
    finally:
        close(result)


def header_test(add_header, environ):
    recorder = Recorder()
    run(add_header(simple)(environ, recorder))
    headers = recorder.calls[-1][1] if recorder.calls else []
    return {'header': next((v for n, v in headers if n.lower() == 'x-middleware'), None)}


def exc_info_test(add_header, environ):
    """An app that starts a 200, then fails and replaces it with a 500, handing exc_info on."""
    def failing(env, start):
        start('200 OK', list(HEADERS))
        try:
            raise ValueError('the test app failed on purpose')
        except ValueError:
            start('500 Internal Server Error', list(HEADERS), sys.exc_info())
        return [b'error page']
    recorder = Recorder()
    run(add_header(failing)(environ, recorder))
    if len(recorder.calls) < 2:
        return {'excInfo': 'not-called'}
    return {'excInfo': 'kept' if recorder.calls[1][2] is not None else 'dropped'}


class Tracked:
    """A body iterable that counts how far it was read and whether close() was called."""

    def __init__(self, chunks):
        self.chunks = list(chunks)
        self.served = 0
        self.closed = False

    def __iter__(self):
        for chunk in self.chunks:
            self.served += 1
            yield chunk

    def close(self):
        self.closed = True


def body_test(add_header, environ):
    inner = Tracked([b'one ', b'two ', b'three'])

    def streaming(env, start):
        start('200 OK', list(HEADERS))
        return inner
    result = add_header(streaming)(environ, Recorder())
    pieces = iter(result)
    first = next(pieces, None)
    streamed = inner.served <= 1          # the first piece came before the rest was read
    rest = list(pieces)
    close(result)
    return {'sameIterable': result is inner, 'streamed': streamed, 'closed': inner.closed,
            'bodyIntact': b''.join([first or b''] + rest) == b'one two three'}


def close(result):
    if hasattr(result, 'close'):
        result.close()


def last_line():
    return traceback.format_exc().strip().splitlines()[-1]
