// FastCGI 1.0 records, in and out. Everything that crosses a FastCGI connection is a record:
//
//   byte 0    1     2-3          4-5              6        7          8 …            … padding
//        ┌───────┬──────┬────────────┬────────────────┬─────────┬──────────┬──────────┬─────────┐
//        │ ver=1 │ type │ request id │ content length │ padding │ reserved │ content  │ padding │
//        └───────┴──────┴────────────┴────────────────┴─────────┴──────────┴──────────┴─────────┘
//                         u16 big end   u16 big end     0-255                0-65535   skipped
//
// Request id 0 is the connection itself (management records: GET_VALUES, UNKNOWN_TYPE); any
// other id is one request. Streams (PARAMS, STDIN, STDOUT, STDERR, DATA) are cut into records
// and end with an empty record of their type. This file is shared by the lab's web-server side
// (front.mjs) and the tutor's `fcgi` command; the Python app has its twin in fcgi_records.py.

/**
 * One record as it arrived: its header fields and content (padding already skipped).
 * @typedef {{ type: number, requestId: number, contentLength: number, paddingLength: number, content: Buffer }} FcgiRecord
 */

export const VERSION = 1;
export const HEADER_LENGTH = 8;
export const MAX_CONTENT = 65535;

export const TYPE = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(TYPE).map(([name, value]) => [value, name]));

export const ROLE = { RESPONDER: 1, AUTHORIZER: 2, FILTER: 3 };
/** BEGIN_REQUEST flag: keep the connection open after END_REQUEST, for the next request. */
export const KEEP_CONN = 1;
export const PROTOCOL_STATUS = { REQUEST_COMPLETE: 0, CANT_MPX_CONN: 1, OVERLOADED: 2, UNKNOWN_ROLE: 3 };
const PROTOCOL_STATUS_NAMES = Object.fromEntries(Object.entries(PROTOCOL_STATUS).map(([n, v]) => [v, n]));
/** The three variables a GET_VALUES query may ask about (FastCGI 1.0, §4.1). */
const WIDE = /[^\u0000-\u00ff]/;

export const MANAGEMENT_NAMES = ['FCGI_MAX_CONNS', 'FCGI_MAX_REQS', 'FCGI_MPXS_CONNS'];

/** "PARAMS", or "type 42" for a type FastCGI 1.0 does not define. @param {number} type */
export function typeName(type) {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** @param {number} status */
export function protocolStatusName(status) {
  return PROTOCOL_STATUS_NAMES[status] ?? `status ${status}`;
}

/** @param {number} type */
export function isStreamType(type) {
  return (
    type === TYPE.PARAMS || type === TYPE.STDIN || type === TYPE.STDOUT || type === TYPE.STDERR || type === TYPE.DATA
  );
}

/**
 * One record: header, content, and zeros up to the next multiple of 8 (receivers skip them).
 * @param {number} type @param {number} requestId @param {Buffer} [content]
 */
export function encodeRecord(type, requestId, content = Buffer.alloc(0)) {
  if (content.length > MAX_CONTENT)
    throw new RangeError(`record content of ${content.length} bytes (at most ${MAX_CONTENT})`);
  const padding = (8 - (content.length % 8)) % 8;
  const record = Buffer.alloc(HEADER_LENGTH + content.length + padding);
  record[0] = VERSION;
  record[1] = type;
  record.writeUInt16BE(requestId, 2);
  record.writeUInt16BE(content.length, 4);
  record[6] = padding;
  content.copy(record, HEADER_LENGTH);
  return record;
}

/**
 * A stream's data as records of at most 65535 bytes each, without the closing empty record.
 * @param {number} type @param {number} requestId @param {Buffer} data
 */
export function encodeStream(type, requestId, data) {
  const records = [];
  for (let offset = 0; offset < data.length; offset += MAX_CONTENT) {
    records.push(encodeRecord(type, requestId, data.subarray(offset, offset + MAX_CONTENT)));
  }
  return records;
}

/** A name or value length: one byte below 128, else four bytes with the top bit set. @param {number} length */
function encodeLength(length) {
  if (length < 128) return Buffer.from([length]);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((length | 0x80000000) >>> 0);
  return bytes;
}

/** Why a pair was refused: FastCGI pairs are bytes, and a string here stands for bytes. */
export const notByteString =
  'a FastCGI name or value must be a byte string (one character a byte, U+0000-U+00FF): ' +
  "text becomes one with Buffer.from(text, 'utf8').toString('latin1')";

/**
 * Name-value pairs (PARAMS, GET_VALUES, GET_VALUES_RESULT): lengths first, then the bytes.
 * Names and values are byte strings, each character one byte (as node:http gives header values,
 * and decodePairs gives them back). A character past U+00FF is no byte: a TypeError, rather
 * than the wrong bytes ("é" as UTF-8 is the two characters "\u00c3\u00a9" here, not "\u00e9").
 * @param {[string, string][]} pairs
 */
export function encodePairs(pairs) {
  const parts = [];
  for (const [name, value] of pairs) {
    if (WIDE.test(name) || WIDE.test(value)) throw new TypeError(`${notByteString} (${JSON.stringify(name)})`);
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
  }
  return Buffer.concat(parts);
}

/**
 * Read pairs back. Never throws: `{ pairs }`, or `{ error }` when a length runs past the end.
 * @param {Buffer} content
 * @returns {{ pairs: [string, string][], error?: string }}
 */
export function decodePairs(content) {
  /** @type {[string, string][]} */
  const pairs = [];
  let offset = 0;
  const readLength = () => {
    if (offset >= content.length) return -1;
    const first = content.readUInt8(offset);
    if (first < 128) {
      offset++;
      return first;
    }
    if (offset + 4 > content.length) return -1;
    const length = content.readUInt32BE(offset) & 0x7fffffff;
    offset += 4;
    return length;
  };
  while (offset < content.length) {
    const start = offset;
    const nameLength = readLength();
    const valueLength = readLength();
    if (nameLength < 0 || valueLength < 0) {
      return { pairs, error: `a name-value length at byte ${start} is cut off by the end of the content` };
    }
    if (offset + nameLength + valueLength > content.length) {
      return {
        pairs,
        error: `a pair at byte ${start} says ${nameLength}+${valueLength} bytes, but only ${content.length - offset} are left`,
      };
    }
    const name = content.toString('latin1', offset, offset + nameLength);
    const value = content.toString('latin1', offset + nameLength, offset + nameLength + valueLength);
    offset += nameLength + valueLength;
    pairs.push([name, value]);
  }
  return { pairs };
}

/** BEGIN_REQUEST content: role (u16), flags, five reserved bytes. @param {number} [role] @param {number} [flags] */
export function beginRequestBody(role = ROLE.RESPONDER, flags = KEEP_CONN) {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(role, 0);
  body[2] = flags;
  return body;
}

/**
 * @param {Buffer} content
 * @returns {{ role: number, keepConn: boolean, error?: undefined } | { error: string, role?: undefined, keepConn?: undefined }}
 */
export function parseBeginRequest(content) {
  if (content.length !== 8) return { error: `BEGIN_REQUEST content is ${content.length} bytes, not 8` };
  return { role: content.readUInt16BE(0), keepConn: (content.readUInt8(2) & KEEP_CONN) !== 0 };
}

/**
 * END_REQUEST content: the app's exit status (u32), the protocol status, three reserved bytes.
 * @param {number} [appStatus] @param {number} [protocolStatus]
 */
export function endRequestBody(appStatus = 0, protocolStatus = PROTOCOL_STATUS.REQUEST_COMPLETE) {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(appStatus >>> 0, 0);
  body[4] = protocolStatus;
  return body;
}

/**
 * @param {Buffer} content
 * @returns {{ appStatus: number, protocolStatus: number, error?: undefined } | { error: string, appStatus?: undefined, protocolStatus?: undefined }}
 */
export function parseEndRequest(content) {
  if (content.length !== 8) return { error: `END_REQUEST content is ${content.length} bytes, not 8` };
  return { appStatus: content.readUInt32BE(0), protocolStatus: content.readUInt8(4) };
}

/** UNKNOWN_TYPE content: the type the app did not understand, seven reserved bytes. @param {number} type */
export function unknownTypeBody(type) {
  const body = Buffer.alloc(8);
  body[0] = type;
  return body;
}

/**
 * Cuts a byte stream into records, whatever sizes the chunks arrive in. `push(chunk)` returns the
 * records completed so far; it never throws. On bad input it returns `{ records, error }` and
 * accepts nothing more (the only safe thing to do with a broken stream is to close it).
 * `end()` says whether the stream stopped in the middle of a record.
 */
export class RecordParser {
  /** @type {Buffer} */
  #buffer = Buffer.alloc(0);
  /** @type {string | null} */
  error = null;

  /** @param {Buffer} chunk @returns {{ records: FcgiRecord[], error?: string }} */
  push(chunk) {
    if (this.error) return { records: [], error: this.error };
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    /** @type {FcgiRecord[]} */
    const records = [];
    while (this.#buffer.length >= HEADER_LENGTH) {
      const b = this.#buffer;
      if (b.readUInt8(0) !== VERSION) {
        this.error = `a record header says version ${b.readUInt8(0)}; FastCGI 1.0 records start with version 1`;
        return { records, error: this.error };
      }
      const contentLength = b.readUInt16BE(4);
      const paddingLength = b.readUInt8(6);
      const total = HEADER_LENGTH + contentLength + paddingLength;
      if (b.length < total) break; // the rest of this record has not arrived yet
      records.push({
        type: b.readUInt8(1),
        requestId: b.readUInt16BE(2),
        contentLength,
        paddingLength,
        // A view into the bytes that arrived, not a copy: nothing writes into them.
        content: b.subarray(HEADER_LENGTH, HEADER_LENGTH + contentLength),
      });
      this.#buffer = b.subarray(total);
    }
    return { records };
  }

  /** Bytes waiting for the rest of their record (0 between records). */
  get pending() {
    return this.#buffer.length;
  }

  /** Call when the connection ends: an error if it ended inside a record. @returns {{ error: string | null }} */
  end() {
    if (this.error || this.#buffer.length === 0) return { error: this.error };
    const have = this.#buffer.length;
    if (have < HEADER_LENGTH) {
      return { error: `the connection ended ${have} bytes into a record header (a header is 8 bytes)` };
    }
    const want = HEADER_LENGTH + this.#buffer.readUInt16BE(4) + this.#buffer.readUInt8(6);
    return {
      error: `the connection ended inside a ${typeName(this.#buffer.readUInt8(1))} record: ${have} of its ${want} bytes arrived`,
    };
  }
}
