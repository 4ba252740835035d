# One worker process of the pre-fork WSGI server. Like a Gunicorn "sync" worker it handles one
# connection at a time: accept, read a request, build environ, call the app, write the response,
# report it to the tutor, and then either wait for the next request on the same connection
# (keep-alive) or go back to accept(). (Here the likeness ends: a Gunicorn sync worker never keeps
# a connection; it answers "Connection: close" every time.) While the app runs, this process
# serves no other request (its two helper threads only watch the master and write events): that
# is why a WSGI server needs several workers (or threads) to serve several clients at once.
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from urllib.parse import unquote_to_bytes

from gt_lab import EventBatch
from gt_linger import linger_close

from wsgi_event import request_event, request_line
from wsgi_explain import advice, explain
from wsgi_http import HEAD_TIMEOUT, Body, ClientGone, HttpError, Reader, parse_head
from wsgi_loader import AppLoadError
from wsgi_validate import NOTES
from wsgi_response import SERVER_SOFTWARE, FileWrapper, Response, error_response
from wsgi_threads import LockedScoreboard, start_lanes
from wsgi_trace import observe

# wsgiref.validate checks PEP 3333's rules on every request it sees, for 30-60 µs of CPU (more than
# the rest of this server's work on a small response). A learner's requests (curl, a check, a
# slow endpoint under `gateway-tutor bench`) come a few, or tens, a second: each one is validated.
# Under a load test of a fast app a worker serves thousands a second of the same few requests; then
# one in VALIDATE_ONE_IN is validated: a rule the app breaks on every request is still reported,
# at a fraction of the price. (Every app, after each reload, has its first request validated.)
# Only those requests look whether app.py was saved, too (a stat() each): the master's watch
# replaces the workers within 0.2 s of a save anyway. (One in 16 cost a load test of a hello app
# about 5 µs a request on average, one in 64 about 2.)
UNDER_LOAD = 100          # requests in one second, in one worker, from which validation is sampled
VALIDATE_ONE_IN = 64

# A kept-alive connection holds its worker, so while other clients wait at the door it must make
# room (see wait_for_next_request). But not after every single response: opening and closing a
# TCP connection costs more than serving a small request. So a connection has a turn: up to
# TURN_REQUESTS requests, within TURN_LIMIT seconds of the worker taking it, are served even while
# others wait; after that, the first response that finds someone waiting says "Connection: close".
# A request slower than TURN_LIMIT (most real apps, every slow endpoint of the lessons) is still
# followed by the next client in line, as a turn of one request; only fast apps get several.
TURN_REQUESTS = 10
TURN_LIMIT = 0.02         # seconds
# A response that said "Connection: keep-alive" promised the client the connection: its next
# request, if it has one, comes at once. Closing before it arrives would lose it on the way (the
# client sees the connection close instead of an answer), so it gets this long before others.
NEXT_REQUEST_GRACE = 0.05  # seconds (a busy machine may not run the client sooner)
# A new connection is given longer for its first byte: a client sends its request as soon as it
# has connected, but on a busy machine it may not run for a while, and a request lost here was
# never seen by anyone (curl does not resend on a fresh connection).
FIRST_BYTE_GRACE = 1.0     # seconds
# An idle worker that has seen no new client for this long writes its events before it waits on.
IDLE_MOMENT = 2            # milliseconds


class Worker:
    def __init__(self, lab, listener, mounts, config, scoreboard, slot, master_pipe, announce):
        self.lab = lab
        self.listener = listener
        self.mounts = mounts
        self.config = config
        self.scoreboard = scoreboard
        self.slot = slot
        self.master_pipe = master_pipe     # read end of a pipe only the master writes to
        self.announce = announce           # the first worker of a generation logs load errors
        self.pid = os.getpid()
        self.port = str(listener.getsockname()[1])     # SERVER_PORT, the same for every request
        self.listener_fd = listener.fileno()
        # One poll object, made once, answers both questions a sync worker asks between
        # requests: "is someone waiting to connect?" and "did my kept-alive client send more?"
        self.poller = select.poll()
        self.poller.register(listener, select.POLLIN)
        self.conn_poller = select.poll()   # the current connection alone
        self.watched = None                # the connection those two watch, once it was waited for
        self.unread = False                # the connection ends with the client maybe still sending
        self.turn_ends = 0.0               # when the current connection's turn is over at the latest
        self.turn_left = 0                 # requests left in it
        self.options = socket_options(config)
        # Settings read for every connection or request, looked up once (tests build a config
        # without the optional ones).
        self.head_timeout = getattr(config, 'header_timeout', HEAD_TIMEOUT)
        self.report_environ = getattr(config, 'report_environ', False)
        self.socket_options_inherited = None   # learned from the first connection
        self.events = None                 # an EventBatch, made in run()
        # Told to stop: finish this connection's request, then leave. An Event, not a bool, so
        # that the threads of a --threads worker (wsgi_threads.py) all see the one flag.
        self.stop_flag = threading.Event()
        self.threads = getattr(config, 'threads', 1)    # --threads: lanes in this process
        self.second, self.in_second = 0, 0     # the current second, and requests started in it
        self.server_environ = self.environ_of_server()

    @property
    def stopping(self):
        return self.stop_flag.is_set()

    # -- life and death ---------------------------------------------------------------------
    def run(self):
        # SIGTERM (a reload, or the master stopping) only sets a flag: the loop below checks it
        # between requests. Leaving from inside the handler could strike just after accept()
        # returned, and the client whose connection was already taken would get no answer.
        # The wake-up pipe gets a byte on every signal, so a worker waiting in poll() for a new
        # client (or a kept-alive one) sees the flag at once.
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        self.poller.register(self.wake_r, select.POLLIN)
        signal.signal(signal.SIGTERM, self._on_sigterm)       # graceful: finish, then leave
        signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the master's business
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        die_with_parent()
        threading.Thread(target=self._watch_master, daemon=True).start()
        self.events = EventBatch(self.lab)   # request events, written in batches
        # Every idle worker waits in poll() and then tries accept(): the one that wins the new
        # client serves it, the others get BlockingIOError and wait again (as Gunicorn's sync
        # workers do). A worker that has just finished with a client tries accept() first: under
        # load someone is already waiting, and poll() would only say so.
        self.listener.setblocking(False)
        for mount in self.mounts:
            if not mount.prefix:               # the main app loads now, mounted ones on first use
                error = mount.load()
                if error and self.announce:
                    self.lab.log(f'[worker {self.pid}] {error.summary}\n{error.text}')
        if self.threads > 1:
            self.scoreboard = LockedScoreboard(self.scoreboard)
            stop_lanes = start_lanes(self, self.threads)
            self.serve_forever()
            stop_lanes(self.config.graceful_timeout)     # each finishes its request first
        else:
            self.serve_forever()
        self.events.flush()
        os._exit(0)

    def serve_forever(self):
        while not self.stopping:
            try:
                conn, address = self.accept()
            except (InterruptedError, BlockingIOError):
                # Nobody at the door (or another worker took the client): wait with the other
                # idle workers for a new client, or a signal. Under load the next client comes
                # within a moment; a wait longer than that is when to write the events still
                # held (one write for many events, not one for every short pause).
                ready = self.poller.poll(IDLE_MOMENT)
                if not ready:
                    self.events.flush()
                    ready = self.poller.poll()
                if len(ready) > 1 or ready[0][0] != self.listener_fd:
                    self._drain_wake_pipe()
                continue
            self.unread = False
            try:
                self.serve_connection(conn, address)
            finally:
                # The client may still be sending (a body we refused or did not read): a plain
                # close would reset the connection under the answer we just gave (gt_linger.py).
                if self.unread:
                    linger_close(conn)
                conn.close()

    def accept(self):
        """listener.accept(), without its cost of asking the new socket what it is: we know
        (TCP over IPv4), and socket.accept() spends microseconds turning its family and type
        into enums, on every connection."""
        fd, address = self.listener._accept()
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0, fd), address

    def _on_sigterm(self, signum, frame):
        self.stop_flag.set()

    def _drain_wake_pipe(self):
        if threading.current_thread() is not threading.main_thread():
            return                       # the main thread's pipe: a --threads lane leaves it be
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _watch_master(self):
        # The master holds the write end of this pipe and never writes. read() returns b'' only
        # when every write end is closed: the master is gone, however it died. So do we.
        try:
            os.read(self.master_pipe, 1)
        finally:
            os._exit(0)

    # -- one connection, maybe several requests (keep-alive) --------------------------------
    def serve_connection(self, conn, address):
        self.set_socket_options(conn)
        reader = Reader(conn, self.head_timeout)
        conn_id = self.scoreboard.next_conn()
        remote = f'{address[0]}:{address[1]}'
        self.turn_ends = time.monotonic() + TURN_LIMIT
        self.turn_left = TURN_REQUESTS
        try:
            if self.first_request_comes(conn, reader):
                self.serve_requests(conn, reader, address, conn_id, remote)
        finally:
            if self.watched is not None:
                self.poller.unregister(conn)
                self.conn_poller.unregister(conn)
                self.watched = None

    def set_socket_options(self, conn):
        """TCP_NODELAY (send small responses at once), and kernel timeouts so that a client that
        sends nothing cannot hold the worker forever; they keep the socket blocking, where
        settimeout() would add a poll() before every recv and send. The master set them on the
        listening socket, and Linux copies them into each accepted socket: then there is nothing
        to do here (three system calls saved per connection). Elsewhere, set them on each one."""
        options = self.options
        if self.socket_options_inherited is None:
            self.socket_options_inherited = all(has_option(conn, *option) for option in options)
        if not self.socket_options_inherited:
            for level, name, value in options:
                conn.setsockopt(level, name, value)

    def serve_requests(self, conn, reader, address, conn_id, remote):
        while True:
            try:
                head = reader.read_head()
            except (ClientGone, OSError):
                return
            except HttpError as error:
                self.refuse(conn, conn_id, remote, error)
                return
            started = time.time()
            try:
                request = parse_head(head)
            except HttpError as error:
                self.refuse(conn, conn_id, remote, error, head)
                return
            keep_alive = self.handle(conn, reader, request, address, conn_id, remote, started)
            if not keep_alive or self.stopping:
                return
            if not reader.buffer and not self.wait_for_next_request(conn):
                return

    def wait_for_next_request(self, conn):
        """Keep the connection while its client may send more, but not while another client is
        waiting at the door: one worker serves one connection at a time, so an idle kept-alive
        connection would make everyone else wait (this is why Gunicorn's sync workers do not do
        keep-alive at all). For NEXT_REQUEST_GRACE its client alone is waited for; after that
        any newcomer ends the wait, even one that another worker, idle in poll(), is about to
        take: waiting on for our client, whose next request may be slow to come, measured
        slower than letting it reconnect."""
        # A request that already came is served, even when told to stop (it says Connection: close).
        return self.client_speaks(conn, NEXT_REQUEST_GRACE, self.config.keepalive)

    def first_request_comes(self, conn, reader):
        """A new connection that has not sent a byte may never send one: a proxy's keep-alive pool
        or a browser opens connections ahead of need. Waiting out the head deadline for it would
        hold this worker while real clients queue (two such connections and a two-worker lab
        answers nobody). So it is treated like a kept-alive connection between requests: its
        client alone for FIRST_BYTE_GRACE, then any newcomer ends the wait. Once a first byte
        has come, the head deadline alone decides (read_head). Most often the request came
        with the connection (a client sends it as soon as it has connected): one read that
        does not wait finds it, and no poll() is needed."""
        if reader.read_ready():
            return True
        # Nothing in time, with nobody else waiting either: closed without a word, as read_head
        # does for a client that sent nothing (and nginx for client_header_timeout).
        return self.client_speaks(conn, FIRST_BYTE_GRACE, self.head_timeout)

    def client_speaks(self, conn, grace, limit):
        """Has conn's client sent something? Waits `grace` seconds for it alone, then up to `limit`
        for it or a newcomer at the door (or a signal): whichever comes first ends the wait."""
        if self.watched is None:            # the first wait on this connection: watch it from now on
            self.poller.register(conn, select.POLLIN)
            self.conn_poller.register(conn, select.POLLIN)
            self.watched = conn
        if self.conn_poller.poll(grace * 1000):
            return True
        ready = self.poller.poll(limit * 1000)
        return any(fd == conn.fileno() for fd, _ in ready)

    def others_waiting(self):
        """Is a new connection waiting in the listening socket's queue, after this connection's
        turn? (Asked when a response starts, to choose between Connection: keep-alive and close.)"""
        self.turn_left -= 1
        if self.turn_left > 0 and time.monotonic() < self.turn_ends:
            return False
        listener = self.listener_fd
        return any(fd == listener for fd, _ in self.poller.poll(0))

    def refuse(self, conn, conn_id, remote, error, head=b''):
        """A request we could not parse: the client gets 400/413/431, the tutor an event."""
        self.unread = True
        try:
            error_response(conn, error.status, error.reason, f'{error.status} {error.reason}: {error.detail}\n')
        except OSError:
            pass
        request_line = head.split(b'\r\n', 1)[0].decode('latin-1', 'replace').split(' ')
        self.lab.log(f'[worker {self.pid}] {error.status} {error.reason}: {error.detail}')
        self.events.add({'event': 'request', 'conn': conn_id, 'remote': remote,
                       'method': request_line[0] if len(request_line) == 3 else '',
                       'target': request_line[1] if len(request_line) == 3 else '',
                       'headers': [], 'status': error.status, 'error': error.detail, 'pid': self.pid})

    # -- one request ------------------------------------------------------------------------
    def handle(self, conn, reader, request, address, conn_id, remote, started):
        """Run the app for one request. Returns whether the connection may be reused."""
        self.scoreboard.set_busy(self.slot, started, f'{request.method} {request.target}')
        response = Response(conn, request, self.pid, self.others_waiting)
        if self.stopping:
            response.keep_alive = False      # the last request of a worker that is leaving
        mount, error, aborted, result, dropped, environ, observed = None, None, False, None, [], {}, None
        body = None
        try:
            if request.body_length is not None and request.body_length > self.config.max_body:
                raise HttpError(413, 'Content Too Large',
                                f'the body is {request.body_length} bytes; the limit is {self.config.max_body}')
            body = Body(reader, request, self.config.max_body)
            environ, mount, dropped = self.environ(request, body, address)
            # The request's journey and the environ summary (wsgi_trace.py): None unless asked.
            observed = observe(environ, self.events.add, 'wsgi', self.report_environ)
            app = mount.get(validated=self.validate_next(started))
            result = app(environ, response.start_response)
            response.hold = body.done and not body.pending and \
                isinstance(getattr(result, 'original_iterator', result), (list, tuple))
            self.send_result(result, response)
            error = response.finish()
            if not body.drain(self.config.max_body):
                response.keep_alive = False
        except (BrokenPipeError, ConnectionResetError, BlockingIOError, socket.timeout, ClientGone) as gone:
            aborted, response.keep_alive = True, False
            error = f'the client went away ({type(gone).__name__}) before the response was complete'
        except HttpError as refused:
            error = self.fail(response, refused.status, refused.reason, refused.detail, log_it=False)
        except AppLoadError as load_error:
            error = self.fail(response, 500, 'Internal Server Error',
                              f'{load_error.summary}\n\n{load_error.text}', summary=load_error.summary)
        except Exception as app_error:
            error = self.app_failed(response, app_error)
        finally:
            # PEP 3333: the server calls close() on the iterable, also after errors and aborts.
            if result is not None and hasattr(result, 'close'):
                try:
                    result.close()
                except Exception as close_error:
                    self.lab.log(f'[worker {self.pid}] close() raised:\n{traceback.format_exc()}')
                    error = error or explain(close_error) or f'close() raised {close_error!r}'
            self.scoreboard.set_idle(self.slot)
        # Answered before the whole body came (a 413, or an app that did not read it all): the
        # connection closes while the client may still be sending.
        has_body = request.chunked or bool(request.body_length)
        self.unread = has_body and not aborted and not response.keep_alive and not (body is not None and body.done)
        notes = environ.get(NOTES)
        if notes:
            for note in dict.fromkeys(notes):
                self.lab.log(f'[worker {self.pid}] {request.method} {request.target}: {advice(note)}')
        self.report(request, response, conn_id, remote, started, mount, error, aborted, dropped, notes,
                    observed)
        return response.keep_alive

    def validate_next(self, now):
        """Should the validator see this request? Yes, unless this worker is under load."""
        if int(now) != self.second:
            self.second, self.in_second = int(now), 0
        self.in_second += 1
        return self.in_second <= UNDER_LOAD or self.in_second % VALIDATE_ONE_IN == 0

    def send_result(self, result, response):
        inner = getattr(result, 'original_iterator', result)   # look inside wsgiref.validate
        if isinstance(inner, FileWrapper) and response.status is not None \
                and response.send_file(inner):
            return
        for chunk in result:
            response.send(chunk)
            if response.overflow:
                break

    def app_failed(self, response, app_error):
        """The app raised (or broke a WSGI rule). Log the traceback; answer 500 if we still can."""
        explanation = explain(app_error)
        trace = traceback.format_exc()
        text = f'{explanation}\n\n{trace}' if explanation else trace
        summary = explanation or traceback.format_exception_only(type(app_error), app_error)[-1].strip()
        return self.fail(response, 500, 'Internal Server Error', text, summary=summary)

    def fail(self, response, status, reason, text, summary=None, log_it=True):
        if log_it:
            self.lab.log(f'[worker {self.pid}] {response.request.method} {response.request.target}: {text}')
        if response.headers_sent:
            response.keep_alive = False   # too late for a 500: cut the response short
        else:
            response.status = f'{status} {reason}'
            # The app may have left part of the body unread: start afresh on a new connection.
            response.keep_alive = False
            response.headers = []
            try:
                response.sent_headers = error_response(response.sock, status, reason, text + '\n',
                                                       response.keep_alive, self.pid)
                response.headers_sent = True
            except OSError:
                response.keep_alive = False
        return summary or text

    def environ(self, request, body, address):
        """The environ dict, exactly as PEP 3333 lists it (plus REMOTE_ADDR/PORT, as CGI has)."""
        target = request.target
        if target.startswith(('http://', 'https://')):            # absolute-form (via a proxy)
            target = '/' + target.split('/', 3)[3] if target.count('/') >= 3 else '/'
        path, _, query = target.partition('?')
        # PATH_INFO is decoded; WSGI strings are "bytes in a str": latin-1, one char per byte. The
        # target is such a str already, so it goes back to its bytes before %XX is decoded (given
        # a str, unquote_to_bytes would encode it as UTF-8: a raw byte 0xE9 would become 'Ã©').
        if path == '*':
            path = ''
        elif '%' in path:
            path = unquote_to_bytes(path.encode('latin-1')).decode('latin-1')
        for mount in self.mounts:                  # longest prefix first; the last one is ''
            if mount.matches(path):
                break
        environ = {
            'REQUEST_METHOD': request.method,
            'SCRIPT_NAME': mount.prefix,
            'PATH_INFO': path[len(mount.prefix):],
            'QUERY_STRING': query,
            **self.server_environ,
            'SERVER_PROTOCOL': f'HTTP/{request.version_text}',
            'REMOTE_ADDR': address[0],
            'REMOTE_PORT': str(address[1]),
            'wsgi.input': body,
        }
        dropped = []
        for name, value in request.headers:
            if '_' in name:
                # X_Shell_Pid and X-Shell-Pid would both become HTTP_X_SHELL_PID: a client could
                # pass off its own header as one a proxy in front set (X-Forwarded-For...), since
                # the proxy only strips the spelling with dashes. Like Gunicorn 22+, drop them.
                dropped.append(name)
                continue
            key = name.upper().replace('-', '_')
            if key in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                if key == 'CONTENT_LENGTH' and request.chunked:
                    continue
                environ[key] = value                    # no HTTP_ prefix for these two (CGI)
                continue
            key = 'HTTP_' + key
            environ[key] = f'{environ[key]},{value}' if key in environ else value
        if dropped:
            self.lab.log(f'[worker {self.pid}] {request.method} {request.target}: dropped header '
                         f'{", ".join(dropped)} (a "_" in a header name; see environ())')
        return environ, mount, dropped

    def environ_of_server(self):
        """The keys of environ that are the same for every request this worker serves."""
        return {
            'SERVER_NAME': self.lab.host,
            'SERVER_PORT': self.port,
            'SERVER_SOFTWARE': SERVER_SOFTWARE,
            'wsgi.version': (1, 0),
            'wsgi.url_scheme': 'http',
            'wsgi.input_terminated': True,   # reading to EOF is safe, even for chunked bodies
            'wsgi.errors': sys.stderr,
            'wsgi.multithread': self.threads > 1,
            'wsgi.multiprocess': self.config.workers > 1,
            'wsgi.run_once': False,
            'wsgi.file_wrapper': FileWrapper,
        }

    def report(self, request, response, conn_id, remote, started, mount, error, aborted, dropped=(),
               notes=(), observed=None):
        fields = (conn_id, remote, request, response.code if response.headers_sent else None,
                  response.sent_headers, started, time.time(), self.pid, mount.spec if mount else None,
                  response.body_bytes)
        if not (error or aborted or dropped or notes or observed):
            self.events.add_line(request_line(*fields))     # the common request (wsgi_event.py)
            return
        event = request_event(*fields)
        if error:
            event['error'] = error
        if aborted:
            event['aborted'] = True
        if dropped:
            event['droppedHeaders'] = list(dropped)   # left out of environ: "_" in the name
        if notes:
            # complaints the lab lets pass (wsgiref.validate's rules beyond PEP 3333, and exc_info
            # by keyword): advice, the request went on
            event['validatorNotes'] = list(dict.fromkeys(notes))
        if observed:
            observed.finish(event, event['status'], error, aborted)
        self.events.add(event)


def socket_options(config):
    """The socket options every connection gets, as (level, name, value)."""
    timeout = struct.pack('ll', int(config.timeout), 0)     # struct timeval: seconds, microseconds
    return [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
            (socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeout),
            (socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeout)]


def has_option(sock, level, name, value):
    if isinstance(value, int):
        return sock.getsockopt(level, name) == value
    return sock.getsockopt(level, name, len(value)) == value


def die_with_parent():
    """Linux: ask the kernel to SIGKILL us when the master dies (the pipe watch is the portable
    way; this one works even if this process is stuck in C code)."""
    if not sys.platform.startswith('linux'):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:
        pass
