// Passing one request to a backend, and what each way of failing means for the client.
//
//   the connection was refused (nothing was sent)   → try another backend, whatever the method
//   the connection broke after the request went out → try another backend only if the method is
//                                                     idempotent (the app may have acted on it),
//                                                     else 502 Bad Gateway
//   the backend sent no response headers in time    → 504 Gateway Timeout (not retried: a slow
//                                                     app that gets every request twice only
//                                                     gets slower)
//   no backend is up at all                          → 503 Service Unavailable (proxy.mjs)
//
// A request body reaches this module already complete (request-body.mjs holds it at the proxy),
// so every attempt sends the same bytes, with a Content-Length. Response bodies are not held: the
// caller streams them to the client.
//
// The requests go out through undici (the HTTP client inside Node's own fetch): one Pool of
// keep-alive connections per backend, one request at a time on each connection (no pipelining:
// a slow answer would hold up the requests queued behind it on the same connection). undici hands
// the response over in the order it arrives, to an object with one method per part:
//
//   onRequestStart    the request is on its way (its `controller` can pause, resume or abort it)
//   onResponseStart   status line and headers
//   onResponseData    each chunk of the body
//   onResponseEnd     the body is complete
//   onResponseError   the exchange failed (refused, reset, timed out, aborted)
//
// One such object, an Exchange, is all a request costs here: no stream objects, no listeners of
// its own, no timer (one timer sweeps every waiting request, see below).
import { Readable } from 'node:stream';
import { Pool } from 'undici';

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Errors of the connect phase: the backend never received a byte of the request. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** Errors where the connection broke after the request may have gone out (UND_ERR_SOCKET: the
 * backend closed the connection without answering). */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** One pool per backend, made on first use. Idle connections are closed after 4 s (the backends
 * keep theirs 10 s, so the proxy is the side that closes: see backend.mjs). */
const pools = new Map();
function poolFor(backend) {
  let pool = pools.get(backend);
  if (!pool) {
    // headersTimeout 0: the proxy's own deadline (timeoutMs, the sweep below) decides, not undici's.
    pool = new Pool(backend.url, { pipelining: 1, keepAliveTimeout: 4000, headersTimeout: 0 });
    pools.set(backend, pool);
  }
  return pool;
}

/** Close every backend connection (the proxy is shutting down). */
export function closePools() {
  for (const pool of pools.values()) pool.destroy().catch(() => {});
}

export class UpstreamError extends Error {
  /**
   * @param {'connect' | 'timeout' | 'client-gone'} kind
   * @param {string} message
   * @param {{ sent?: boolean }} [options]  sent: the request may have reached the backend
   */
  constructor(kind, message, { sent = true } = {}) {
    super(message);
    this.kind = kind;
    this.sent = sent;
    /** A keep-alive connection the backend had already closed. */
    this.stale = false;
    /** The connection broke (reset, refused…): the backend may be down. */
    this.broken = false;
  }
}

/** Whether the request has a body to send (Content-Length above 0, or chunked). */
export function hasBody(req) {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Whether a failed attempt may be repeated on another backend. A request that was never sent
 * can go anywhere: nothing reached the backend, so this is its first trip, not a repeat (RFC
 * 9110 §9.2.2 forbids a proxy only to *retry* a non-idempotent request); one whose connection
 * broke after it may have been sent, only when its method is idempotent. (A backend
 * that answered with something that is not HTTP is not asked twice.) (nginx: proxy_next_upstream error, and its
 * non_idempotent flag for a POST that was already sent.)
 */
export function mayRetry(req, error) {
  if (error.kind !== 'connect') return false;
  return !error.sent || (error.broken === true && IDEMPOTENT.has(req.method));
}

/**
 * Requests waiting for a backend's response headers, each with its deadline. One timer sweeps
 * them a few times a second, instead of a timer armed and cancelled for every request: at
 * thousands of requests a second that bookkeeping was a visible part of the proxy's CPU time.
 * A deadline is met within SWEEP_MS (nginx, too, checks its timers only between events).
 * @type {Set<Exchange>}
 */
const waiting = new Set();
const SWEEP_MS = 50;
/** @type {NodeJS.Timeout | null} */
let sweeper = null;

function sweep() {
  const now = performance.now();
  for (const exchange of waiting) {
    if (now < exchange.deadline) continue;
    const { backend, timeoutMs } = exchange;
    exchange.abort(new UpstreamError('timeout', `${backend.name} sent no response within ${timeoutMs} ms`));
  }
  if (waiting.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

const EXCHANGE = Symbol('exchange');

/**
 * One request on its way to one backend, and then its response. `sendToBackend` resolves with it
 * once the status and headers are in; the body waits (paused) until the proxy says where it goes:
 * `relayTo(res)` writes it straight to the client, `stream()` makes it a Readable (to compress or
 * cache it on the way), `discard()` drops it (HEAD, 304).
 */
export class Exchange {
  constructor(backend, timeoutMs, res, resolve, reject) {
    this.backend = backend;
    this.timeoutMs = timeoutMs;
    this.deadline = performance.now() + timeoutMs;
    this.res = res;
    this.resolve = resolve;
    this.reject = reject;
    /** @type {any} undici's handle on this exchange: pause(), resume(), abort(reason) */
    this.controller = null;
    /** Set when the exchange was aborted before undici started it. */
    this.abortReason = null;
    this.answered = false;
    this.done = false;
    this.statusCode = 0;
    /** The response header fields as node's rawHeaders: [name, value, name, value…], wire order
     * and case. (undici speaks HTTP/1.1 to the backends, and says nothing of the version of the
     * answer: the lab's backends all answer in HTTP/1.1.) */
    /** @type {string[]} */
    this.rawHeaders = [];
    /** The same fields by lower-case name (repeats joined with ", "), for quick checks. */
    /** @type {Record<string, string>} */
    this.headers = {};
    /** Where the body goes: undefined until the proxy decides, then the client's response
     * (relayTo), a Readable (stream) or null (discard).
     * @type {any} */
    this.sink = undefined;
    /** For relayTo: the request event's fields (plainBytes). */
    this.fields = null;
    /** Whether the body arrived whole (the cache stores only complete bodies). */
    this.complete = false;
  }

  /** Give up on this exchange: undici drops its connection (a half-read answer cannot be reused). */
  abort(reason) {
    waiting.delete(this);
    if (!this.answered) this.reject(reason);
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason; // not started yet: abort as soon as undici starts it
  }

  onRequestStart(controller) {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(controller, statusCode) {
    if (statusCode < 200) return; // 1xx: an interim answer (103 Early Hints…), the real one follows
    waiting.delete(this);
    this.answered = true;
    this.statusCode = statusCode;
    const raw = controller.rawHeaders; // [name, value, name, value…] as Buffers
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toString('latin1');
      const value = raw[i + 1].toString('latin1');
      this.rawHeaders.push(name, value);
      const key = name.toLowerCase();
      const seen = this.headers[key];
      this.headers[key] = seen === undefined ? value : `${seen}, ${value}`;
    }
    controller.pause(); // hold the body until the proxy says where it goes
    this.resolve(this);
  }

  onResponseData(controller, chunk) {
    if (!this.sink) return; // discarded
    if (this.sink instanceof Readable) {
      if (!this.sink.push(chunk)) controller.pause();
      return;
    }
    const res = this.sink;
    this.fields.plainBytes += chunk.length;
    if (!res.write(chunk)) {
      controller.pause(); // the client reads slower than the backend sends: wait for it
      res.once('drain', resumeExchange);
    }
  }

  onResponseEnd() {
    this.complete = true;
    this.finish();
    if (this.sink instanceof Readable) this.sink.push(null);
    else if (this.sink) this.sink.end();
  }

  /** @param {any} _controller @param {Error & { code?: string, socket?: { bytesRead: number } }} error */
  onResponseError(_controller, error) {
    waiting.delete(this);
    this.finish();
    if (this.answered) {
      // Headers are out already: the body broke off (or the client left). The client is told by
      // a cut connection.
      if (this.sink instanceof Readable) this.sink.destroy(error);
      else if (this.sink) {
        this.fields.error ??= `body stream broke: ${error.code ?? error.message}`;
        this.sink.destroy();
      }
      return;
    }
    if (this.res.destroyed) return this.reject(new UpstreamError('client-gone', 'the client went away'));
    if (error instanceof UpstreamError) return this.reject(error);
    const code = error.code ?? '';
    const failure = new UpstreamError('connect', `${this.backend.name}: ${code || error.message}`, {
      sent: !NOT_SENT.has(code),
    });
    // A keep-alive connection the backend had just closed (it had carried earlier answers):
    // not the backend's fault, and the classic case for resending an idempotent request.
    failure.stale = BROKEN.has(code) && (error.socket?.bytesRead ?? 0) > 0;
    failure.broken = BROKEN.has(code);
    this.reject(failure);
  }

  /** Count the backend free again, once. */
  finish() {
    if (this.done) return;
    this.done = true;
    this.backend.active--;
  }

  /** Write the body to the client as it comes, counting its bytes into `fields.plainBytes`. */
  relayTo(res, fields) {
    this.sink = res;
    this.fields = fields;
    fields.plainBytes = 0;
    res[EXCHANGE] = this;
    if (this.complete)
      res.end(); // a body-less answer (HEAD) is over before it started
    else this.controller.resume();
  }

  /** The body as a Readable, for the slower paths (compression, the cache recorder). */
  stream() {
    const body = new BackendBody(this);
    this.sink = body;
    if (this.complete) body.push(null);
    return body; // resumed when first read
  }

  /** No body wanted (HEAD, 204, 304…): read what comes and drop it. */
  discard() {
    this.sink = null;
    this.controller.resume();
  }
}

/** A response body as a stream: resumes the backend when read, pauses it when full. */
class BackendBody extends Readable {
  /** @param {Exchange} exchange */
  constructor(exchange) {
    super();
    this.exchange = exchange;
  }

  _read() {
    if (!this.exchange.complete) this.exchange.controller.resume();
  }

  /** Whether the body arrived whole (as node's IncomingMessage.complete). */
  get complete() {
    return this.exchange.complete;
  }
}

/** The client's socket drained: let the backend send more. @this {any} */
function resumeExchange() {
  this[EXCHANGE].controller.resume();
}

/** The client hung up before the answer was complete: stop bothering the backend. @this {any} */
function onClientClose() {
  if (!this.writableFinished) this[EXCHANGE].abort(new UpstreamError('client-gone', 'the client went away'));
}

/**
 * Send `req` to `backend` with `headers` and the held `body`; resolves with the Exchange once the
 * backend's status and headers arrived (its body waits until the caller takes it).
 * @param {{ req, backend, headers: [string, string][], timeoutMs: number,
 *           body?: import('./request-body.mjs').HeldBody,
 *           res: import('node:http').ServerResponse }} options
 *           `res` is the client's response: if it closes early, the backend request is dropped
 * @returns {Promise<Exchange>}
 */
export function sendToBackend({ req, res, backend, headers, timeoutMs, body }) {
  return new Promise((resolve, reject) => {
    backend.active++;
    const exchange = new Exchange(backend, timeoutMs, res, resolve, reject);
    // A retry overwrites it: the client's response follows the latest attempt.
    if (res[EXCHANGE] === undefined) res.once('close', onClientClose);
    res[EXCHANGE] = exchange;
    waiting.add(exchange);
    if (!sweeper) {
      sweeper = setInterval(sweep, Math.min(SWEEP_MS, timeoutMs));
      sweeper.unref();
    }
    let payload = null;
    if (body && body.size > 0) payload = body.place === 'memory' ? Buffer.concat(body.chunks) : body.stream();
    poolFor(backend).dispatch({ method: req.method, path: req.url, headers: headers.flat(), body: payload }, exchange);
  });
}
