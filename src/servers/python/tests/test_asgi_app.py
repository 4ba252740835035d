# The ASGI lab server and the learner's app.py: lifespan (complete, failed, unsupported), reload on
# save, and plain explanations when app.py holds a WSGI app or a plain def.
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asgilab import asgi_server  # noqa: E402
from labserver import pid_alive, split_response, wait_for  # noqa: E402

HELLO = r'''
async def app(scope, receive, send):
    assert scope['type'] == 'http'
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': b'%s'})
'''

FAILING_STARTUP = r'''
async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        await receive()
        await send({'type': 'lifespan.startup.failed', 'message': 'no database at db.test'})
        return
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': b'served'})
'''

WSGI = r'''
def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'wsgi']
'''

SYNC = r'''
def app(scope, receive, send):
    pass
'''


def save(server, source):
    """Write app.py so that its modification time surely changes."""
    path = os.path.join(server.workspace, 'app.py')
    before = os.stat(path).st_mtime_ns
    server.write_app(source)
    os.utime(path, ns=(before + 10**9, before + 10**9))


class AsgiAppTest(unittest.TestCase):
    def test_app_without_lifespan_is_served_and_reloaded_on_save(self):
        server = asgi_server(HELLO % 'one')
        try:
            lifespan = server.wait_event(lambda e: e['event'] == 'lifespan')
            self.assertEqual(lifespan['outcome'], 'unsupported')
            self.assertTrue(any('not supported' in line for line in server.log))
            self.assertEqual(split_response(server.get('/'))[2], b'one')
            save(server, HELLO % 'two')
            self.assertEqual(split_response(server.get('/'))[2], b'two')
        finally:
            server.stop()

    def test_a_save_to_a_module_beside_app_py_reloads_it(self):
        # The lifecycle app imports middleware.py: an edit there must reach the next request.
        app = ('import words\n\nasync def app(scope, receive, send):\n'
               '    if scope["type"] != "http": return\n'
               '    await send({"type": "http.response.start", "status": 200, "headers": []})\n'
               '    await send({"type": "http.response.body", "body": words.WORD.encode()})\n')
        server = asgi_server(app, files={'words.py': 'WORD = "one"\n'})
        try:
            self.assertEqual(split_response(server.get('/'))[2], b'one')
            path = os.path.join(server.workspace, 'words.py')
            before = os.stat(path).st_mtime_ns
            server.write_app('WORD = "two"\n', name='words.py')
            os.utime(path, ns=(before + 10**9, before + 10**9))
            self.assertEqual(split_response(server.get('/'))[2], b'two')
            wait_for(lambda: any('(words.py changed)' in line for line in server.log))
        finally:
            server.stop()

    def test_startup_failed_is_reported_and_explained(self):
        server = asgi_server(FAILING_STARTUP)
        try:
            event = server.wait_event(lambda e: e['event'] == 'lifespan')
            self.assertEqual((event['outcome'], event['message']), ('failed', 'no database at db.test'))
            wait_for(lambda: any('FAILED: no database at db.test' in line for line in server.log))
            status, _, body = split_response(server.get('/'))
            self.assertEqual(status, 503)
            self.assertIn(b'no database at db.test', body)
        finally:
            server.stop()

    def test_wsgi_app_and_plain_def_are_explained(self):
        server = asgi_server(WSGI)
        try:
            status, _, body = split_response(server.get('/'))
            self.assertEqual(status, 500)
            self.assertIn(b'is a WSGI application', body)
            save(server, SYNC)
            status, _, body = split_response(server.get('/'))
            self.assertEqual(status, 500)
            self.assertIn(b'not "async def"', body)
            save(server, 'def broken(:')
            status, _, body = split_response(server.get('/'))
            self.assertIn(b'SyntaxError', body)
            save(server, HELLO % 'fixed')
            self.assertEqual(split_response(server.get('/'))[2], b'fixed')
        finally:
            server.stop()

    def test_stdin_eof_ends_the_server(self):
        server = asgi_server(HELLO % 'x')
        try:
            # The tutor killed outright: the server's stdin ends, and that alone must stop it.
            server.process.kill()
            server.process.wait()
            wait_for(lambda: not pid_alive(server.pid), what='the server to exit')
        finally:
            server.stop()


if __name__ == '__main__':
    unittest.main()
