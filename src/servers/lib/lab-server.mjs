// The small library every Node lab server uses to talk to the tutor (see docs/lab-servers.md).
// It reads the environment the tutor set, writes JSON events on fd 3, exits when the tutor's pipe
// on stdin closes, and turns "port already taken" into exit code 98 so the tutor can try another.
import { STATUS_CODES, Server as HttpServer } from 'node:http';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { pairs } from './headers.mjs';

/** @typedef {import('./headers.mjs').HeaderPairs} HeaderPairs */
/** @typedef {{ event: string } & Record<string, unknown>} AnyEvent */
/**
 * The fields a server may add to its request events (see observe): those its family declares.
 * @template {AnyEvent} E
 * @typedef {Partial<Extract<E, { event: 'request' }>>} RequestFields
 */
/**
 * What labServer() gives a server whose events are E. A server names its family once, in a
 * `@type {LabServer<import('./events.js').OriginEvent>}` comment on `const lab = labServer()`, and
 * from then on `lab.emit` and `lab.observe` take only that family's events and fields.
 * @template {AnyEvent} E
 * @typedef {ReturnType<typeof labServer<E>>} LabServer
 */

const PORT_TAKEN_EXIT = 98;
/** Where a lab server keeps its own notes on node's objects (see connectionId and observe). */
const CONN_ID = Symbol('connection id');
const OBSERVED = Symbol('observed');

/** The peer as `127.0.0.1:54012`. */
function remoteOf(socket) {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
/** How often, at most, a busy server writes its events (see emit). 20 ms, as the Python servers
 * (gt_lab.EventBatch): behind the reverse proxy under wrk, 5 ms meant a write (and a wake-up of
 * the tutor) every two or three requests of each backend, the largest item in a backend's profile. */
const BATCH_MS = 20;

/**
 * Everything a lab server needs from its environment, plus the ways to report back.
 * @template {AnyEvent} [E=AnyEvent] the events of this server's family (its events.ts)
 */
export function labServer() {
  const env = process.env;
  const name = env.GT_SERVER ?? 'server';
  const eventsFd = env.GT_EVENTS_FD ? Number(env.GT_EVENTS_FD) : null;
  const shutdownHooks = [];
  const commandHandlers = [];
  let connections = 0;

  // Events leave through a socket on fd 3, written asynchronously: a server under load (wrk at
  // thousands of requests a second) must never wait for the tutor to read. Events are joined into
  // one write per tick, and a busy server writes at most every BATCH_MS: its thousands of events a
  // second go out in some fifty writes, and wake the tutor that often, not once per request.
  // A quiet server's event still leaves at once.
  const events = eventsFd === null ? null : new Socket({ fd: eventsFd, readable: false, writable: true });
  events?.on('error', () => shutdown(0)); // the tutor closed our event pipe: it is gone, so are we
  let pending = '';
  let lastWrite = -Infinity;
  const flush = () => {
    if (pending === '') return; // shutdown() got there first
    events?.write(pending);
    pending = '';
    lastWrite = performance.now();
  };
  const scheduleFlush = () => {
    const wait = lastWrite + BATCH_MS - performance.now();
    if (wait > 0) setTimeout(flush, wait);
    else setImmediate(flush);
  };

  /** @param {AnyEvent} event */
  function emit(event) {
    const line = JSON.stringify(event) + '\n';
    if (events === null) {
      // Run by hand, outside the tutor: events go to stderr so you can still watch them.
      process.stderr.write(`[event] ${line}`);
      return;
    }
    if (pending === '') scheduleFlush();
    pending += line;
  }

  let stopping = false;
  async function shutdown(code = 0) {
    if (stopping) return;
    stopping = true;
    if (pending) flush();
    for (const hook of shutdownHooks) {
      try {
        await hook();
      } catch {
        /* leaving anyway */
      }
    }
    process.exit(code);
  }

  // The tutor holds the other end of stdin. When it closes, for whatever reason, we leave.
  if (eventsFd !== null) {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      let command;
      try {
        command = JSON.parse(line);
      } catch {
        return;
      }
      for (const handler of commandHandlers) handler(command);
    });
    lines.on('close', () => shutdown(0));
    process.stdin.on('error', () => shutdown(0));
  }
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  const urls = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('GT_URL_')) urls[key.slice(7).toLowerCase().replaceAll('_', '-')] = value;
  }
  const ports = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('GT_PORT_')) ports[key.slice(8).toLowerCase()] = Number(value);
  }

  /** What every request event says about the request itself: its connection, line and headers.
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:net').Socket} socket */
  function requestLine(req, socket) {
    return {
      conn: connectionId(socket),
      remote: remoteOf(socket),
      method: req.method,
      target: req.url,
      httpVersion: req.httpVersion,
      headers: pairs(req.rawHeaders),
    };
  }

  /** Listen on 127.0.0.1 only. A taken port exits with 98 so the tutor can pick another.
   * The server is hardened first (see harden below): what no handler of its own covers, a
   * hostile client cannot turn into a crash. */
  function listen(server, port = Number(env.GT_PORT ?? 0)) {
    harden(server, {
      name,
      // A refused CONNECT is a request like any other: the learner sees it in the log.
      refused: (req, socket, status) =>
        emit({ event: 'request', ...requestLine(req, socket), status, error: 'CONNECT is not served here' }),
    });
    return new Promise((resolve, reject) => {
      const onError = (error) => {
        if (error.code === 'EADDRINUSE') {
          console.error(`${name}: port ${port} is already in use`);
          process.exit(PORT_TAKEN_EXIT);
        }
        reject(error);
      };
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(server.address().port);
      });
    });
  }

  /** A number for each TCP connection, so the learner can see keep-alive reuse one socket. It
   * is kept on the socket itself (a WeakMap would do too, but costs the garbage collector work
   * on every collection, and a busy server collects often). */
  function connectionId(socket) {
    let id = socket[CONN_ID];
    if (id === undefined) {
      id = ++connections;
      socket[CONN_ID] = id;
    }
    return id;
  }

  /**
   * Report a node:http request once its response is done. Returns an object whose fields are
   * added to the event: `observe(req, res).backend = 'app-1'`. `extra` (a fresh object) is that
   * object: its fields start the list.
   */
  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {RequestFields<E>} [extra]
   * @param {(this: import('node:http').ServerResponse) => void} [beforeReport]  called (on the
   *   response) when it closes, just before the event is made: the last word on `extra`. One
   *   function shared by every request, so a server needs no 'close' listener of its own.
   * @returns {RequestFields<E>}
   */
  function observe(req, res, extra = {}, beforeReport = undefined) {
    // What the report needs later rides on the response, and one listener shared by every
    // request reads it: no closures made per request (a busy server observes thousands a second).
    res[OBSERVED] = { req, socket: req.socket, started: performance.now(), fields: extra, beforeReport };
    // 'close' comes once per response: just after 'finish' when the answer went out whole, or
    // alone when the connection broke first (then the event says `aborted`).
    res.on('close', reportObserved);
    return extra;
  }

  /** A response observed above has closed: its request event. @this {any} */
  function reportObserved() {
    const { req, socket, started, fields, beforeReport } = this[OBSERVED];
    if (beforeReport !== undefined) beforeReport.call(this);
    const sent = this.headersSent;
    // requestLine()'s fields written out in place: this runs once per request, and spreading a
    // second object into the event cost a copy of it (issue 14).
    /** @type {AnyEvent} */
    const event = {
      event: 'request',
      conn: connectionId(socket),
      remote: remoteOf(socket),
      method: req.method,
      target: req.url,
      httpVersion: req.httpVersion,
      headers: pairs(req.rawHeaders),
      status: sent ? this.statusCode : null,
      responseHeaders: sent ? responsePairs(this) : [],
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    if (!this.writableFinished) event.aborted = true;
    for (const key in fields) event[key] = fields[key];
    emit(event);
  }

  /**
   * Report a request node:http could not parse (its 'clientError'), after the server has answered
   * it: it becomes a lab event like any other, with what can be read of its first line.
   * Returns that first line.
   */
  /**
   * @param {Error & { code?: string, rawPacket?: Buffer }} error
   * @param {import('node:net').Socket} socket
   * @param {number} status
   * @param {RequestFields<E>} [extra]
   */
  function reportUnparsable(error, socket, status, extra = {}) {
    const firstLine = error.rawPacket ? error.rawPacket.toString('latin1').split('\r\n')[0].slice(0, 200) : '';
    const [method = '', target = ''] = firstLine.split(' ');
    emit({
      event: 'request',
      conn: connectionId(socket),
      remote: remoteOf(socket),
      method,
      target,
      headers: [],
      status,
      error: `${error.code ?? 'error'}: ${error.message}`,
      ...extra,
    });
    return firstLine;
  }

  return {
    name,
    host: '127.0.0.1',
    port: Number(env.GT_PORT ?? 0),
    ports,
    urls,
    servers: env.GT_SERVERS ? JSON.parse(env.GT_SERVERS) : [],
    secrets: env.GT_SECRETS ? JSON.parse(env.GT_SECRETS) : {},
    workspace: env.GT_WORKSPACE ?? process.cwd(),
    lessonDir: env.GT_LESSON_DIR ?? process.cwd(),
    runDir: env.GT_RUN_DIR ?? process.cwd(),
    /** Write one of this server's events on fd 3 (the tutor adds server, seq and time). */
    emit: /** @type {(event: E) => void} */ (emit),
    listen,
    observe,
    connectionId,
    reportUnparsable,
    ready: (fields = {}) => emit({ event: 'ready', ...fields }),
    onCommand: (handler) => commandHandlers.push(handler),
    onShutdown: (hook) => shutdownHooks.push(hook),
    shutdown,
  };
}

/** How long a client may take to send a whole request head, and a whole request (nginx calls
 * these client_header_timeout and client_body_timeout): an idle timeout alone lets a client that
 * sends one byte every few seconds hold a connection for ever. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * What every lab server needs so that no request can crash it, whatever its own handlers forget:
 *   - a socket error (a client that resets the connection) never goes unhandled, even on a socket
 *     a handler took over (an Upgrade or CONNECT) and forgot to watch;
 *   - a request head must arrive whole within HEADERS_TIMEOUT_MS, a request within
 *     REQUEST_TIMEOUT_MS (node:http answers 408 and closes);
 *   - CONNECT, when the server has no use for it, gets a 405 instead of a silent close.
 * Raw TCP servers (FastCGI) get the first protection only.
 */
/**
 * @param {any} server  a node:http, node:https or node:net server
 * @param {{ name?: string, refused?: (req: import('node:http').IncomingMessage, socket: any, status: number) => void }} [options]
 */
export function harden(server, { name = 'server', refused = () => {} } = {}) {
  if (server.gtHardened) return;
  server.gtHardened = true;
  const ignore = () => {};
  server.on('connection', (socket) => socket.on('error', ignore));
  server.on('secureConnection', (socket) => socket.on('error', ignore));
  if (!(server instanceof HttpServer) && typeof server.headersTimeout !== 'number') return;
  server.headersTimeout = Math.min(server.headersTimeout || HEADERS_TIMEOUT_MS, HEADERS_TIMEOUT_MS);
  server.requestTimeout = Math.min(server.requestTimeout || REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
  // node:http checks those deadlines every connectionsCheckingInterval (30 s by default); it is
  // fixed when the server is made, so servers made with createServer(labHttpOptions) check often.
  // A pipelined request still waiting its turn has a response with no socket yet; when the client
  // goes away node:http closes the request but never emits 'close' on that response. Handlers
  // count on that 'close' to stop work nobody will read (a proxy's backend connection, a paused
  // body): without it each such request kept a backend connection open for ever. So emit it here.
  const closeWhenClientGoes = (req, res) => {
    // Only a response still waiting its turn has no socket; the rest (nearly all) need nothing.
    if (res.socket) return;
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    req.once('close', () => {
      if (closed || res.writableFinished || res.socket || !req.socket?.destroyed) return;
      closed = true;
      res.destroy();
      res.emit('close');
    });
  };
  server.on('request', closeWhenClientGoes);
  // "Expect: 100-continue" requests come as 'checkContinue' instead, when a server listens for it
  // (only then: a listener of ours would stop node:http answering 100 Continue by itself).
  if (server.listenerCount('checkContinue') > 0) server.on('checkContinue', closeWhenClientGoes);
  if (server.listenerCount('connect') === 0) {
    server.on('connect', (req, socket) => {
      socket.on('error', ignore);
      const text = `${name} does not open tunnels: CONNECT is for forward proxies.\n`;
      socket.end(
        `HTTP/1.1 405 ${STATUS_CODES[405]}\r\nAllow: GET, HEAD, POST, PUT, DELETE, OPTIONS\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
          `Connection: close\r\n\r\n${text}`,
      );
      refused(req, socket, 405);
    });
  }
}

/** Options for node:http createServer that every lab server should use (see harden). */
export const labHttpOptions = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: 1000,
};

/**
 * Wrap a request handler (plain or async) so that whatever it throws becomes an answer, never a
 * crash: an error with a `status` below 500 (the client's fault) answers with that status, any
 * other a 500 with the reason in the server's log. If the response had already begun, the
 * connection is cut: the client then knows the body is incomplete.
 */
export function totalHandler(handle, log = console.error) {
  const failed = (req, res, error) => {
    const status = Number.isInteger(error?.status) && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) log(`error on ${req.method} ${req.url}: ${error?.stack ?? error}`);
    if (res.headersSent || res.destroyed) return res.destroy();
    const text = status === 500 ? 'the server failed on this request (see its log)\n' : `${error.message}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  return (req, res) => {
    try {
      const result = handle(req, res);
      if (result && typeof result.then === 'function') result.then(undefined, (error) => failed(req, res, error));
    } catch (error) {
      failed(req, res, error);
    }
  };
}

/** An error that is the client's fault, for totalHandler: `throw clientError(400, 'why')`. */
export function clientError(status, message) {
  return Object.assign(new Error(message), { status });
}

/**
 * The request target as a URL, or null when it is not one: `//%` (read as `//host`, with a host
 * name no URL may have) makes `new URL(req.url, base)` throw, and one request must not be able to
 * take a server down.
 */
export function requestUrl(req, base = 'http://lab.invalid') {
  try {
    return new URL(req.url ?? '/', base);
  } catch {
    return null;
  }
}

/** The response's header fields as node holds them (lower-case names, in the order first set).
 * By name rather than through getHeaders(): that copies them into an object without a prototype,
 * slow to walk, for every request (about 1 µs against 0.4).
 * @returns {HeaderPairs} */
function responsePairs(res) {
  /** @type {HeaderPairs} */
  const out = [];
  for (const key of res.getHeaderNames()) {
    const value = res.getHeader(key);
    if (Array.isArray(value)) for (const v of value) out.push([key, String(v)]);
    else out.push([key, String(value)]);
  }
  return out;
}

/** The status for a request node:http could not parse: 431 for oversized headers, 408 for one
 * that took too long to arrive, 400 for anything else that is not HTTP. */
export function unparsableStatus(error) {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}
