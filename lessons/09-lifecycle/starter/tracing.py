# How each middleware of app.py reports its part of a request's journey. The lab's ASGI server
# offers, in scope["extensions"]["gateway-tutor.trace"], a function that makes a "hop": it writes
# trace events (received, passed on, answered, answered early) under the request id the reverse
# proxy gave the request. Traced wraps one middleware and does the reporting for it, so the
# middleware itself stays an ordinary ASGI middleware.
#
# The lab's Uvicorn engine (GATEWAY_TUTOR_ASGI_ENGINE=uvicorn) adds the same extension, so the
# middleware is traced there too. Under a server that does not offer it (Uvicorn run by hand, say)
# the extension is not there and nothing is reported.
EXTENSION = 'gateway-tutor.trace'


class Traced:
    """A middleware, made by make(inner), that reports as hop `name` at `depth`."""

    def __init__(self, name, depth, make, inner):
        self.name, self.depth, self.inner = name, depth, inner
        # The middleware gets pass_on as its "next app": calling it means the request goes on.
        self.layer = make(self.pass_on)

    async def pass_on(self, scope, receive, send):
        hop = scope.get('lifecycle.hops', {}).get(self.name)
        if hop is not None:
            hop.passed_on()
        await self.inner(scope, receive, send)

    async def __call__(self, scope, receive, send):
        new_hop = scope.get('extensions', {}).get(EXTENSION, {}).get('hop')
        if scope['type'] != 'http' or new_hop is None:
            return await self.layer(scope, receive, send)
        hop = new_hop(self.name, self.depth)
        hop.received()
        scope.setdefault('lifecycle.hops', {})[self.name] = hop
        status = None

        async def send_seen(message):
            nonlocal status
            if message['type'] == 'http.response.start':
                status = message['status']
            await send(message)

        try:
            await self.layer(scope, receive, send_seen)
        finally:
            # A middleware that answers by itself says why in scope["lifecycle.why"]: the one key
            # it sets on the scope it was given, on purpose, for this wrapper outside it to read.
            hop.answered(status, None if hop.passed else scope.pop('lifecycle.why', None))


def chain(handler, layers):
    """handler wrapped in layers, outermost first: [(name, make), ...]. The ASGI server is hop 1,
    so the outermost middleware is hop 2 and the handler itself comes last."""
    app = Traced('handler', 2 + len(layers), lambda _inner: handler, None)
    for depth, (name, make) in reversed(list(enumerate(layers, start=2))):
        app = Traced(name, depth, make, app)
    return app
