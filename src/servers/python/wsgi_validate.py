# wsgiref.validate around the learner's app, on every request, at a price a server can pay.
#
# wsgiref.validate.validator(app) checks both halves of the WSGI contract on every call:
#   - the server's half: check_environ(environ), that the environ has every key PEP 3333 lists;
#   - the app's half: the start_response arguments (status, headers, exc_info), the iterable the
#     app returns and the bytes it yields, how it uses wsgi.input, wsgi.errors and write(), close().
# Done as it is written, that costs about 28 µs a request (more than the rest of this server's work
# for a small response): its checks format their error message before they know there is an error,
# and check_environ formats the repr() of the whole environ every time.
#
# This validator is the same function, made of wsgiref.validate's own checks and wrappers (so
# its complaints, and wsgi_explain.py's explanations of them, are the same; its own messages are
# formatted only when a check fails), with two rules:
#   1. The app's half runs on every request. A check that only looks at its arguments gives the
#      same answer for the same arguments, so start_response remembers the (status, headers)
#      pairs that already passed and does not check them again.
#   2. The server's half is checked for the first request each worker runs through the app (after
#      each reload too). It checks this server, not the learner (the environ is built before
#      the app runs, by one function: Worker.environ), and the unit tests check it for many kinds
#      of requests (test_wsgi_server.py, test_environ_passes_wsgiref_check_environ).
#
# wsgiref.validate is also stricter than PEP 3333 in a few places. Those rules do not fail a
# request here: each complaint is advice, put in environ[NOTES] for the worker to log and report
# (labelled as the validator's own rule), and the request goes on as PEP 3333 allows:
#   - wsgi.input.read() without a size: PEP 3333 says "A server should allow read() to be called
#     without an argument, and return the entire remainder of the client's input stream";
#   - a response without Content-Type (or with one on a 204/304): PEP 3333 asks for none;
#   - a header named Status, or a name ending in "-" or "_".
# One more complaint is let through the same way, though PEP 3333 does back it: exc_info passed
# to start_response by keyword. The PEP says "the application must invoke the start_response
# callable using positional arguments"; the lab notes the slip (its label says the PEP asks for
# this too) and passes the three arguments on by position.
from wsgiref.validate import (ErrorWrapper, InputWrapper, IteratorWrapper, WriteWrapper, assert_,
                              bad_header_value_re, check_content_type, check_environ,
                              check_exc_info, check_iterator, check_status, check_string_type,
                              header_re)

REMEMBERED_MAX = 256    # distinct (status, headers) pairs remembered per app
NOTES = 'gateway_tutor.validator_notes'   # environ key: the validator's advice for this request


def validator(application):
    """Like wsgiref.validate.validator(application), with the two rules above."""
    passed = set()                  # (status, headers as a tuple) that passed the checks
    environ_checked = []            # becomes [True] after the first request

    def lint_app(*args, **kw):
        assert_(len(args) == 2, "Two arguments required")
        assert_(not kw, "No keyword arguments allowed")
        environ, start_response = args

        if not environ_checked:                                   # rule 2
            check_environ(environ)
            environ_checked.append(True)

        # We use this to check if the application returns without calling start_response:
        start_response_started = []

        notes = environ.setdefault(NOTES, [])

        def start_response_wrapper(*args, **kw):
            if set(kw) == {'exc_info'} and len(args) == 2:
                notes.append('start_response got exc_info by keyword; PEP 3333 (and so '
                             'wsgiref.validate) wants all three arguments by position')
                args, kw = args + (kw['exc_info'],), {}
            if len(args) not in (2, 3):     # (wsgiref formats this message on every call)
                assert_(False, "Invalid number of arguments: %s" % (args,))
            assert_(not kw, "No keyword arguments allowed")
            status = args[0]
            headers = args[1]
            exc_info = args[2] if len(args) == 3 else None

            key = remembered_key(status, headers)                 # rule 1
            if key is None or key not in passed:
                check_status(status)
                stricter = check_headers(headers) + content_type_advice(status, headers)
                if key is not None and not stricter:
                    if len(passed) >= REMEMBERED_MAX:
                        passed.clear()
                    passed.add(key)
                notes.extend(stricter)
            check_exc_info(exc_info)

            start_response_started.append(None)
            return WriteWrapper(start_response(*args))

        environ['wsgi.input'] = SizelessInputWrapper(environ['wsgi.input'], notes)
        environ['wsgi.errors'] = ErrorWrapper(environ['wsgi.errors'])

        iterator = application(environ, start_response_wrapper)
        assert_(iterator is not None and iterator != False,  # noqa: E712 (as wsgiref has it)
                "The application must return an iterator, if only an empty list")

        check_iterator(iterator)

        return IteratorWrapper(iterator, start_response_started)

    return lint_app


def remembered_key(status, headers):
    """A key for the memory of rule 1, or None when the arguments are not plainly a str and a
    list of (str, str) tuples: those are checked every time (and most of them fail)."""
    if type(status) is not str or type(headers) is not list:
        return None
    for header in headers:
        if type(header) is not tuple or len(header) != 2 \
                or type(header[0]) is not str or type(header[1]) is not str:
            return None
    return status, tuple(headers)


def check_headers(headers):
    """wsgiref.validate.check_headers, with the same complaints, except that its rules beyond
    PEP 3333 (no header named Status, no name ending in "-" or "_") are returned as advice."""
    advice = []
    assert_(type(headers) is list,
            "Headers (%r) must be of type list: %r" % (headers, type(headers)))
    for item in headers:
        assert_(type(item) is tuple,
                "Individual headers (%r) must be of type tuple: %r" % (item, type(item)))
        assert_(len(item) == 2)
        name, value = item
        name = check_string_type(name, "Header name")
        value = check_string_type(value, "Header value")
        if name.lower() == 'status':
            advice.append("The Status header cannot be used; it conflicts with CGI script, and "
                          "HTTP status is not given through headers (value: %r)." % value)
        assert_('\n' not in name and ':' not in name,
                "Header names may not contain ':' or '\\n': %r" % name)
        assert_(header_re.search(name), "Bad header name: %r" % name)
        if name.endswith('-') or name.endswith('_'):
            advice.append("Names may not end in '-' or '_': %r" % name)
        if bad_header_value_re.search(value):
            assert_(0, "Bad header value: %r (bad char: %r)"
                    % (value, bad_header_value_re.search(value).group(0)))
    return advice


def content_type_advice(status, headers):
    """wsgiref wants a Content-Type on every response but a 204 or 304 (body or not), and none on those; PEP 3333
    leaves Content-Type to the application. Advice, then, not a failure."""
    try:
        check_content_type(status, headers)
    except AssertionError as complaint:
        return [str(complaint)]
    return []


class SizelessInputWrapper(InputWrapper):
    """wsgiref.validate's wsgi.input checks, except that read() may be called without a size,
    as PEP 3333 says a server should allow (Gunicorn does). The body is then read to its end,
    whether it came with a Content-Length or chunked."""

    def __init__(self, wsgi_input, notes):
        super().__init__(wsgi_input)
        self.notes = notes

    def read(self, *args):
        if not args or args[0] is None or (isinstance(args[0], int) and args[0] < 0):
            self.notes.append('wsgi.input.read() was called without a size; wsgiref.validate '
                              'wants read(size), but PEP 3333 says a server should allow it, and '
                              'this server (like Gunicorn) reads the body to its end')
            value = self.input.read()
            assert_(type(value) is bytes)
            return value
        return super().read(*args)
