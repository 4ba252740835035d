# Lifespan (the asgiref "lifespan" spec): before the first request the server calls the app once
# more, with a scope of type "lifespan", and sends it lifespan.startup; the app opens what it needs
# (a database pool, a model, a cache), may put it in scope["state"] (every request's scope gets a
# copy of that dict), and answers lifespan.startup.complete, or .startup.failed with a message.
# At the end the server sends lifespan.shutdown and waits for .shutdown.complete.
#
# An app that raises on the lifespan scope (many small apps only know "http") does not support
# lifespan: the server says so in the log and serves it anyway, without those events.
import asyncio

from asgi_cycle import ASGI

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0


class Lifespan:
    def __init__(self, app, loop):
        self.app = app
        self.loop = loop
        self.state = {}
        self.inbox = asyncio.Queue()
        self.replies = asyncio.Queue()
        self.task = None
        self.supported = True
        self.problem = None         # the reason start-up failed, for every request to show

    async def startup(self):
        """('complete' | 'failed' | 'unsupported' | 'timeout', message)."""
        scope = {'type': 'lifespan', 'asgi': ASGI, 'state': self.state}
        self.task = self.loop.create_task(self.main(scope))
        await self.inbox.put({'type': 'lifespan.startup'})
        outcome = await self.reply(STARTUP_TIMEOUT)
        if outcome[0] == 'failed':
            self.problem = outcome[1] or 'lifespan.startup.failed (no message)'
        elif outcome[0] == 'timeout':
            self.problem = f'lifespan start-up did not answer within {STARTUP_TIMEOUT:g} s'
        return outcome

    async def shutdown(self):
        if not self.supported or self.task is None or self.task.done():
            return ('unsupported', '')
        await self.inbox.put({'type': 'lifespan.shutdown'})
        return await self.reply(SHUTDOWN_TIMEOUT)

    async def reply(self, timeout):
        try:
            return await asyncio.wait_for(self.replies.get(), timeout)
        except asyncio.TimeoutError:
            return ('timeout', f'no answer within {timeout:g} s')

    async def main(self, scope):
        try:
            await self.app(scope, self.receive, self.send)
        except BaseException as error:   # noqa: B902 — the app's exception means "no lifespan here"
            if isinstance(error, asyncio.CancelledError):
                raise
            self.supported = False
            await self.replies.put(('unsupported', f'{type(error).__name__}: {error}'))
            return
        if self.replies.empty():
            self.supported = False
            await self.replies.put(('unsupported', 'the app returned on the lifespan scope'))

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message):
        kind = message.get('type', '')
        outcomes = {'lifespan.startup.complete': 'complete', 'lifespan.startup.failed': 'failed',
                    'lifespan.shutdown.complete': 'complete', 'lifespan.shutdown.failed': 'failed'}
        if kind not in outcomes:
            raise RuntimeError(f'a lifespan app sends lifespan.startup.complete/.failed or '
                               f'lifespan.shutdown.complete/.failed, not {kind!r}')
        await self.replies.put((outcomes[kind], message.get('message', '')))

    def cancel(self):
        if self.task is not None and not self.task.done():
            self.task.cancel()
