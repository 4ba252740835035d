// One connection from a web server to a FastCGI app, seen from the web server's side. A request
// on it is a conversation of records:
//
//   web server                                   app
//     BEGIN_REQUEST id=7 (RESPONDER, KEEP_CONN) ─▶
//     PARAMS id=7 (name-value pairs)…, PARAMS id=7 (empty: the end) ─▶
//     STDIN id=7 (the body)…, STDIN id=7 (empty: the end) ─▶
//                                  ◀─ STDOUT id=7 (a CGI response)…, STDOUT id=7 (empty)
//                                  ◀─ STDERR id=7 (log lines, if any)
//                                  ◀─ END_REQUEST id=7 (app status, protocol status)
//
// With KEEP_CONN the app leaves the connection open for the next request: no new TCP handshake.
// This class sends and receives those records and reports every one of them (onRecord), so the
// front and the tutor's `fcgi` command can show the whole conversation.
import { connect } from 'node:net';
import {
  beginRequestBody,
  decodePairs,
  encodePairs,
  encodeRecord,
  encodeStream,
  KEEP_CONN,
  parseEndRequest,
  RecordParser,
  ROLE,
  TYPE,
  typeName,
} from './record.mjs';
import { encodeRequestStart } from './request-bytes.mjs';

/** @typedef {import('./record.mjs').FcgiRecord} FcgiRecord */
/** Sees every record sent ('out') or received ('in'). @typedef {(record: FcgiRecord, dir: 'out' | 'in') => void} OnRecord */
/** What END_REQUEST said. @typedef {{ appStatus: number, protocolStatus: number }} EndRequest */

export class FcgiError extends Error {
  /** @param {'connect' | 'closed' | 'protocol' | 'timeout' | 'busy'} kind @param {string} message */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** "127.0.0.1:9000" or "host:port" → TCP; anything else (a path) → a Unix socket. */
/** @param {string} address @returns {{ host: string, port: number, path?: undefined } | { path: string }} */
export function parseAddress(address) {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (match && !address.includes('/')) return { host: match[1] || '127.0.0.1', port: Number(match[2]) };
  return { path: address };
}

/**
 * Open a connection; rejects with FcgiError('connect') when nobody listens there.
 * @param {string} address @param {{ timeoutMs?: number, onRecord?: OnRecord }} [options]
 * @returns {Promise<FcgiConnection>}
 */
export function openConnection(address, { timeoutMs = 3000, onRecord } = {}) {
  return new Promise((resolve, reject) => {
    const target = parseAddress(address);
    const socket = connect(target);
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new FcgiError('connect', `no answer from ${address} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      clearTimeout(timer);
      reject(new FcgiError('connect', `cannot connect to ${address}: ${error.code ?? error.message}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new FcgiConnection(socket, { onRecord }));
    });
  });
}

export class FcgiConnection {
  /** @type {import('node:net').Socket} */ socket;
  closed = false;
  /** The front's number for it (its pool counts them). @type {number | undefined} */
  id;
  /** Taken from the idle list rather than opened for this request. */
  reused = false;
  /** Why it closed, in words, once it has. */
  closeReason = '';
  #parser = new RecordParser();
  /** The request in progress: its id and what to do with its records. */
  /** @type {null | { requestId: number, resolve: (end: EndRequest) => void, reject: (error: Error) => void,
   *                  onStdout: (chunk: Buffer) => void, onStderr: (chunk: Buffer) => void }} */
  #current = null;
  /** A GET_VALUES query waiting for its answer. */
  /** @type {null | { resolve: (values: Map<string, string>) => void, reject: (error: Error) => void }} */
  #management = null;

  /** @param {import('node:net').Socket} socket @param {{ onRecord?: OnRecord }} [options] */
  constructor(socket, { onRecord } = {}) {
    this.socket = socket;
    /** Called with (record, 'out' | 'in') for every record sent or received. */
    this.onRecord = onRecord ?? (() => {});
    socket.on('data', (chunk) => this.#receive(chunk));
    socket.on('error', (/** @type {NodeJS.ErrnoException} */ error) =>
      this.#fail('closed', `the connection to the app broke: ${error.code ?? error.message}`),
    );
    socket.on('close', () => {
      const { error } = this.#parser.end();
      this.#fail(error ? 'protocol' : 'closed', error ?? 'the app closed the connection before END_REQUEST');
    });
  }

  get busy() {
    return this.#current !== null || this.#management !== null;
  }

  /** @param {number} type @param {number} requestId @param {Buffer} [content] */
  #send(type, requestId, content) {
    const record = encodeRecord(type, requestId, content);
    this.onRecord(
      {
        type,
        requestId,
        contentLength: content?.length ?? 0,
        paddingLength: record[6],
        content: content ?? Buffer.alloc(0),
      },
      'out',
    );
    return this.socket.write(record);
  }

  /** @param {number} type @param {number} requestId @param {Buffer} data */
  #sendStream(type, requestId, data) {
    let ok = true;
    for (const record of encodeStream(type, requestId, data)) {
      this.onRecord(
        {
          type,
          requestId,
          contentLength: record.readUInt16BE(4),
          paddingLength: record[6],
          content: record.subarray(8, 8 + record.readUInt16BE(4)),
        },
        'out',
      );
      ok = this.socket.write(record);
    }
    return ok;
  }

  /**
   * Run one Responder request. `body` is a Buffer or a readable stream (the HTTP request: it is
   * sent as STDIN records as it arrives). Resolves with END_REQUEST's fields; stdout and stderr
   * arrive through the callbacks as they come.
   * @param {{ requestId: number, params: [string, string][], body?: Buffer | import('node:stream').Readable | null,
   *           keepConn?: boolean, onStdout?: (chunk: Buffer) => void, onStderr?: (chunk: Buffer) => void }} options
   * @returns {Promise<EndRequest>}
   */
  request({ requestId, params, body, keepConn = true, onStdout = () => {}, onStderr = () => {} }) {
    if (this.closed) return Promise.reject(new FcgiError('closed', this.closeReason));
    return new Promise((resolve, reject) => {
      const whole = body === undefined || body === null || Buffer.isBuffer(body);
      // The first records go out in one write, in one TCP segment where they fit: the app wakes up
      // once for the whole request instead of once per record. (Pairs that are not byte strings
      // throw here, before the connection takes the request: it stays free for the next one.)
      const start = encodeRequestStart(requestId, params, {
        flags: keepConn ? KEEP_CONN : 0,
        body: whole ? body : null,
        endStdin: whole,
      });
      const pairs = start ? null : encodePairs(params);
      this.#current = { requestId, resolve, reject, onStdout, onStderr };
      if (start) {
        for (const record of start.records) this.onRecord(record, 'out');
        this.socket.write(start.bytes);
      } else {
        // PARAMS longer than one record (64 KiB of headers): record by record, in one corked write.
        this.socket.cork();
        this.#send(TYPE.BEGIN_REQUEST, requestId, beginRequestBody(ROLE.RESPONDER, keepConn ? KEEP_CONN : 0));
        // Pairs are cut into records like any stream; then the empty record says "no more params".
        this.#sendStream(TYPE.PARAMS, requestId, /** @type {Buffer} */ (pairs));
        this.#send(TYPE.PARAMS, requestId);
        if (whole && body?.length) this.#sendStream(TYPE.STDIN, requestId, body);
        if (whole) this.#send(TYPE.STDIN, requestId);
        this.socket.uncork();
      }
      if (whole) return;
      // A stream: each chunk becomes STDIN records; a full socket pauses the sender (backpressure).
      body.on('data', (chunk) => {
        if (this.closed || this.#current?.requestId !== requestId) return;
        if (!this.#sendStream(TYPE.STDIN, requestId, chunk)) {
          body.pause();
          this.socket.once('drain', () => body.resume());
        }
      });
      body.on('end', () => {
        if (!this.closed && this.#current?.requestId === requestId) this.#send(TYPE.STDIN, requestId);
      });
    });
  }

  /** Ask the app to stop a request (the client went away). It should answer with END_REQUEST. */
  /** @param {number} requestId */
  abort(requestId) {
    if (!this.closed) this.#send(TYPE.ABORT_REQUEST, requestId);
  }

  /** A management query on request id 0: which limits does the app have? Resolves with a Map. */
  /** @param {string[]} names @returns {Promise<Map<string, string>>} */
  getValues(names) {
    if (this.closed) return Promise.reject(new FcgiError('closed', this.closeReason));
    return new Promise((resolve, reject) => {
      this.#management = { resolve, reject };
      this.#send(TYPE.GET_VALUES, 0, encodePairs(names.map((name) => [name, ''])));
    });
  }

  /** Send any record as it is (the `fcgi` command uses this to show what an app does with one). */
  /** @param {number} type @param {number} requestId @param {Buffer} [content] */
  sendRaw(type, requestId, content) {
    this.#send(type, requestId, content);
  }

  close(reason = 'closed by the web server') {
    this.#fail('closed', reason);
    this.socket.destroy();
  }

  /** @param {Buffer} chunk */
  #receive(chunk) {
    const { records, error } = this.#parser.push(chunk);
    for (const record of records) {
      this.onRecord(record, 'in');
      this.#dispatch(record);
      if (this.closed) return;
    }
    if (error) {
      this.#fail('protocol', `the app broke the protocol: ${error}`);
      this.socket.destroy();
    }
  }

  /** @param {FcgiRecord} record */
  #dispatch(record) {
    if (record.requestId === 0) {
      const waiting = this.#management;
      if (record.type === TYPE.GET_VALUES_RESULT && waiting) {
        this.#management = null;
        const { pairs, error } = decodePairs(record.content);
        if (error) waiting.reject(new FcgiError('protocol', `GET_VALUES_RESULT: ${error}`));
        else waiting.resolve(new Map(pairs));
      } else if (record.type === TYPE.UNKNOWN_TYPE && waiting) {
        this.#management = null;
        waiting.resolve(new Map());
      }
      return;
    }
    const current = this.#current;
    // Records for a request that is over (a late reply to ABORT_REQUEST) are ignored, as the spec says.
    if (!current || record.requestId !== current.requestId) return;
    switch (record.type) {
      case TYPE.STDOUT:
        if (record.content.length) current.onStdout(record.content);
        break;
      case TYPE.STDERR:
        if (record.content.length) current.onStderr(record.content);
        break;
      case TYPE.END_REQUEST: {
        const end = parseEndRequest(record.content);
        this.#current = null;
        if (end.error !== undefined || end.appStatus === undefined) {
          current.reject(new FcgiError('protocol', `the app broke the protocol: ${end.error}`));
          this.close('a malformed END_REQUEST');
        } else current.resolve({ appStatus: end.appStatus, protocolStatus: end.protocolStatus });
        break;
      }
      default:
        current.reject(
          new FcgiError('protocol', `the app sent ${typeName(record.type)}, which an app never sends to a web server`),
        );
        this.#current = null;
        this.close(`an unexpected ${typeName(record.type)} record`);
    }
  }

  /** @param {'closed' | 'protocol'} kind @param {string} reason */
  #fail(kind, reason) {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    const error = new FcgiError(kind, reason);
    this.#current?.reject(error);
    this.#management?.reject(error);
    this.#current = null;
    this.#management = null;
  }
}
