// What the backend is told about the client, and what the client is told back.
//
// Behind a reverse proxy every connection a backend sees comes from the proxy, so the client's
// address, the scheme it used (https at the proxy, plain http behind it) and the host name it
// asked for would be lost. The proxy writes them into the request:
//
//   X-Forwarded-For: 203.0.113.7, 127.0.0.1   each proxy appends the peer it saw (de facto)
//   X-Forwarded-Proto: https                   the scheme the client used
//   X-Forwarded-Host: shop.example             the Host the client asked for
//   Forwarded: for=203.0.113.7;proto=https;host=shop.example   the standard form (RFC 7239)
//   X-Request-Id: 5f0c…                        one id for this request, in every log on its way
//
// A client can send any of these itself. Appending does not remove a forged X-Forwarded-For:
// "X-Forwarded-For: 1.2.3.4" from a client reaches the backend as "1.2.3.4, <client>". Each proxy
// appends the address it saw, so only the right-most entries, written by proxies you run, can be
// trusted; a backend must know how many proxies it sits behind and read the list from the right
// (nginx's real_ip module, Werkzeug's ProxyFix; Gunicorn leaves REMOTE_ADDR alone and trusts only
// the scheme headers of the addresses in forwarded_allow_ips). Forwarded (RFC 7239) is the
// standard form of the same list, one element per proxy.
import { randomFillSync } from 'node:crypto';
import { pairs as headerPairs } from '../lib/headers.mjs';
import { appendVia, HOP_BY_HOP } from '../lib/proxy-headers.mjs';
import { headerChanges } from './trace.mjs';

/** @typedef {import('../lib/headers.mjs').HeaderPairs} HeaderPairs */

export const VIA_NAME = 'gateway-tutor-proxy';

/** A short, fresh id for one request: 16 random hex digits (8 random bytes). The bytes come from
 * a pool filled 4 KiB at a time and are written as hex directly (a UUID made 36 characters that
 * were then cut down to 16: three strings for every request). */
export function newRequestId() {
  if (randomUsed === randomPool.length) {
    randomFillSync(randomPool);
    randomUsed = 0;
  }
  randomUsed += 8;
  return randomPool.toString('hex', randomUsed - 8, randomUsed);
}
const randomPool = Buffer.alloc(4096);
let randomUsed = randomPool.length;

/**
 * One Forwarded element (RFC 7239 §4): `for=…;proto=…;host=…`. Values that are not plain tokens
 * (IPv6 addresses, anything with a colon such as host:port) must be quoted strings; an IPv6
 * address is also put in brackets (§6).
 */
export function forwardedElement({ forAddress, proto, host }) {
  const parts = [];
  if (forAddress) {
    const node = forAddress.includes(':') ? `[${forAddress}]` : forAddress;
    parts.push(`for=${quoteIfNeeded(node)}`);
  }
  if (proto) parts.push(`proto=${proto}`);
  if (host) parts.push(`host=${quoteIfNeeded(host)}`);
  return parts.join(';');
}

// token = 1*tchar (RFC 9110 §5.6.2); anything else goes in a quoted-string.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
function quoteIfNeeded(value) {
  if (TOKEN.test(value)) return value;
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The peer address without the IPv4-mapped prefix node adds on dual-stack sockets. */
export function clientAddress(socket) {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The header pairs to send to the backend for request `req`.
 * - hop-by-hop fields are dropped (RFC 9110 §7.6.1), and so is Expect: the proxy answers
 *   "100 Continue" itself;
 * - Accept-Encoding is dropped: the proxy compresses for every client, so backends send plain
 *   bodies and the cache keeps one plain copy;
 * - the forwarding fields above are added, Via is appended;
 * - a body the proxy holds (bodySize) goes out with its Content-Length, however it came in
 *   (chunked, or with a Content-Length of its own).
 * @param {import('node:http').IncomingMessage} req
 * @param {{ proto: string, requestId: string, bodySize?: number }} options
 * @returns {[string, string][]}
 */
export function requestHeadersForBackend(req, { proto, requestId, bodySize }) {
  return backendRequest(req, proto, requestId, bodySize).headers;
}

/**
 * requestHeadersForBackend's pairs, and what they change in the request's headers (the trace's
 * `passed-on`: trace.mjs, headerChanges). Most requests carry none of the fields the proxy drops
 * or writes itself: then the pairs are the client's, in order, followed by the forwarding fields,
 * and the change is exactly those fields added. That is known while the pairs are made, so the
 * two lists are compared (headerChanges) only for a request where something was dropped.
 * @param {import('node:http').IncomingMessage} req
 * @param {string} proto
 * @param {string} requestId
 * @param {number} [bodySize]
 * @returns {{ headers: [string, string][], changes: { added?: [string, string][], removed?: string[], changed?: [string, string][] } }}
 */
export function backendRequest(req, proto, requestId, bodySize) {
  const raw = req.rawHeaders;
  const named = connectionTokens(raw);
  /** @type {[string, string][]} */
  const pairs = [];
  let dropped = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (
      HOP_BY_HOP.has(lower) ||
      REWRITTEN_FOR_BACKEND.has(lower) ||
      named?.has(lower) ||
      (bodySize !== undefined && lower === 'content-length')
    ) {
      dropped = true;
      continue;
    }
    pairs.push([name, raw[i + 1]]);
  }
  if (bodySize !== undefined) pairs.push(['Content-Length', String(bodySize)]);

  const client = clientAddress(req.socket);
  const host = req.headers.host ?? '';
  const first = pairs.length;
  const earlierFor = req.headers['x-forwarded-for'];
  pairs.push(['X-Forwarded-For', earlierFor ? `${earlierFor}, ${client}` : client]);
  pairs.push(['X-Forwarded-Proto', proto]);
  if (host) pairs.push(['X-Forwarded-Host', host]);
  const earlierForwarded = req.headers.forwarded;
  const element = forwardedOf(client, proto, host);
  pairs.push(['Forwarded', earlierForwarded ? `${earlierForwarded}, ${element}` : element]);
  pairs.push(['X-Request-Id', requestId]);
  pairs.push(['Via', appendVia(req.headers.via, VIA_NAME, req.httpVersion)]);

  // Nothing dropped and no Content-Length of the proxy's own: the client's fields went through
  // untouched (none of them has a forwarding field's name: those are dropped), so what changed is
  // the forwarding fields, added. Otherwise the two lists are compared.
  if (!dropped && bodySize === undefined) return { headers: pairs, changes: { added: pairs.slice(first) } };
  return { headers: pairs, changes: headerChanges(headerPairs(raw), pairs) };
}

/** The Forwarded element for this client, scheme and host: nearly every request of a run has the
 * same three, so the last one made is kept. */
function forwardedOf(client, proto, host) {
  if (client !== lastForwarded.client || proto !== lastForwarded.proto || host !== lastForwarded.host) {
    lastForwarded = { client, proto, host, element: forwardedElement({ forAddress: client, proto, host }) };
  }
  return lastForwarded.element;
}
let lastForwarded = { client: '', proto: '', host: '', element: '' };

/** The lower-case names a message's Connection fields list (RFC 9110 §7.6.1), or null when it has
 * none (most requests and responses). */
function connectionTokens(raw) {
  /** @type {Set<string> | null} */
  let named = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of raw[i + 1].split(',')) named.add(token.trim().toLowerCase());
  }
  return named;
}

/**
 * The backend's response header pairs, cleaned for the client: hop-by-hop out, Via appended. Our
 * entry goes after the last Via value (RFC 9110 §7.6.3: the order is the order of forwarding),
 * so when the backend sent two Via lines, it joins the second one.
 */
export function responseHeadersForClient(rawHeaders, { httpVersion = '1.1' } = {}) {
  const named = connectionTokens(rawHeaders);
  /** @type {[string, string][]} */
  const pairs = [];
  let viaIndex = -1;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    if (lower === 'via') viaIndex = pairs.length;
    pairs.push([name, rawHeaders[i + 1]]);
  }
  if (viaIndex === -1) pairs.push(['Via', appendVia(undefined, VIA_NAME, httpVersion)]);
  else pairs[viaIndex] = ['Via', appendVia(pairs[viaIndex][1], VIA_NAME, httpVersion)];
  return pairs;
}

/**
 * Request fields the backend does not get as the client sent them: Expect (the proxy answers
 * "100 Continue" itself), Accept-Encoding (the proxy compresses, see above), and the forwarding
 * fields the proxy writes itself. Made once, not per request: this runs for every request.
 */
const REWRITTEN_FOR_BACKEND = new Set([
  'expect',
  'accept-encoding',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-request-id',
  'via',
]);
