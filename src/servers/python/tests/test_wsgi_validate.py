# wsgi_validate.validator is wsgiref.validate.validator at a lower price (see its header): these
# tests make sure the price cut never hides a complaint wsgiref would make.
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wsgi_explain import advice  # noqa: E402
from wsgi_validate import NOTES, REMEMBERED_MAX, validator  # noqa: E402


def environ():
    return {'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/', 'QUERY_STRING': '',
            'SERVER_NAME': '127.0.0.1', 'SERVER_PORT': '80', 'SERVER_PROTOCOL': 'HTTP/1.1',
            'wsgi.version': (1, 0), 'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(),
            'wsgi.errors': sys.stderr, 'wsgi.multithread': False, 'wsgi.multiprocess': True,
            'wsgi.run_once': False}


def app_answering(status, headers):
    def app(environ, start_response):
        start_response(status, headers)
        return [b'body']
    return app


def run(app, env=None):
    result = app(env or environ(), lambda status, headers, exc_info=None: None)
    try:
        return b''.join(result)
    finally:
        result.close()


class Text(str):
    """A str subclass: equal to a str, but not a str for wsgiref ("must be of type str")."""


class ValidatorTest(unittest.TestCase):
    def test_only_pep_3333s_own_rules_fail_a_request(self):
        # wsgiref.validate refuses read() without a size and a response without Content-Type;
        # PEP 3333 allows both. Here they pass, each with a note for the lab log.
        def app(environ, start_response):
            body = environ['wsgi.input'].read()
            start_response('200 OK', [], exc_info=None)
            return [body]
        env = environ()
        env['wsgi.input'] = io.BytesIO(b'the whole body')
        self.assertEqual(run(validator(app), env), b'the whole body')
        notes = ' | '.join(env[NOTES])
        for note in ('read() was called without a size', 'No Content-Type header found', 'exc_info by keyword'):
            self.assertIn(note, notes)

    def test_exc_info_by_keyword_is_not_called_a_rule_beyond_pep_3333(self):
        # PEP 3333: "the application must invoke the start_response callable using positional
        # arguments". The lab lets it pass, but must not label it wsgiref.validate's own rule.
        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')], exc_info=None)
            return [b'ok']
        env = environ()
        run(validator(app), env)
        [note] = [n for n in env[NOTES] if 'exc_info by keyword' in n]
        self.assertIn('PEP 3333 itself', advice(note))
        self.assertNotIn('stricter than PEP 3333', advice(note))
        self.assertIn('stricter than PEP 3333', advice('No Content-Type header found'))

    def test_the_same_good_response_passes_again_and_again(self):
        app = validator(app_answering('200 OK', [('Content-Type', 'text/plain')]))
        for _ in range(3):
            self.assertEqual(run(app), b'body')

    def test_a_bad_response_is_reported_every_time(self):
        app = validator(app_answering('200 OK', [('Content-Type', 'text/plain\nX: y')]))
        for _ in range(3):
            with self.assertRaisesRegex(AssertionError, 'Bad header value'):
                run(app)

    def test_remembering_a_good_response_does_not_hide_a_look_alike(self):
        headers = [('Content-Type', 'text/plain')]
        responses = iter([('200 OK', headers), (Text('200 OK'), headers),
                          ('200 OK', [(Text('Content-Type'), 'text/plain')]),
                          ('200 OK', [['Content-Type', 'text/plain']]), ('200 OK', tuple(headers))])

        def app(environ, start_response):
            start_response(*next(responses))
            return [b'body']
        app = validator(app)
        run(app)
        for complaint in ('Status must be of type str', 'Header name must be of type str',
                          'Individual headers', 'must be of type list'):
            with self.assertRaisesRegex(AssertionError, complaint):
                run(app)

    def test_the_memory_stays_small(self):
        lengths = iter(range(3 * REMEMBERED_MAX))

        def app(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(next(lengths)))])
            return [b'']
        app = validator(app)
        for _ in range(3 * REMEMBERED_MAX):
            run(app)
        passed = app.__closure__[[c.cell_contents.__class__ for c in app.__closure__].index(set)].cell_contents
        self.assertLessEqual(len(passed), REMEMBERED_MAX)

    def test_the_environ_is_checked_on_the_first_request(self):
        app = validator(app_answering('200 OK', [('Content-Type', 'text/plain')]))
        bad = environ()
        del bad['SERVER_PORT']
        with self.assertRaisesRegex(AssertionError, 'SERVER_PORT'):
            run(app, bad)

    def test_the_app_half_is_wsgiref_s(self):
        def returns_str(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return 'a str'
        with self.assertRaisesRegex(AssertionError, 'You should not return a string'):
            run(validator(returns_str))

        def no_start_response(environ, start_response):
            return [b'x']
        with self.assertRaisesRegex(AssertionError, 'start_response has not yet been called'):
            run(validator(no_start_response))


if __name__ == '__main__':
    unittest.main()
