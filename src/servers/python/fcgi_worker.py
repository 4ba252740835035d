# One process of the FastCGI app's pool. It waits on the shared listening socket and on the
# connections it holds, reads records, and when a request is complete (its PARAMS and STDIN
# streams have ended) runs the learner's handler and writes STDOUT, STDERR and END_REQUEST.
#
# It runs one request at a time (FCGI_MAX_REQS counts processes, as php-fpm's pool does) and
# never mixes two requests on one connection (FCGI_MPXS_CONNS=0). A connection may stay open
# between requests (KEEP_CONN): the next request skips the TCP handshake.
#
# Nothing a peer sends may crash it: a broken record, a wrong version, a length past the end, an
# unknown type, a stream that never ends, a thousand idle connections. Each is logged with its
# reason, the one connection is closed, and the others go on.
import os
import selectors
import socket
import time

import fcgi_records as fr
from fcgi_handler import HandlerFile

MAX_CONNS_PER_WORKER = 256
MAX_PARAMS_BYTES = 1024 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
WRITE_TIMEOUT = 10.0


class Request:
    def __init__(self, request_id, keep_conn):
        self.id = request_id
        self.keep_conn = keep_conn
        self.started = time.time()
        self.params = bytearray()
        self.params_done = False
        self.pairs = {}
        self.body = bytearray()


class Connection:
    def __init__(self, number, sock, remote):
        self.number = number
        self.sock = sock
        self.remote = remote
        self.parser = fr.RecordParser()
        self.request = None
        self.last_active = time.time()
        self.closed = False


class Worker:
    def __init__(self, lab, listener, config, events, conn_counter):
        self.lab = lab
        self.listener = listener
        self.config = config
        self.events = events              # an EventBatch
        self.next_conn = conn_counter     # numbers connections across the whole pool
        self.pid = os.getpid()
        self.handler = HandlerFile(config.workspace, config.handler)
        self.selector = selectors.DefaultSelector()
        self.connections = {}
        self.listening = False
        self.refused = 0                  # connections turned away since the last log line
        self.served = 0                   # requests answered by this process
        self.last_refusal_log = 0.0

    def run(self):
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.handler.load()
        while True:
            self.events.flush()
            ready = self.selector.select(timeout=0.5)
            # Requests on connections we hold come first; new connections after (so a busy worker
            # leaves new clients to an idle one, which is probably waiting in accept too).
            ran = False
            for key, _ in ready:
                if key.data is not None:
                    ran = self.read(key.data) or ran
            # After running a handler, look again before accepting: while this process was busy,
            # an idle one may have taken the waiting client already.
            if not ran and any(key.data is None for key, _ in ready):
                self.accept()
            self.enforce_deadlines()

    # -- connections --------------------------------------------------------------------------
    def accept(self):
        try:
            sock, address = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return                        # another worker took it
        except OSError as error:          # out of file descriptors, say: log, keep serving
            self.log_refusal(f'accept failed: {error}')
            return
        if len(self.connections) >= MAX_CONNS_PER_WORKER and not self.evict_idle():
            sock.close()
            self.log_refusal(f'{MAX_CONNS_PER_WORKER} connections already open in this process, none idle')
            return
        sock.settimeout(WRITE_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) if sock.family != socket.AF_UNIX else None
        remote = f'{address[0]}:{address[1]}' if isinstance(address, tuple) else 'unix socket'
        conn = Connection(self.next_conn(), sock, remote)
        self.connections[sock.fileno()] = conn
        self.selector.register(sock, selectors.EVENT_READ, conn)

    def evict_idle(self):
        """Too many connections: close the one idle the longest (no request, nothing half-read)."""
        idle = [c for c in self.connections.values() if c.request is None and not c.parser.buffer]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.last_active)
        self.close(oldest, None)
        self.log_refusal(f'{MAX_CONNS_PER_WORKER} connections open: closed the one idle longest (#{oldest.number})')
        return True

    def log_refusal(self, why):
        self.refused += 1
        now = time.time()
        if now - self.last_refusal_log > 1.0:     # one line a second, however hard a client pushes
            self.lab.log(f'[worker {self.pid}] {why} ({self.refused} such connection(s) in the last second)')
            self.last_refusal_log, self.refused = now, 0

    def close(self, conn, reason):
        if conn.closed:
            return
        conn.closed = True
        if reason:
            self.lab.log(f'[worker {self.pid}] closing connection #{conn.number} from {conn.remote}: {reason}')
        try:
            self.selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        self.connections.pop(conn.sock.fileno(), None)
        conn.sock.close()

    def enforce_deadlines(self):
        now = time.time()
        for conn in list(self.connections.values()):
            request = conn.request
            if request and now - request.started > self.config.request_timeout:
                stream = 'STDIN' if request.params_done else 'PARAMS'
                self.close(conn, f'request {request.id} began {now - request.started:.0f}s ago and its '
                                 f'{stream} stream has not ended (a stream ends with an empty record)')
            elif not request and conn.parser.buffer and now - conn.last_active > self.config.request_timeout:
                self.close(conn, f'half a record ({len(conn.parser.buffer)} bytes) and nothing more for '
                                 f'{self.config.request_timeout:g}s')
            elif not request and now - conn.last_active > self.config.idle_timeout:
                self.close(conn, None)          # an idle keep-alive connection, closed quietly

    # -- records ------------------------------------------------------------------------------
    def read(self, conn):
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError, socket.timeout):
            return
        except OSError as error:
            self.close(conn, f'read failed: {error}')
            return
        if not data:
            self.close(conn, conn.parser.end())   # a reason only when it ended inside a record
            return
        conn.last_active = time.time()
        records, error = conn.parser.feed(data)
        served = self.served
        for record in records:
            self.on_record(conn, record)
            if conn.closed:
                break
        if error and not conn.closed:
            self.close(conn, f'protocol error: {error}')
        return self.served != served

    def on_record(self, conn, record):
        if record.request_id == 0:
            return self.management(conn, record)
        request = conn.request
        if record.type == fr.BEGIN_REQUEST:
            return self.begin(conn, record)
        if request is None or record.request_id != request.id:
            return                        # a record for no active request: ignored, as FastCGI says
        if record.type == fr.PARAMS:
            if request.params_done:
                return self.close(conn, f'a PARAMS record for request {request.id} after its PARAMS ended')
            if record.content:
                request.params += record.content
                if len(request.params) > MAX_PARAMS_BYTES:
                    self.close(conn, f'PARAMS of request {request.id} passed {MAX_PARAMS_BYTES} bytes')
                return
            pairs, error = fr.decode_pairs(request.params)
            if error:
                return self.close(conn, f'PARAMS of request {request.id}: {error}')
            request.pairs = dict(pairs)
            request.params_done = True
        elif record.type == fr.STDIN:
            if not request.params_done:
                return self.close(conn, f'STDIN for request {request.id} before its PARAMS ended')
            if record.content:
                request.body += record.content
                if len(request.body) > MAX_BODY_BYTES:
                    self.close(conn, f'the body of request {request.id} passed {MAX_BODY_BYTES} bytes')
                return
            self.respond(conn, request)
        elif record.type == fr.ABORT_REQUEST:
            # The client went away before we ran the handler: stop, and say so with END_REQUEST.
            self.send(conn, fr.encode_record(fr.END_REQUEST, request.id, fr.end_request_body(0)))
            self.report(conn, request, None, 0, aborted=True)
            self.finish(conn, request)
        elif record.type == fr.DATA:
            pass                          # only the Filter role reads DATA; a Responder skips it
        else:
            self.close(conn, f'a web server never sends {fr.type_name(record.type)} records')

    def management(self, conn, record):
        """Request id 0: questions about the app itself, not about a request."""
        if record.type == fr.GET_VALUES:
            asked, _ = fr.decode_pairs(record.content)
            known = {'FCGI_MAX_CONNS': str(self.config.workers * MAX_CONNS_PER_WORKER),
                     'FCGI_MAX_REQS': str(self.config.workers),
                     'FCGI_MPXS_CONNS': '0'}
            answer = [(name, known[name]) for name, _ in asked if name in known]
            self.send(conn, fr.encode_record(fr.GET_VALUES_RESULT, 0, fr.encode_pairs(answer)))
            self.events.add({'event': 'management', 'pid': self.pid, 'conn': conn.number,
                             'type': 'GET_VALUES', 'asked': [n for n, _ in asked], 'answered': dict(answer)})
        else:
            # Any other type on id 0 is one we do not know as a management record: say so.
            self.send(conn, fr.encode_record(fr.UNKNOWN_TYPE, 0, bytes([record.type & 0xff]) + b'\0' * 7))
            self.events.add({'event': 'management', 'pid': self.pid, 'conn': conn.number,
                             'type': fr.type_name(record.type), 'asked': [], 'answered': {}})

    def begin(self, conn, record):
        if conn.request is not None:
            if record.request_id == conn.request.id:
                return self.close(conn, f'a second BEGIN_REQUEST for request {record.request_id}')
            # One request at a time per connection: a second id is refused, the first goes on.
            return self.send(conn, fr.encode_record(fr.END_REQUEST, record.request_id,
                                                    fr.end_request_body(0, fr.CANT_MPX_CONN)))
        role, keep_conn, error = fr.parse_begin_request(record.content)
        if error:
            return self.close(conn, f'protocol error: {error}')
        if role != fr.RESPONDER:
            self.send(conn, fr.encode_record(fr.END_REQUEST, record.request_id,
                                             fr.end_request_body(0, fr.UNKNOWN_ROLE)))
            if not keep_conn:
                self.close(conn, None)
            return
        conn.request = Request(record.request_id, keep_conn)

    # -- the answer ---------------------------------------------------------------------------
    def respond(self, conn, request):
        started = time.time()
        stdout, stderr, app_status = self.handler.call(request.pairs, bytes(request.body))
        # The app server (not the handler) names the process that answered, as PHP adds X-Powered-By.
        stdout = b'X-App-Pid: %d\r\n' % self.pid + stdout
        out = fr.encode_stream(fr.STDOUT, request.id, stdout)
        if stderr:
            out += fr.encode_stream(fr.STDERR, request.id, stderr)
        out += fr.encode_record(fr.END_REQUEST, request.id, fr.end_request_body(app_status))
        self.send(conn, out)
        self.served += 1
        self.report(conn, request, stdout, time.time() - started)
        self.finish(conn, request)

    def finish(self, conn, request):
        conn.request = None
        if not request.keep_conn:
            self.close(conn, None)        # no KEEP_CONN: the app closes, which ends the response

    def send(self, conn, data):
        if conn.closed:
            return
        try:
            conn.sock.sendall(data)
        except OSError as error:
            self.close(conn, f'write failed: {error}')

    def report(self, conn, request, stdout, seconds, aborted=False):
        params = request.pairs
        headers = [[name[5:].replace('_', '-').title(), value]
                   for name, value in params.items() if name.startswith('HTTP_')]
        target = params.get('REQUEST_URI') or (params.get('SCRIPT_NAME', '') + params.get('PATH_INFO', '')
                                               + ('?' + params['QUERY_STRING'] if params.get('QUERY_STRING') else ''))
        event = {'event': 'request', 'conn': conn.number, 'remote': conn.remote,
                 'method': params.get('REQUEST_METHOD', ''), 'target': target or '/',
                 'headers': headers, 'status': None if aborted else status_of(stdout),
                 'durationMs': round(seconds * 1000, 2), 'pid': self.pid, 'requestId': request.id,
                 'keepConn': request.keep_conn, 'params': len(params), 'stdinBytes': len(request.body),
                 'software': params.get('SERVER_SOFTWARE', '')}
        if aborted:
            event['aborted'] = True
        self.events.add(event)


def status_of(stdout):
    """The HTTP status a CGI response asks for: its Status header, else 302 with Location, else 200."""
    head = stdout.split(b'\r\n\r\n', 1)[0].split(b'\n\n', 1)[0]
    location = False
    for line in head.splitlines():
        name, _, value = line.partition(b':')
        name = name.strip().lower()
        if name == b'status':
            digits = value.strip()[:3]
            return int(digits) if digits.isdigit() else 500
        location = location or name == b'location'
    return 302 if location else 200
