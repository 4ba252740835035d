// When a request that failed on one backend may go to another, and the error that says how it
// failed (upstream.mjs writes the table of failures and what each becomes for the client).

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2). */
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Errors of the connect phase: the backend never received a byte of the request. */
export const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Errors where the connection broke after the request may have gone out. */
export const BROKEN = new Set(['ECONNRESET', 'EPIPE']);

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
    /** The backend answered, but not in HTTP this proxy can pass on (response-reader.mjs). */
    this.malformed = false;
  }
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
