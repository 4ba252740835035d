// The request as it goes to a backend, written out: the request line and the header fields in
// one string (RFC 9112 §3, §5), sent in one write with the body (backend-connection.mjs).
//
//   GET /whoami HTTP/1.1
//   Host: 127.0.0.1:8300            the client's fields, less the hop-by-hop ones (forwarding.mjs)
//   X-Forwarded-For: 127.0.0.1      what the proxy adds (forwarding.mjs)
//   …
//   Connection: keep-alive          this connection stays open for the next request
//                                   (a blank line ends the head)
//
// These are the bytes node:http's client wrote for the same request, so backends see what they
// saw before, down to a request with no body of a method that usually carries one (POST,
// PATCH…): node:http sent it as an empty chunked body, and so does this.

/** Methods whose requests rarely have a body: without one, nothing is said about it. */
const NO_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
const CHUNKED_HEAD_END = 'Transfer-Encoding: chunked\r\n\r\n';
const EMPTY = Buffer.alloc(0);
const CHUNKED_EMPTY = Buffer.from('0\r\n\r\n'); // the last chunk, of size 0, and no trailer

/**
 * The head as a string (latin-1: one character per byte). The header values come from node:http's
 * parser of the client's request (which refuses CR, LF and NUL in them) or from the proxy itself,
 * so none can end a line early.
 * @param {string} method @param {string} target @param {[string, string][]} headers
 */
export function requestHead(method, target, headers) {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  let length = false;
  for (const [name, value] of headers) {
    head += `${name}: ${value}\r\n`;
    if (name.length === 14 && name.toLowerCase() === 'content-length') length = true;
  }
  head += 'Connection: keep-alive\r\n';
  if (!length && !NO_BODY.has(method)) head += 'Transfer-Encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** The body of a request that has none: nothing, or an empty chunked body if its head says so. */
export function emptyBody(head) {
  return head.endsWith(CHUNKED_HEAD_END) ? CHUNKED_EMPTY : EMPTY;
}
