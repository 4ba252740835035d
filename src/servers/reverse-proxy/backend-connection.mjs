// The proxy's connections to its backends: plain TCP sockets speaking HTTP/1.1, kept open between
// requests (keep-alive) so that a request costs no TCP handshake, one request at a time on each.
//
//   take a connection  ──►  write the request head (and body)  ──►  read the response
//        ▲                                                               │
//        └──── back to the idle list, if the response ended cleanly ◄────┘
//              and neither side said "Connection: close"
//
// A connection goes back only when the backend may safely get another request on it: the whole
// response has been read (response-reader.mjs says where it ends), nothing extra came with its
// last bytes, the whole request went out. Anything else, and it is closed. Idle connections are
// closed after IDLE_MS, so that one holds a sync WSGI worker (which serves one connection at a
// time) only briefly. A backend may still close an idle connection first (its own keep-alive
// timeout; the lab's WSGI server hands a waiting client the worker after 50 ms): a request
// written into one just as it closes fails before any answer came, and is tried again on a new
// connection (`stale`, upstream.mjs).
import net from 'node:net';
import { ChunkedDecoder, endOfHead, MalformedResponse, parseHead } from './response-reader.mjs';

export const IDLE_MS = 2000;

/**
 * What a connection tells the request it carries (upstream.mjs's Attempt).
 * @typedef {{ method: string,
 *   onHead(head: import('./response-reader.mjs').ResponseHead, whole?: Buffer): void,
 *   onBody(piece: Buffer): void, onEnd(): void, onFail(error: Error): void }} Exchange
 */

/** Idle connections of each backend, the most recently used last: it is the one taken next, so
 * that under a light load the others stay idle long enough to be closed. @type {Map<any, BackendConnection[]>} */
const idle = new Map();
const CONNECTION = Symbol('connection');

/** An idle connection to `backend`, or a new one. */
export function connectionTo(backend) {
  const list = idle.get(backend);
  let reused = list?.pop();
  // (One closed a moment ago, its 'close' not yet seen, is of no use.)
  while (reused && !reused.socket.writable) reused = list?.pop();
  return reused ?? new BackendConnection(backend);
}

export class BackendConnection {
  constructor(backend) {
    this.backend = backend;
    // noDelay: a small request goes out at once (Nagle's algorithm would hold it back).
    this.socket = net.connect({ host: backend.host, port: backend.port, noDelay: true });
    this.socket[CONNECTION] = this;
    this.socket.on('data', onData);
    this.socket.on('end', onEnd);
    this.socket.on('error', onError);
    this.socket.on('close', onClose);
    /** Whether a request went out on it before (a reused connection may have gone stale). */
    this.reused = false;
    this.idleSince = 0;
    /** @type {Exchange | null} the request it carries now; null while idle */
    this.exchange = null;
    this.requestSent = false;
    this.received = 0; // bytes of the current response so far
    /** @type {Buffer | null} the part of a head that arrived so far */
    this.pending = null;
    /** @type {import('./response-reader.mjs').ResponseHead | null} */
    this.head = null;
    this.left = 0; // bytes of a Content-Length body still to come; -1: until the close
    /** @type {ChunkedDecoder | null} */
    this.chunks = null;
  }

  /** Start an exchange: the request head (latin-1, one byte per character) and a body in memory. */
  send(exchange, head, body) {
    this.exchange = exchange;
    this.requestSent = body !== null; // a streamed body says when it is done (upstream.mjs)
    if (!body || body.length === 0) return void this.socket.write(head, 'latin1');
    this.socket.cork(); // head and body leave in one write
    this.socket.write(head, 'latin1');
    this.socket.write(body);
    this.socket.uncork();
  }

  /** Bytes from the backend for the current exchange. */
  read(bytes) {
    const exchange = /** @type {Exchange} */ (this.exchange);
    while (this.head === null) {
      if (this.pending) bytes = Buffer.concat([this.pending, bytes]);
      const end = endOfHead(bytes);
      if (end === -1) {
        this.pending = bytes;
        return;
      }
      this.pending = null;
      const head = parseHead(bytes.toString('latin1', 0, end - 4), exchange.method);
      bytes = bytes.subarray(end);
      if (head.statusCode === 101)
        throw new MalformedResponse('it switched protocols, which this request did not ask for');
      if (head.statusCode < 200) {
        if (bytes.length === 0) return; // an interim answer (100, 103): the real one follows
        continue;
      }
      this.head = head;
      this.left = head.chunked ? -1 : head.bodyLength;
      this.chunks = head.chunked ? new ChunkedDecoder() : null;
      if (this.left >= 0 && bytes.length >= this.left) {
        // The whole body came with the head (most answers): handed over with it, in one piece.
        const length = this.left;
        this.left = 0;
        exchange.onHead(head, bytes.subarray(0, length));
        if (this.exchange === exchange) this.finish(bytes.length > length);
        return;
      }
      exchange.onHead(head);
      if (this.exchange !== exchange) return; // the exchange was dropped meanwhile
    }
    if (this.chunks) {
      const chunks = this.chunks;
      const used = chunks.feed(bytes, (piece) => exchange.onBody(piece));
      if (chunks.state === 'done' && this.exchange === exchange) this.finish(used < bytes.length);
    } else if (this.left === -1) {
      if (bytes.length > 0) exchange.onBody(bytes); // until the backend closes
    } else {
      const piece = bytes.length <= this.left ? bytes : bytes.subarray(0, this.left);
      this.left -= piece.length;
      if (piece.length > 0) exchange.onBody(piece);
      if (this.left === 0 && this.exchange === exchange) this.finish(piece.length < bytes.length);
    }
  }

  /** The response is complete. `extra`: bytes came after it, which no request asked for. */
  finish(extra = false) {
    const exchange = /** @type {Exchange} */ (this.exchange);
    const reusable = this.head?.keepAlive === true && !extra && this.requestSent;
    this.reset();
    if (reusable) release(this);
    else this.socket.destroy();
    exchange.onEnd();
  }

  /** The exchange failed (the connection broke, or the response is malformed): drop the connection.
   * A reused connection that broke before any byte of an answer came was most likely closed by
   * the backend while idle, just as the request went out: `stale`, not the backend's fault. */
  fail(error) {
    const exchange = this.exchange;
    const code = error.code ?? '';
    error.stale = this.reused && this.received === 0 && (code === 'ECONNRESET' || code === 'EPIPE');
    this.reset();
    this.socket.destroy();
    exchange?.onFail(error);
  }

  /** Leave the exchange without telling it (it is over for the request: timed out, client gone). */
  drop() {
    this.reset();
    this.socket.destroy();
  }

  reset() {
    this.exchange = null;
    this.pending = null;
    this.head = null;
    this.chunks = null;
    this.received = 0;
  }
}

/** Back to the idle list, ready for the next request to this backend. */
function release(connection) {
  connection.reused = true;
  connection.idleSince = performance.now();
  connection.socket.resume(); // it may have been paused for a slow client (upstream.mjs)
  let list = idle.get(connection.backend);
  if (!list) idle.set(connection.backend, (list = []));
  list.push(connection);
  if (!closer) {
    closer = setInterval(closeIdle, IDLE_MS / 4);
    closer.unref();
  }
}

/** One timer closes every connection idle for longer than IDLE_MS (none armed per request). */
/** @type {NodeJS.Timeout | null} */
let closer = null;
function closeIdle() {
  const now = performance.now();
  let left = 0;
  for (const list of idle.values()) {
    // The oldest are first: stop at the first one still young enough.
    while (list.length > 0 && now - list[0].idleSince >= IDLE_MS) list.shift()?.socket.destroy();
    left += list.length;
  }
  if (left === 0 && closer) {
    clearInterval(closer);
    closer = null;
  }
}

function removeIdle(connection) {
  const list = idle.get(connection.backend);
  const at = list ? list.indexOf(connection) : -1;
  if (at !== -1) list?.splice(at, 1);
}

// The socket's listeners, shared by every connection (each finds its own through the socket).

/** @this {any} */
function onData(chunk) {
  const connection = this[CONNECTION];
  // An idle connection has nothing to say: a backend that talks out of turn is not trusted again.
  if (!connection.exchange) return this.destroy();
  connection.received += chunk.length;
  try {
    connection.read(chunk);
  } catch (error) {
    // A malformed answer is the backend's; anything else is a bug here, said in the log. Either
    // way only this exchange fails (502): no backend's bytes may take the proxy down.
    if (!(error instanceof MalformedResponse)) console.error(`reading ${connection.backend.name}'s answer:`, error);
    connection.fail(error);
  }
}

/** The backend closed its side. @this {any} */
function onEnd() {
  const connection = this[CONNECTION];
  if (!connection.exchange) {
    // An idle one the backend closed (its keep-alive timeout, a restart): off the idle list now.
    removeIdle(connection);
    return void this.destroy();
  }
  // A body without a length ends here; anything else was cut short.
  if (connection.head && connection.left === -1 && !connection.chunks) connection.finish();
  else connection.fail(hungUp(connection));
}

/** @this {any} */
function onError(error) {
  this[CONNECTION].fail(error);
}

/** @this {any} */
function onClose() {
  const connection = this[CONNECTION];
  removeIdle(connection);
  if (connection.exchange) connection.fail(hungUp(connection));
}

/** The error for a connection that closed before its response was complete (as node:http says it). */
function hungUp(connection) {
  const message = connection.received === 0 ? 'socket hang up' : 'the backend closed the connection mid-response';
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}
