# The same lab, served by Uvicorn: `asgi_server.py --engine uvicorn` (or the environment variable
# GATEWAY_TUTOR_ASGI_ENGINE=uvicorn) runs the learner's app in Uvicorn's own HTTP and WebSocket
# code. A thin ASGI app in front of it (LabApp) does what the lab's own server does around the
# app: load app.py again on save, run its lifespan (and carry scope["state"], which older Uvicorns
# do not), explain a WSGI app or a plain def, watch the event loop for stalls, and report every
# request and WebSocket with the same events (asgi-events.ts), marked engine "uvicorn". A request
# that came through the lab's reverse proxy is traced too (gt_trace.py), as hop "uvicorn", and the
# app's middleware gets scope["extensions"]["gateway-tutor.trace"] as under the lab's server.
import asyncio
import os
import sys
import threading
import time

from asgi_cycle import AppProblem
from asgi_report import MessageLog, epoch_ms, message_event, ms, pairs, scope_summary, text
from asgi_server import AsgiServer
from asgi_watchdog import Watchdog
from gt_trace import EXTENSION, hop_factory, trace_handshake


class Recorder:
    """One request or WebSocket under Uvicorn: passes events through, and notes what it sees."""

    def __init__(self, core, scope, receive, send):
        self.core, self.scope, self._receive, self._send = core, scope, receive, send
        client = scope.get('client') or ('127.0.0.1', 0)
        self.conn = client[1]                     # Uvicorn has no connection number: the port is one
        self.remote = f'{client[0]}:{client[1]}'
        query = scope.get('query_string', b'')
        self.target = text(scope.get('raw_path') or scope['path'].encode()) + ('?' + text(query) if query else '')
        self.started = time.time()
        self.stalled_ms = 0
        self.error = None
        self.hop = None                           # this request's hop of its journey, if traced

    def stall_info(self):
        return {'conn': self.conn, 'method': self.scope.get('method', 'GET'), 'target': self.target,
                'websocket': self.scope['type'] == 'websocket'}

    async def call_app(self, app):
        # The watchdog (asgi_watchdog.py) finds this frame on the stack when the loop stalls.
        if self.hop:
            self.hop.passed_on()
        try:
            await app(self.scope, self.receive, self.send)
        except Exception as error:
            self.error = f'{type(error).__name__}: {error}'
            raise                                  # Uvicorn answers 500 (or closes) and logs it
        finally:
            self.finish()

    def base_event(self, status, response_headers):
        ended = time.time()
        return {
            'event': 'request', 'conn': self.conn, 'remote': self.remote, 'method': self.scope.get('method', 'GET'),
            'target': self.target, 'httpVersion': self.scope.get('http_version', '1.1'),
            'headers': pairs(self.scope['headers']), 'status': status, 'responseHeaders': pairs(response_headers),
            'durationMs': ms(ended - self.started), 'start': epoch_ms(self.started), 'end': epoch_ms(ended),
            'scope': scope_summary(self.scope), 'engine': 'uvicorn',
            **({'error': self.error} if self.error else {}),
        }


class HttpRecorder(Recorder):
    def __init__(self, *args):
        super().__init__(*args)
        self.status, self.headers = None, []
        self.received = self.bytes_sent = self.body_events = 0
        self.first_body_ms, self.complete, self.disconnected = None, False, False
        self.message_log = MessageLog()
        new_hop = hop_factory(self.core.events.add, self.scope['headers'])
        if new_hop:
            # Uvicorn's own extensions stay; the lab's way to report hops is added beside them.
            extensions = dict(self.scope.get('extensions') or {}, **{EXTENSION: {'hop': new_hop}})
            self.scope = dict(self.scope, extensions=extensions)
            self.hop = new_hop('uvicorn', 1)
            self.hop.received()

    async def receive(self):
        message = self.message_log.received(await self._receive())
        if message['type'] == 'http.request':
            self.received += len(message.get('body', b''))
        elif message['type'] == 'http.disconnect':
            self.disconnected = True
        return message

    async def send(self, message):
        self.message_log.sent(message)
        if message.get('type') == 'http.response.start':
            self.status, self.headers = message.get('status'), list(message.get('headers', []))
        elif message.get('type') == 'http.response.body':
            body = message.get('body', b'')
            if body:
                self.body_events += 1
                self.bytes_sent += len(body)
                if self.first_body_ms is None:
                    self.first_body_ms = ms(time.time() - self.started)
            self.complete = not message.get('more_body', False)
        await self._send(message)

    def finish(self):
        self.stalled_ms += self.core.watchdog.ongoing(self) if self.core.watchdog else 0
        status = self.status if self.status is not None or not self.error else 500
        event = self.base_event(status, self.headers)
        if self.hop:    # the app's answer, Uvicorn's own 500 for an app that raised, or none
            gone = self.disconnected and self.status is None
            self.hop.answered(status, 'the client left before the answer' if gone
                              else f'{status}: {self.error}' if self.error else None)
        event.update(bytes=self.bytes_sent, requestBytes=self.received, bodyEvents=self.body_events,
                     firstBodyMs=self.first_body_ms, stalledMs=self.stalled_ms,
                     aborted=self.disconnected and not self.complete, **self.message_log.fields())
        self.core.events.add(event)


class WsRecorder(Recorder):
    def __init__(self, *args):
        super().__init__(*args)
        self.status, self.subprotocol = None, None
        self.messages_in = self.messages_out = 0
        self.close_code, self.close_reason, self.closed_by = None, '', None

    async def receive(self):
        message = await self._receive()
        kind = message['type']
        if kind == 'websocket.receive':
            self.messages_in += 1
            data = message.get('text') if message.get('text') is not None else message.get('bytes', b'')
            self.report('in', 'text' if isinstance(data, str) else 'binary', data)
        elif kind == 'websocket.disconnect' and self.close_code is None:
            self.close_code, self.closed_by = message.get('code', 1000), 'client'
        return message

    async def send(self, message):
        kind = message.get('type')
        if kind == 'websocket.accept':
            self.status, self.subprotocol = 101, message.get('subprotocol')
            self.core.events.add(dict(self.base_event(101, []), websocket=True, subprotocol=self.subprotocol))
            trace_handshake(self.core.events.add, self.scope['headers'], 101, time.time() - self.started, 'uvicorn')
        elif kind == 'websocket.send':
            self.messages_out += 1
            data = message.get('text') if message.get('text') is not None else message.get('bytes', b'')
            self.report('out', 'text' if isinstance(data, str) else 'binary', data)
        elif kind == 'websocket.close':
            if self.status is None:
                self.status = 403
                self.core.events.add(dict(self.base_event(403, []), websocket=True))
                trace_handshake(self.core.events.add, self.scope['headers'], 403, time.time() - self.started,
                                'uvicorn')
            elif self.close_code is None:
                self.close_code, self.close_reason = message.get('code', 1000), message.get('reason') or ''
                self.closed_by = 'server'
        await self._send(message)

    def report(self, direction, kind, data):
        self.core.events.add(message_event(self.conn, self.scope['path'], direction, kind, data))

    def finish(self):
        ended = time.time()
        self.core.events.add({
            'event': 'websocket', 'conn': self.conn, 'remote': self.remote, 'path': self.scope['path'],
            'target': self.target, 'status': self.status, 'accepted': self.status == 101,
            'subprotocol': self.subprotocol, 'messagesIn': self.messages_in, 'messagesOut': self.messages_out,
            'closeCode': self.close_code if self.close_code is not None else (1000 if self.status == 101 else None),
            'closeReason': self.close_reason, 'closedBy': self.closed_by or ('server' if self.status == 101 else None),
            'durationMs': ms(ended - self.started), 'start': epoch_ms(self.started), 'end': epoch_ms(ended),
            'stalledMs': self.stalled_ms, 'engine': 'uvicorn', **({'error': self.error} if self.error else {}),
        })


class LabApp:
    """The ASGI app Uvicorn runs: the learner's app inside, the lab's reports around it."""

    def __init__(self, lab, config):
        self.lab, self.config = lab, config
        self.core = None

    async def __call__(self, scope, receive, send):
        if scope['type'] == 'lifespan':
            return await self.lifespan(receive, send)
        try:
            app = await self.core.get_app()
        except AppProblem as problem:
            return await self.refuse(scope, send, problem)
        scope = dict(scope, state=dict(self.core.state))
        recorder = (HttpRecorder if scope['type'] == 'http' else WsRecorder)(self.core, scope, receive, send)
        await recorder.call_app(app)

    async def refuse(self, scope, send, problem):
        if scope['type'] == 'websocket':
            return await send({'type': 'websocket.close', 'code': 1011})
        body = problem.text.encode('utf-8', 'replace')
        await send({'type': 'http.response.start', 'status': problem.status,
                    'headers': [(b'content-type', b'text/plain; charset=utf-8')]})
        await send({'type': 'http.response.body', 'body': body})

    async def lifespan(self, receive, send):
        await receive()                                   # lifespan.startup
        loop = asyncio.get_running_loop()
        self.core = core = AsgiServer(self.lab, self.config, loop)
        await core.reload(first=True)
        core.watchdog = Watchdog(loop, self.config.workspace, core.record_stall,
                                 [Recorder.call_app.__code__], starved=core.record_starved)
        watcher = loop.create_task(core.watch_file())
        await send({'type': 'lifespan.startup.complete'})
        await receive()                                   # lifespan.shutdown
        watcher.cancel()
        if core.lifespan is not None:
            outcome, message = await core.lifespan.shutdown()
            core.report_lifespan('shutdown', outcome, message)
        core.events.flush()
        await send({'type': 'lifespan.shutdown.complete'})


def run_uvicorn(lab, config):
    try:
        import uvicorn
    except ImportError:
        lab.log(f'Uvicorn is not installed for {sys.executable}: pip install uvicorn '
                '(or apt-get install python3-uvicorn and PYTHON=/usr/bin/python3)')
        sys.exit(3)
    listener = lab.listen(config.port, backlog=1024)   # a taken port exits 98, as for every lab server
    port = listener.getsockname()[1]

    class LabUvicorn(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.should_exit:
                return
            lab.log(f'[uvicorn {os.getpid()}] serving {config.app} from {config.workspace} '
                    f'on http://127.0.0.1:{port} (Uvicorn {uvicorn.__version__})')
            lab.watch_stdin(on_eof=self.tutor_gone)
            app.core.events.flush()
            lab.ready(pid=os.getpid(), port=port, engine='uvicorn')

        def tutor_gone(self):
            threading.Timer(2.0, lambda: os._exit(0)).start()
            self.should_exit = True

    app = LabApp(lab, config)
    settings = uvicorn.Config(app, lifespan='on', log_level='warning', access_log=False,
                              timeout_keep_alive=int(config.keepalive), ws_max_size=config.ws_max_message)
    LabUvicorn(settings).run(sockets=[listener])
