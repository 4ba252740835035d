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
//   the answer is not HTTP (response-reader.mjs)     → 502, not retried
//   a kept-alive connection the backend had closed   → the same backend again on a fresh
//     just as the request went out ("stale")          connection, if the method is idempotent
//   the body stopped coming for 60 s                 → the client is cut off (body-deadline.mjs)
// (Whether a failure may go to another backend: retry-rules.mjs.)
//
// A request body reaches this module already complete (request-body.mjs holds it at the proxy),
// so every attempt sends the same bytes, with a Content-Length. Response bodies are not held: the
// caller streams them to the client, or gets one whole when it came with the head (WholeResponse). The HTTP/1.1 itself is written by hand, over plain sockets
// kept open between requests (backend-connection.mjs, response-reader.mjs): the request head is one
// string, the response is read from the bytes as they come. (WebSocket upgrades go through
// node:http, websocket.mjs.)
import { BackendConnection, connectionTo } from './backend-connection.mjs';
import { BackendResponse, WholeResponse } from './backend-response.mjs';
import { BODY_IDLE_MS, unwatchBody, watchBody } from './body-deadline.mjs';
import { emptyBody, requestHead } from './request-head.mjs';
import { MalformedResponse } from './response-reader.mjs';
import { BROKEN, IDEMPOTENT, NOT_SENT, UpstreamError } from './retry-rules.mjs';

/** Whether the request has a body to send (Content-Length above 0, or chunked). */
export function hasBody(req) {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
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
    attempt.settle(new UpstreamError('timeout', `${backend.name} sent no response within ${timeoutMs} ms`));
  }
  if (waiting.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** One request on its way to one backend: the exchange a backend connection carries. Its state
 * lives in fields, and the listener below is shared by all requests (it finds its attempt through
 * the client's response), so a request costs no closures, only this object. */
class Attempt {
  constructor(method, backend, timeoutMs, res, resolve, reject, bodyIdleMs = BODY_IDLE_MS) {
    this.method = method;
    this.backend = backend;
    this.timeoutMs = timeoutMs;
    this.deadline = performance.now() + timeoutMs;
    this.res = res;
    this.resolve = resolve;
    this.reject = reject;
    /** The request head, and its body (held complete), for a second try on a fresh connection. */
    this.head = '';
    /** @type {import('./request-body.mjs').HeldBody | undefined} */
    this.body = undefined;
    /** @type {import('./backend-connection.mjs').BackendConnection | null} */
    this.connection = null;
    /** @type {BackendResponse | null} */
    this.response = null;
    this.settled = false;
    this.retriedStale = false;
    /** The longest wait for the next piece of the body, and when the last one came (body-deadline.mjs). */
    this.bodyIdleMs = bodyIdleMs;
    this.lastRead = 0;
  }

  /** Write the request on a connection to the backend: an idle one if there is one, but a new
   * one for a second try after a stale one (the backend may have closed all its idle ones). */
  send() {
    const connection = this.retriedStale ? new BackendConnection(this.backend) : connectionTo(this.backend);
    this.connection = connection;
    const body = this.body;
    if (!body || body.size === 0) connection.send(this, this.head, emptyBody(this.head));
    else if (body.place === 'memory') connection.send(this, this.head, Buffer.concat(body.chunks));
    else {
      connection.send(this, this.head, null);
      const stream = body.stream();
      // A connection dropped halfway (timeout, client gone) stops the file, or it stays open.
      const stop = () => stream.destroy();
      connection.socket.once('close', stop);
      // Sent once its last byte is handed to the socket (the file's 'end' may come later than
      // the backend's answer: the read that finds the end of the file is one more trip).
      let left = body.size;
      stream.on('data', (chunk) => {
        left -= chunk.length;
        if (left === 0 && connection.exchange === this) connection.requestSent = true;
      });
      stream.on('end', () => connection.socket.off('close', stop));
      stream.on('error', (error) => connection.exchange === this && connection.fail(error));
      stream.pipe(connection.socket, { end: false });
    }
  }

  /** The response head arrived, and with it, if `whole` is given, its whole body (the connection
   * is done with this request: nothing more will come for it). */
  onHead(head, whole = undefined) {
    waiting.delete(this);
    this.settled = true;
    if (whole !== undefined) return this.resolve(new WholeResponse(head, whole));
    this.response = new BackendResponse(head, this);
    if (head.bodyLength !== 0) watchBody(this);
    this.resolve(this.response);
  }

  /** A piece of the body: to the response stream; when its buffer is full, pause the backend. */
  onBody(piece) {
    this.lastRead = performance.now();
    if (!this.response?.push(piece)) this.connection?.socket.pause();
  }

  /** The body is complete (the connection is back in the idle list, or closed). */
  onEnd() {
    this.connection = null;
    unwatchBody(this);
    if (!this.response) return;
    this.response.complete = true;
    this.response.push(null);
  }

  /** The connection broke, or the backend's answer was not HTTP. */
  onFail(error) {
    this.connection = null;
    unwatchBody(this);
    // Mid-body: the relay cuts the client off. (A moment later: when the body broke in the same
    // packet as the head, the proxy has not yet had the turn to start relaying.)
    const response = this.response;
    // (Nobody may be reading it: then it ends without an error, which no one would catch.)
    if (response)
      return void setImmediate(() => response.destroy(response.listenerCount('error') > 0 ? error : undefined));
    waiting.delete(this);
    if (this.res.destroyed) return this.settle(new UpstreamError('client-gone', 'the client hung up'));
    // A keep-alive connection the backend had just closed says nothing about the backend: a
    // request that may be sent twice gets one more try, on a fresh connection.
    if (error.stale && !this.retriedStale && IDEMPOTENT.has(this.method)) {
      this.retriedStale = true;
      waiting.add(this);
      return this.send();
    }
    const { backend } = this;
    const malformed = error instanceof MalformedResponse;
    const code = error.code ?? '';
    const failure = new UpstreamError(
      'connect',
      malformed
        ? `${backend.name} sent a malformed response: ${error.message}`
        : `${backend.name}: ${code || error.message}`,
      { sent: !NOT_SENT.has(code) },
    );
    failure.stale = error.stale === true;
    failure.malformed = malformed;
    failure.broken = failure.stale || BROKEN.has(code);
    this.settle(failure);
  }

  /** Fail before any answer: drop the connection (the backend may still be working on it). */
  settle(error) {
    if (this.settled) return;
    this.settled = true;
    this.connection?.drop();
    this.connection = null;
    this.reject(error);
  }

  /** The response stream wants more of the body. */
  resume() {
    this.connection?.socket.resume();
  }

  /** Nobody wants the rest: the client went away. */
  abort() {
    unwatchBody(this);
    this.connection?.drop();
    this.connection = null;
    if (this.response && !this.response.complete) this.response.destroy();
    this.settle(new UpstreamError('client-gone', 'the client hung up'));
  }
}
const ATTEMPT = Symbol('attempt');

/** The client hung up before the answer was complete: stop bothering the backend. @this {any} */
function onClientClose() {
  if (!this.writableFinished) this[ATTEMPT].abort();
}

/**
 * Send `req` to `backend` with `headers` and the held `body`; resolves with the backend's response:
 * its body unread (a BackendResponse, a stream), or all there (a WholeResponse, `whole`).
 * @param {{ req, backend, headers: [string, string][], timeoutMs: number, bodyIdleMs?: number,
 *           body?: import('./request-body.mjs').HeldBody,
 *           res: import('node:http').ServerResponse }} options
 *           `res` is the client's response: if it closes early, the backend request is dropped
 * @returns {Promise<BackendResponse | WholeResponse>}
 */
export function sendToBackend({ req, res, backend, headers, timeoutMs, body, bodyIdleMs }) {
  return new Promise((resolve, reject) => {
    const attempt = new Attempt(req.method, backend, timeoutMs, res, resolve, reject, bodyIdleMs);
    attempt.head = requestHead(req.method, req.url, headers);
    attempt.body = body;
    res[ATTEMPT] = attempt; // a retry overwrites it: the client's response follows the latest attempt
    res.on('close', onClientClose); // 'close' comes once: no need for once()'s wrapper
    waiting.add(attempt);
    if (!sweeper) {
      sweeper = setInterval(sweep, Math.min(SWEEP_MS, timeoutMs));
      sweeper.unref();
    }
    attempt.send();
  });
}
