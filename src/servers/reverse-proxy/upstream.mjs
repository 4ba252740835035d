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
 * can go anywhere (RFC 9110 §9.2.2: the client knows it "was never applied"); one whose
 * connection broke after it may have been sent, only when its method is idempotent. (A backend
 * that answered with something that is not HTTP is not asked twice.) (nginx: proxy_next_upstream error, and its
 * non_idempotent flag for a POST that was already sent.)
 */
export function mayRetry(req, error) {
  if (error.kind !== 'connect') return false;
  return !error.sent || (error.broken === true && IDEMPOTENT.has(req.method));
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
    // The client hung up before the answer was complete: stop bothering the backend.
    const clientGone = () => res.writableFinished || upstream.destroy();
    res.once('close', clientGone);

    let answered = false;
    const timer = setTimeout(() => {
      upstream.destroy(new UpstreamError('timeout', `${backend.name} sent no response within ${timeoutMs} ms`));
    }, timeoutMs);

    upstream.on('response', (response) => {
      answered = true;
      clearTimeout(timer);
      resolve(response);
    });
    upstream.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      clearTimeout(timer);
      if (answered) return; // errors after the headers are the body stream's business
      if (res.destroyed) return reject(new UpstreamError('client-gone', 'the client hung up'));
      if (error instanceof UpstreamError) return reject(error);
      // A keep-alive socket the backend had just closed: not the backend's fault.
      const stale = upstream.reusedSocket && error.code === 'ECONNRESET';
      const failure = new UpstreamError('connect', `${backend.name}: ${error.code ?? error.message}`, {
        sent: !NOT_SENT.has(error.code ?? ''),
      });
      failure.stale = stale;
      failure.broken = stale || BROKEN.has(error.code ?? '');
      reject(failure);
    });

    if (!body || body.size === 0) upstream.end();
    else if (body.place === 'memory') upstream.end(Buffer.concat(body.chunks));
    else pipeline(body.stream(), upstream).catch(() => {}); // a failure shows as the 'error' above
  });
}
