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
from wsgiref.validate import (ErrorWrapper, InputWrapper, IteratorWrapper, WriteWrapper, assert_,
                              check_content_type, check_environ, check_exc_info, check_headers,
                              check_iterator, check_status)

REMEMBERED_MAX = 256    # distinct (status, headers) pairs remembered per app


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

        def start_response_wrapper(*args, **kw):
            if len(args) not in (2, 3):     # (wsgiref formats this message on every call)
                assert_(False, "Invalid number of arguments: %s" % (args,))
            assert_(not kw, "No keyword arguments allowed")
            status = args[0]
            headers = args[1]
            exc_info = args[2] if len(args) == 3 else None

            key = remembered_key(status, headers)                 # rule 1
            if key is None or key not in passed:
                check_status(status)
                check_headers(headers)
                check_content_type(status, headers)
                if key is not None:
                    if len(passed) >= REMEMBERED_MAX:
                        passed.clear()
                    passed.add(key)
            check_exc_info(exc_info)

            start_response_started.append(None)
            return WriteWrapper(start_response(*args))

        environ['wsgi.input'] = InputWrapper(environ['wsgi.input'])
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
