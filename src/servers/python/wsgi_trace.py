# What a WSGI server reports about one request besides its request event: its hop of the request's
# journey (gt_trace.py), and, when the lab asks for it (--report-environ), a summary of the environ
# the server built for the app (taken before wsgi_validate.py, when it runs, wraps wsgi.input and
# wsgi.errors). Used by our pre-fork server (wsgi_worker.py) and by Gunicorn's hooks
# (wsgi_gunicorn.py), so both report the same way.
#
# A request without the proxy's X-Request-Id costs one dict lookup here: no hop, no events.
# The app's middleware finds the way to report hops of its own in the environ, under a key with
# the server's prefix, as PEP 3333 asks of server extensions:
#
#     new_hop = environ.get('gateway_tutor.trace')     # None when the request is not traced
#     hop = new_hop('auth', 3) …
from gt_trace import Hop

TRACE_KEY = 'gateway_tutor.trace'

# The keys PEP 3333 defines (the CGI ones and wsgi.*), and the two CGI ones this lab adds.
ENVIRON_KEYS = ('REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE',
                'CONTENT_LENGTH', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'SERVER_SOFTWARE',
                'REMOTE_ADDR', 'REMOTE_PORT', 'wsgi.version', 'wsgi.url_scheme', 'wsgi.input',
                'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
                'wsgi.input_terminated', 'wsgi.file_wrapper')
MAX_VALUE = 200        # characters of one value
MAX_KEY = 100          # characters of one HTTP_* key (a header name can be long too)
MAX_HEADERS = 40       # HTTP_* keys


class Observed:
    """One traced (or summarised) request: the server's hop, and the environ as it was given."""

    def __init__(self, hop, summary):
        self.hop, self.summary = hop, summary

    def finish(self, event, status, error=None, aborted=False):
        """Add the environ summary to the request event; say the answer went back out."""
        if self.summary is not None:
            event['environ'] = self.summary
        if self.hop is not None:
            # The app's answer, the server's own (a 500 for an app that raised), or none at all.
            why = ('the client left before the answer' if aborted and status is None
                   else f'{status}: {error}' if error and status is not None else None)
            self.hop.answered(status, why)


def observe(environ, emit, hop_name, report_environ=False):
    """Called once environ is built, just before the app. Returns an Observed, or None when
    there is nothing to report (no X-Request-Id, no --report-environ)."""
    request_id = environ.get('HTTP_X_REQUEST_ID')
    if request_id is None and not report_environ:
        return None
    summary = environ_summary(environ) if report_environ else None
    hop = None
    if request_id is not None:
        # This server is hop 1, behind the reverse proxy; the app's middleware come after it.
        hop = Hop(emit, request_id, hop_name, 1)
        environ[TRACE_KEY] = lambda name, depth: Hop(emit, request_id, name, depth)
        hop.received()
        hop.passed_on()          # the app is called right after this
    return Observed(hop, summary)


def environ_summary(environ):
    """The environ as JSON can carry it: text and numbers as they are, objects (wsgi.input,
    wsgi.errors) as a short repr, every value cut to MAX_VALUE characters."""
    summary = {}
    for key in ENVIRON_KEYS:
        if key in environ:
            summary[key] = json_safe(environ[key])
    headers = sorted(key for key in environ if key.startswith('HTTP_'))
    for key in headers[:MAX_HEADERS]:
        summary[key if len(key) <= MAX_KEY else key[:MAX_KEY - 1] + '…'] = json_safe(environ[key])
    if len(headers) > MAX_HEADERS:
        summary['…'] = f'{len(headers) - MAX_HEADERS} more HTTP_* keys left out'
    for key in environ:
        if key.startswith('gateway_tutor.'):
            summary[key] = json_safe(environ[key])
    return summary


def json_safe(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return list(value)                       # wsgi.version (1, 0)
    text = value if isinstance(value, str) else short_repr(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + '…'


def short_repr(value):
    """<Body object> rather than <wsgi_http.Body object at 0x7f…>: what it is, not where."""
    kind = type(value)
    if callable(value) and not hasattr(value, 'read'):
        name = getattr(value, '__qualname__', kind.__qualname__)
        return f'<{name}>'
    return f'<{kind.__module__}.{kind.__qualname__} object>'
