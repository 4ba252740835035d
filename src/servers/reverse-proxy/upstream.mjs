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
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Errors of the connect phase: the backend never received a byte of the request. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Errors where the connection broke after the request may have gone out. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE']);

/** One keep-alive connection pool to all backends: no TCP handshake per request. Small
 * requests go out at once (noDelay turns off Nagle's algorithm, which would hold them back). */
export const backendAgent = new http.Agent({
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 256,
  timeout: 4000,
  noDelay: true,
});

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
    /** A keep-alive socket the backend had already closed. */
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
 * @type {Set<Attempt>}
 */
const waiting = new Set();
const SWEEP_MS = 50;
/** @type {NodeJS.Timeout | null} */
let sweeper = null;

function sweep() {
  const now = performance.now();
  for (const attempt of waiting) {
    if (now < attempt.deadline) continue;
    waiting.delete(attempt);
    const { backend, timeoutMs } = attempt;
    attempt.upstream.destroy(new UpstreamError('timeout', `${backend.name} sent no response within ${timeoutMs} ms`));
  }
  if (waiting.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** One request on its way to one backend. Its state lives in fields, and the listeners below are
 * shared by all requests (they find their attempt through the emitter), so a request costs no
 * closures, only this object. */
class Attempt {
  constructor(backend, timeoutMs, res, upstream, resolve, reject) {
    this.backend = backend;
    this.timeoutMs = timeoutMs;
    this.deadline = performance.now() + timeoutMs;
    this.res = res;
    this.upstream = upstream;
    this.resolve = resolve;
    this.reject = reject;
    this.answered = false;
  }
}
const ATTEMPT = Symbol('attempt');

/** The backend's response headers arrived. @this {any} */
function onResponse(response) {
  const attempt = this[ATTEMPT];
  attempt.answered = true;
  waiting.delete(attempt);
  attempt.resolve(response);
}

/** The client hung up before the answer was complete: stop bothering the backend. @this {any} */
function onClientClose() {
  if (!this.writableFinished) this[ATTEMPT].upstream.destroy();
}

/** @param {NodeJS.ErrnoException} error @this {any} */
function onUpstreamError(error) {
  const attempt = this[ATTEMPT];
  waiting.delete(attempt);
  if (attempt.answered) return; // errors after the headers are the body stream's business
  const { res, backend, reject } = attempt;
  if (res.destroyed) return reject(new UpstreamError('client-gone', 'the client hung up'));
  if (error instanceof UpstreamError) return reject(error);
  // A keep-alive socket the backend had just closed: not the backend's fault.
  const stale = this.reusedSocket && error.code === 'ECONNRESET';
  const failure = new UpstreamError('connect', `${backend.name}: ${error.code ?? error.message}`, {
    sent: !NOT_SENT.has(error.code ?? ''),
  });
  failure.stale = stale;
  failure.broken = stale || BROKEN.has(error.code ?? '');
  reject(failure);
}

/**
 * Send `req` to `backend` with `headers` and the held `body`; resolves with the backend's response
 * (body unread).
 * @param {{ req, backend, headers: [string, string][], timeoutMs: number,
 *           body?: import('./request-body.mjs').HeldBody,
 *           res: import('node:http').ServerResponse }} options
 *           `res` is the client's response: if it closes early, the backend request is dropped
 * @returns {Promise<import('node:http').IncomingMessage>}
 */
export function sendToBackend({ req, res, backend, headers, timeoutMs, body }) {
  return new Promise((resolve, reject) => {
    const upstream = http.request({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: headers.flat(),
      agent: backendAgent,
    });
    const attempt = new Attempt(backend, timeoutMs, res, upstream, resolve, reject);
    upstream[ATTEMPT] = attempt;
    res[ATTEMPT] = attempt; // a retry overwrites it: the client's response follows the latest attempt
    res.on('close', onClientClose); // 'close' comes once: no need for once()'s wrapper
    upstream.on('response', onResponse);
    upstream.on('error', onUpstreamError);
    waiting.add(attempt);
    if (!sweeper) {
      sweeper = setInterval(sweep, Math.min(SWEEP_MS, timeoutMs));
      sweeper.unref();
    }

    if (!body || body.size === 0) upstream.end();
    else if (body.place === 'memory') upstream.end(Buffer.concat(body.chunks));
    else pipeline(body.stream(), upstream).catch(() => {}); // a failure shows as the 'error' above
  });
}
