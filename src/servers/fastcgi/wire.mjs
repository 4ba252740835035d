// The wire view: each record that crossed a FastCGI connection, as a small plain object (for lab
// events, so a check or the TUI can show one request as records) and as lines of text (for the
// front's /_records page and the tutor's `fcgi` command).
import {
  decodePairs,
  isStreamType,
  parseBeginRequest,
  parseEndRequest,
  protocolStatusName,
  ROLE,
  TYPE,
  typeName,
} from './record.mjs';

const ROLE_NAMES = Object.fromEntries(Object.entries(ROLE).map(([name, value]) => [value, name]));
const PREVIEW = 60;

/** @typedef {import('./events.js').WireRecord} WireRecord */

/**
 * What a record says, without its raw bytes. `dir` is 'out' (sent by the web server) or 'in'.
 * (Its fields are declared in events.ts, wireRecord.)
 * @param {{ type: number, requestId: number, content: Buffer, contentLength?: number, paddingLength?: number,
 *           pairs?: [string, string][] }} record  `pairs`: the PARAMS content already read (request-bytes.mjs)
 * @param {'out' | 'in'} dir
 * @returns {WireRecord}
 */
export function describeRecord(record, dir) {
  /** @type {WireRecord} */
  const entry = {
    dir,
    type: typeName(record.type),
    requestId: record.requestId,
    contentLength: record.contentLength ?? record.content.length,
  };
  if (record.paddingLength) entry.paddingLength = record.paddingLength;
  const { content } = record;
  switch (record.type) {
    case TYPE.BEGIN_REQUEST: {
      const begin = parseBeginRequest(content);
      if (begin.role !== undefined) {
        entry.role = ROLE_NAMES[begin.role] ?? `role ${begin.role}`;
        entry.keepConn = begin.keepConn;
      }
      break;
    }
    case TYPE.END_REQUEST: {
      const end = parseEndRequest(content);
      if (end.protocolStatus !== undefined) {
        entry.appStatus = end.appStatus;
        entry.protocolStatus = protocolStatusName(end.protocolStatus);
      }
      break;
    }
    case TYPE.PARAMS:
    case TYPE.GET_VALUES:
    case TYPE.GET_VALUES_RESULT: {
      entry.pairs = record.pairs ?? decodePairs(content).pairs;
      break;
    }
    case TYPE.UNKNOWN_TYPE:
      if (content.length > 0) entry.unknownType = content.readUInt8(0);
      break;
    default:
      if (isStreamType(record.type) && content.length > 0) {
        entry.preview = content.toString('latin1', 0, Math.min(PREVIEW, content.length));
      }
  }
  return entry;
}

/** One record as text lines: an arrow for the direction, the type, the id, the length, the gist. */
/** @param {WireRecord} entry @param {{ pairs?: boolean }} [options] @returns {string[]} */
export function formatRecord(entry, { pairs = true } = {}) {
  const arrow = entry.dir === 'out' ? '→' : '←';
  const padding = entry.paddingLength ? ` +${entry.paddingLength} pad` : '';
  const head = `${arrow} ${entry.type.padEnd(17)} id ${String(entry.requestId).padEnd(5)} ${`${entry.contentLength} bytes${padding}`.padEnd(17)}`;
  const lines = [`${head} ${gist(entry)}`.trimEnd()];
  if (pairs && entry.pairs)
    for (const [name, value] of entry.pairs) lines.push(`      ${readable(name)}=${readable(value)}`);
  return lines;
}

/**
 * A name or value (a byte string: one character a byte) as a reader should see it: bytes that
 * are UTF-8 as the text they encode ("/caf%C3%A9" sends c3 a9: "/café", not "/cafÃ©"), any
 * other byte past 7f, and control bytes, as \xNN. Display only: the events keep the bytes.
 * @param {string} bytes @returns {string}
 */
export function readable(bytes) {
  if (!/[^\x20-\x7e]/.test(bytes)) return bytes;
  const raw = Buffer.from(bytes, 'latin1');
  const text = raw.toString('utf8');
  const utf8 = Buffer.byteLength(text) === raw.length && Buffer.from(text).equals(raw);
  // Control characters are escaped, C1 (80-9f: 9b alone starts a terminal escape sequence) and
  // the bidirectional overrides and isolates too, so a request cannot redraw the learner's screen.
  return (utf8 ? text : bytes).replace(
    utf8 ? /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g : /[\x00-\x1f\x7f-\xff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
    },
  );
}

/** @param {WireRecord} entry */
function gist(entry) {
  if (entry.role) return `role ${entry.role}${entry.keepConn ? ', KEEP_CONN' : ''}`;
  if (entry.protocolStatus) return `app status ${entry.appStatus}, ${entry.protocolStatus}`;
  if (entry.unknownType !== undefined) return `the app does not know type ${entry.unknownType}`;
  if (entry.pairs) return entry.contentLength === 0 ? `end of ${entry.type}` : `${entry.pairs.length} name-value pairs`;
  if (entry.contentLength === 0 && entry.type !== 'ABORT_REQUEST') return `end of ${entry.type}`;
  if (entry.preview !== undefined) return JSON.stringify(entry.preview) + (entry.contentLength > PREVIEW ? '…' : '');
  return '';
}
