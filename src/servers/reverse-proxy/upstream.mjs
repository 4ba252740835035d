// Passing one request to a backend, and what each way of failing means for the client.
//
//   the backend refused or dropped the connection   → try another backend if the request is safe
//                                                     to repeat, else 502 Bad Gateway
//   the backend sent no response headers in time    → 504 Gateway Timeout (not retried: a slow
//                                                     app that gets every request twice only
//                                                     gets slower)
//   no backend is up at all                          → 503 Service Unavailable (proxy.mjs)
//
// Bodies are piped, never collected: the client's upload flows to the backend as it arrives,
// through the body limit, and stream backpressure keeps a fast sender from filling the proxy.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BodyLimit } from './body-limit.mjs';

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2): safe to retry. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

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
  /** @param {'connect' | 'timeout' | 'too-large' | 'client-gone'} kind */
  constructor(kind, message, { retryable = false } = {}) {
    super(message);
    this.kind = kind;
    this.retryable = retryable;
  }
}

/** Whether the request has a body to send (Content-Length above 0, or chunked). */
export function hasBody(req) {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** Whether a failed attempt may be repeated on another backend. */
export function mayRetry(req) {
  return IDEMPOTENT.has(req.method) && !hasBody(req);
}

/**
 * Send `req` to `backend` with `headers`; resolves with the backend's response (body unread).
 * @param {{ req, backend, headers: [string, string][], timeoutMs: number, maxBody: number,
 *           res: import('node:http').ServerResponse, beforeBody?: () => void }} options
 *           `res` is the client's response: if it closes early, the backend request is dropped;
 *           beforeBody runs just before the upload starts (the proxy sends "100 Continue" there)
 * @returns {Promise<import('node:http').IncomingMessage>}
 */
export function sendToBackend({ req, res, backend, headers, timeoutMs, maxBody, beforeBody = () => {} }) {
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
    let tooLarge = false;
    const timer = setTimeout(() => {
      upstream.destroy(new UpstreamError('timeout', `${backend.name} sent no response within ${timeoutMs} ms`));
    }, timeoutMs);

    upstream.on('response', (response) => {
      answered = true;
      clearTimeout(timer);
      resolve(response);
    });
    upstream.on('error', (error) => {
      clearTimeout(timer);
      if (answered) return; // errors after the headers are the body stream's business
      if (res.destroyed) return reject(new UpstreamError('client-gone', 'the client hung up'));
      if (error instanceof UpstreamError) return reject(error);
      if (tooLarge) return reject(new UpstreamError('too-large', error.message));
      // A keep-alive socket the backend had just closed: not the backend's fault, retry is safe.
      const stale = upstream.reusedSocket && error.code === 'ECONNRESET';
      const failure = new UpstreamError('connect', `${backend.name}: ${error.code ?? error.message}`, {
        retryable: stale || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH'].includes(error.code),
      });
      failure.stale = stale;
      reject(failure);
    });

    if (!hasBody(req)) {
      upstream.end();
      return;
    }
    beforeBody();
    const limit = new BodyLimit(maxBody);
    // req.pipe (not pipeline) so that a body over the limit does not destroy the client's
    // socket: the proxy still has to tell it "413". The rest of the upload is read and dropped.
    req.pipe(limit);
    limit.on('error', () => {
      tooLarge = true;
      req.unpipe(limit);
      req.resume();
    });
    // Over the limit, the pipeline destroys `upstream`, and the 'error' handler above, seeing
    // `tooLarge`, rejects with 'too-large' (the backend did nothing wrong).
    pipeline(limit, upstream).catch(() => clearTimeout(timer));
  });
}
