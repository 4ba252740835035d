// The request body limit (413 Content Too Large, RFC 9110 §15.5.14).
//
// A body can announce its size with Content-Length, and then the proxy refuses it before reading a
// single byte (and before sending "100 Continue" to a client that waits for one). A chunked body
// announces nothing, so the proxy counts the bytes as it holds them (request-body.mjs) and refuses
// once the count goes over the limit. Either way no backend receives any of a body it would refuse.

import { dropBody } from '../lib/linger.mjs';

/** True when the request says, in Content-Length, that its body is larger than `limit` bytes. */
export function declaredTooLarge(headers, limit) {
  const declared = headers['content-length'];
  if (declared === undefined) return false;
  return Number(declared) > limit;
}

/** The error holding a body fails with once it passes the limit; the proxy answers it with 413. */
export class BodyTooLargeError extends Error {
  constructor(limit) {
    super(`request body is larger than ${limit} bytes`);
    this.code = 'BODY_TOO_LARGE';
  }
}

/**
 * After a 413 from Content-Length alone: read and drop whatever body the client still sends, up to
 * `maxBytes`, then keep the connection. Closing at once would look tidier, but the kernel answers
 * bytes that arrive after a close with a reset (RST), and a client still busy sending (nginx
 * relaying an upload, curl without `Expect: 100-continue`) gets that reset instead of the 413. A
 * client that waited for "100 Continue" sends nothing and closes itself. Past `maxBytes` the
 * connection is cut: nobody gets to make the proxy read 10 GB.
 */
export function discardBody(req, maxBytes) {
  dropBody(req, maxBytes);
}
