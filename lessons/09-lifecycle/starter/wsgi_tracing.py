# How each middleware of wsgi_app.py reports its part of a request's journey: the WSGI version of
# tracing.py. The lab's WSGI server (and Gunicorn, as the lab runs it) puts a function in
# environ["gateway_tutor.trace"] that makes a "hop": it writes trace events (received, passed on,
# answered, answered early) under the request id the reverse proxy gave the request. Traced wraps
# one middleware and does the reporting for it, so the middleware stays an ordinary WSGI one.
#
# Under a server that offers no such function, nothing is reported.
TRACE_KEY = 'gateway_tutor.trace'


class Traced:
    """A middleware, made by make(inner), that reports as hop `name` at `depth`."""

    def __init__(self, name, depth, make, inner):
        self.name, self.depth, self.inner = name, depth, inner
        # The middleware gets pass_on as its "next app": calling it means the request goes on.
        self.layer = make(self.pass_on)

    def pass_on(self, environ, start_response):
        hop = environ.get('lifecycle.hops', {}).get(self.name)
        if hop is not None:
            hop.passed_on()
        return self.inner(environ, start_response)

    def __call__(self, environ, start_response):
        new_hop = environ.get(TRACE_KEY)
        if new_hop is None:
            return self.layer(environ, start_response)
        hop = new_hop(self.name, self.depth)
        hop.received()
        environ.setdefault('lifecycle.hops', {})[self.name] = hop
        statuses = []

        def start_seen(status, headers, exc_info=None):
            statuses.append(int(status.split(' ', 1)[0]))
            return start_response(status, headers, exc_info)

        try:
            # A WSGI layer has done its part when it returns its iterable; the server sends the
            # body after that. These layers return lists, so this is the end of their work.
            return self.layer(environ, start_seen)
        finally:
            # A middleware that answers by itself says why in environ["lifecycle.why"], for this
            # wrapper outside it to read.
            hop.answered(statuses[-1] if statuses else None,
                         None if hop.passed else environ.pop('lifecycle.why', None))


def chain(handler, layers):
    """handler wrapped in layers, outermost first: [(name, make), ...]. The WSGI server is hop 1,
    so the outermost middleware is hop 2 and the handler itself comes last."""
    app = Traced('handler', 2 + len(layers), lambda _inner: handler, None)
    for depth, (name, make) in reversed(list(enumerate(layers, start=2))):
        app = Traced(name, depth, make, app)
    return app
