// A backend's response as the rest of the proxy sees it: the fields of its head, and its body as a
// readable stream (what node:http's IncomingMessage offers, and all that the proxy uses of it).
// The body flows with backpressure: when the client reads slowly and the stream's buffer is full,
// the backend connection is paused, and resumed when the client has caught up.
//
// Most answers are small, and their whole body arrives in the same read as the head. Such a
// response is a WholeResponse: the same fields, and the body as one Buffer (`whole`), passed on
// in one write. A stream for it cost about 26 of the proxy's 164 µs a request (README, issue 14).
import { Readable } from 'node:stream';

/** Fields of which node:http keeps only the first copy in `headers` (a second one is an error of
 * the sender, not a list); every other repeated field is joined into one list with ", ". */
const FIRST_ONLY = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * The fields by lower-case name, as node:http's `headers`. Set-Cookie is a list: its values
 * cannot be joined.
 * @param {string[]} rawHeaders
 */
function byLowerCaseName(rawHeaders) {
  /** @type {Record<string, any>} */
  const byName = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    const seen = byName[name];
    if (name === 'set-cookie') (byName[name] ??= []).push(value);
    else if (seen === undefined) byName[name] = value;
    else if (!FIRST_ONLY.has(name)) byName[name] = `${seen}, ${value}`;
  }
  return byName;
}

/** A response whose whole body came with its head: the connection is back in the idle list
 * already, and nothing is left to read. */
export class WholeResponse {
  /**
   * @param {import('./response-reader.mjs').ResponseHead} head
   * @param {Buffer} body
   */
  constructor(head, body) {
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.httpVersion = head.httpVersion;
    this.rawHeaders = head.rawHeaders;
    this.complete = true;
    /** The body, all of it. */
    this.whole = body;
    /** @type {Record<string, string | string[]> | null} */
    this.byName = null;
  }

  /** As BackendResponse's. */
  get headers() {
    this.byName ??= byLowerCaseName(this.rawHeaders);
    return this.byName;
  }
}

export class BackendResponse extends Readable {
  /**
   * @param {import('./response-reader.mjs').ResponseHead} head
   * @param {{ resume(): void, abort(): void }} owner  the request it answers (upstream.mjs)
   */
  constructor(head, owner) {
    super();
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.httpVersion = head.httpVersion;
    /** [name, value, name, value…] in wire order and spelling. */
    this.rawHeaders = head.rawHeaders;
    /** Whether the whole body arrived (the cache stores only complete ones). */
    this.complete = false;
    this.owner = owner;
    /** Always null here: the body is this stream (see WholeResponse). @type {null} */
    this.whole = null;
    /** @type {Record<string, string | string[]> | null} */
    this.byName = null;
  }

  /** The fields by lower-case name, as node:http's `headers` (made on first use: most responses
   * are relayed without anyone asking). */
  get headers() {
    this.byName ??= byLowerCaseName(this.rawHeaders);
    return this.byName;
  }

  /** The consumer wants more: let the backend connection flow again. */
  _read() {
    this.owner.resume();
  }

  /** Destroyed before its end (the client went away): the rest of the body is not wanted, and a
   * connection with unread bytes cannot carry another request. */
  _destroy(error, callback) {
    if (!this.complete) this.owner.abort();
    callback(error);
  }
}
