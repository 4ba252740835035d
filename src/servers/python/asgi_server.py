# An ASGI server for gateway-tutor labs, in standard-library Python (3.9+) on asyncio: one process,
# one thread, one event loop serving every connection at once. It runs the learner's
# <workspace>/app.py (`--app app:app`), reloads it on save, runs its lifespan, speaks HTTP/1.1 and
# WebSockets, and reports every request to the tutor (docs/lab-servers.md).
#
#   python3 asgi_server.py [--app app:app] [--workspace DIR] [--port N] [--engine lab|uvicorn]
#
# Port and workspace default to GT_PORT and GT_WORKSPACE; events go to GT_EVENTS_FD; the server
# exits when stdin reaches end of file. GATEWAY_TUTOR_ASGI_ENGINE=uvicorn runs the same app under
# Uvicorn instead (asgi_uvicorn.py). The files, in the order a request meets them:
#   asgi_http.py (connection) → asgi_head.py, asgi_body.py (parsing) → asgi_cycle.py (scope,
#   receive, send) or asgi_websocket.py + asgi_frames.py; asgi_loader.py, asgi_lifespan.py,
#   asgi_watchdog.py (the stall report) and asgi_report.py (the events) around them.
import argparse
import asyncio
import os
import signal
import sys
import threading
import time
from email.utils import formatdate

import gt_lab
from asgi_cycle import AppProblem, HttpCycle
from asgi_event import http_event_line
from asgi_http import HttpConnection
from asgi_lifespan import Lifespan
from asgi_loader import AppFile
from asgi_report import EventWriter, handshake_event, http_event, message_event, refused_event, websocket_event
from asgi_watchdog import Watchdog
from gt_trace import trace_handshake
from asgi_websocket import WebSocketSession

RELOAD_POLL = 0.3       # seconds between looks at app.py's modification time


class AsgiServer:
    def __init__(self, lab, config, loop):
        self.lab = lab
        self.config = config
        self.loop = loop
        self.events = EventWriter(lab)
        self.connections = set()
        self.conn_count = 0
        self.app_file = AppFile(config.workspace, config.app)
        self.lifespan = None
        self.state = {}                 # what the lifespan start-up stored; copied into each scope
        self.reload_lock = asyncio.Lock()
        self.date_cache = (0, b'')
        self.watchdog = None
        self.looked_this_turn = False   # get_app looked at app.py in this turn of the loop

    def next_conn(self):
        self.conn_count += 1
        return self.conn_count

    def date(self):
        now = int(time.time())
        if now != self.date_cache[0]:
            self.date_cache = (now, formatdate(now, usegmt=True).encode())
        return self.date_cache[1]

    def log(self, message):
        self.lab.log(message)

    # -- the app ----------------------------------------------------------------------------
    async def get_app(self):
        """The app to call for a request: loaded again first if app.py (or a .py file beside it) changed.
        The files are looked at (a stat call each) once per turn of the loop, not once per request:
        a request sent after a save reaches the loop after it, so the look made in its turn, which
        comes after the loop found the request, sees the save."""
        if not self.looked_this_turn:
            self.looked_this_turn = True
            self.loop.call_soon(self.look_again)
            if self.app_file.changed():
                await self.reload()
        if self.app_file.problem:
            raise self.app_file.problem
        if self.lifespan is not None and self.lifespan.problem:
            problem = self.lifespan.problem
            raise AppProblem(503, f'lifespan start-up failed: {problem}',
                             f'The app reported that its start-up failed: {problem}\n'
                             'It gets no requests until app.py is fixed and saved.')
        return self.app_file.app

    def look_again(self):
        self.looked_this_turn = False

    async def reload(self, first=False):
        async with self.reload_lock:
            if not first and not self.app_file.changed():
                return          # another request reloaded it while we waited
            if self.lifespan is not None:
                outcome, message = await self.lifespan.shutdown()
                self.report_lifespan('shutdown', outcome, message)
                self.lifespan.cancel()
                self.lifespan = None
            changed = ', '.join(self.app_file.changed_files()) or 'app.py'
            self.app_file.load()
            problem = self.app_file.problem
            self.events.add({'event': 'reload', 'app': self.config.app, 'first': first,
                           'ok': problem is None, **({'error': problem.summary} if problem else {})})
            if problem:
                self.log(f'{problem.summary}\n{problem.text}')
                self.state = {}
                return
            if not first:
                self.log(f'reloaded {self.config.app} ({changed} changed)')
            self.lifespan = Lifespan(self.app_file.app, self.loop)
            outcome, message = await self.lifespan.startup()
            self.report_lifespan('startup', outcome, message)
            self.state = self.lifespan.state

    def report_lifespan(self, phase, outcome, message):
        self.events.add({'event': 'lifespan', 'phase': phase, 'outcome': outcome, 'message': message,
                       'stateKeys': sorted(str(k) for k in self.lifespan.state)})
        if outcome == 'unsupported' and phase == 'startup':
            self.log(f'lifespan: not supported by the app ({message}); serving it without start-up and shut-down')
        elif outcome == 'failed':
            self.log(f'lifespan {phase} FAILED: {message}')
        elif outcome == 'timeout':
            self.log(f'lifespan {phase}: {message}')
        elif outcome == 'complete':
            keys = ', '.join(sorted(str(k) for k in self.lifespan.state)) or 'nothing'
            self.log(f'lifespan {phase} complete' + (f' (state: {keys})' if phase == 'startup' else ''))

    async def sweep(self):
        """Close connections whose deadline passed: a head never finished, or idle too long."""
        every = max(0.05, min(0.5, self.config.head_timeout / 4, self.config.keepalive / 4))
        while True:
            await asyncio.sleep(every)
            now = self.loop.time()
            for conn in [c for c in self.connections if c.deadline is not None and c.deadline <= now]:
                conn.timed_out()

    async def watch_file(self):
        while True:
            await asyncio.sleep(RELOAD_POLL)
            if self.app_file.changed():
                await self.reload()

    # -- reports ----------------------------------------------------------------------------
    def record_request(self, cycle):
        if self.watchdog is not None:
            cycle.stalled_ms += self.watchdog.ongoing(cycle)
        cycle.ended = time.time()
        cycle.stalled_at_end = cycle.stalled_ms      # later stall reports must not count twice
        try:
            line = http_event_line(cycle)           # the common case, written by hand (asgi_event.py)
        except Exception:       # an app that put odd things in its scope (bytes for a path, say)
            line = None
        self.events.add(line or http_event(cycle))

    def record_refused(self, conn, error, data, head):
        self.events.add(refused_event(conn, error, data, head))

    def record_handshake(self, session):
        self.events.add(handshake_event(session))
        # Its part of the journey, when the request came through the proxy (gt_trace.py).
        trace_handshake(self.events.add, session.head.headers, session.status, time.time() - session.started)

    def record_websocket(self, session):
        self.events.add(websocket_event(session))

    def record_ws_message(self, session, direction, kind, data, code):
        self.events.add(message_event(session.conn.conn, session.scope['path'], direction, kind, data, code))

    def record_stall(self, duration_ms, owner, where, cpu_ms=None, seen=True):
        """The watchdog saw the app block the loop; owner is the request (or WebSocket) that did;
        cpu_ms, when known, how much of that time the loop's thread computed; seen is False when
        the watchdog could not look at the loop's stack meanwhile (asgi_watchdog.py says why)."""
        event = {'event': 'stall', 'durationMs': duration_ms}
        who = ('something outside any request (start-up, lifespan, a background task)' if seen else
               "code the watchdog could not look at (a long call into C holds Python's interpreter lock, "
               'which the watchdog needs to look; or the busy machine kept the watchdog from running)')
        if owner is not None:
            owner.stalled_ms += duration_ms
            info = owner.stall_info()       # conn, method, target, websocket
            event.update(info)
            who = f'{info["method"]} {info["target"]}'
        if where:
            event['where'] = where
        how = ''
        if cpu_ms is not None:
            event['cpuMs'] = cpu_ms
            how = (f' (computing: {cpu_ms} ms of CPU)' if cpu_ms * 2 >= duration_ms
                   else f' (waiting, not computing: {cpu_ms} ms of CPU; a blocking call)')
        self.events.add(event)
        self.log(f'event loop blocked for {duration_ms} ms by {who}' + (f' at {where}' if where else '') + how +
                 ': nothing else ran meanwhile')

    def record_starved(self, duration_ms):
        """The loop could not run, but not because of anything it ran: the watchdog found its
        thread waiting for a CPU, or the whole process stopped."""
        self.events.add({'event': 'starved', 'durationMs': duration_ms})
        self.log(f'event loop got no CPU for {duration_ms} ms: the machine was busy, or the process was paused. '
                 'That time is not the app\'s doing: nothing it ran blocked the loop then')

async def serve(lab, config, listener):
    loop = asyncio.get_running_loop()
    server = AsgiServer(lab, config, loop)
    await server.reload(first=True)
    tcp = await loop.create_server(lambda: HttpConnection(server), sock=listener)
    server.watchdog = Watchdog(loop, config.workspace, server.record_stall,
                               [HttpCycle.call_app.__code__, WebSocketSession.call_app.__code__],
                               starved=server.record_starved)
    watcher = loop.create_task(server.watch_file())
    sweeper = loop.create_task(server.sweep())

    stop = loop.create_future()
    def stop_soon(*_):
        if not stop.done():
            stop.set_result(None)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_soon)

    def tutor_gone():
        # The tutor is gone: leave promptly, cleaning up if we can, and in any case within 2 s.
        threading.Timer(2.0, lambda: os._exit(0)).start()
        loop.call_soon_threadsafe(stop_soon)
    lab.watch_stdin(on_eof=tutor_gone)

    port = listener.getsockname()[1]
    lab.log(f'[asgi {os.getpid()}] serving {config.app} from {config.workspace} on http://127.0.0.1:{port}')
    server.events.flush()          # what start-up reported comes before "ready"
    lab.ready(pid=os.getpid(), port=port, engine='lab')
    await stop

    tcp.close()
    watcher.cancel()
    sweeper.cancel()
    for conn in list(server.connections):
        conn.close()
    if server.lifespan is not None:
        outcome, message = await server.lifespan.shutdown()
        server.report_lifespan('shutdown', outcome, message)
    server.events.flush()


def parse_args(argv, lab):
    parser = argparse.ArgumentParser(description='An asyncio ASGI server for gateway-tutor labs.')
    parser.add_argument('--app', default='app:app', help='module:attribute in the workspace (default app:app)')
    parser.add_argument('--port', type=int, default=lab.port)
    parser.add_argument('--workspace', default=lab.workspace)
    parser.add_argument('--max-body', type=int, default=10 * 1024 * 1024, help='bytes (413 above)')
    parser.add_argument('--ws-max-message', type=int, default=1024 * 1024, help='bytes (close 1009 above)')
    parser.add_argument('--head-timeout', type=float, default=10.0, help='seconds to send a request head')
    parser.add_argument('--keepalive', type=float, default=5.0, help='seconds an idle connection is kept')
    parser.add_argument('--engine', choices=['lab', 'uvicorn'],
                        default=os.environ.get('GATEWAY_TUTOR_ASGI_ENGINE') or 'lab',
                        help='run the same app under Uvicorn instead (if installed)')
    config = parser.parse_args(argv)
    config.workspace = os.path.realpath(config.workspace)
    return config


def raise_file_limit():
    """Room for a thousand idle connections: each one is a file descriptor."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):
        pass


def main(argv=None):
    lab = gt_lab.lab()
    config = parse_args(sys.argv[1:] if argv is None else argv, lab)
    if config.engine == 'uvicorn':
        from asgi_uvicorn import run_uvicorn
        return run_uvicorn(lab, config)
    raise_file_limit()
    listener = lab.listen(config.port, backlog=1024)    # a taken port exits 98, as for every lab server
    asyncio.run(serve(lab, config, listener))


if __name__ == '__main__':
    main()
