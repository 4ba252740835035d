// The records that open a Responder request, made as one buffer so the web server hands them to
// the kernel in one write (and the app is woken once for the whole request):
//
//   BEGIN_REQUEST id (RESPONDER, flags) │ PARAMS id (the pairs) │ PARAMS id (empty: the end)
//   │ STDIN id (the body, when it is known already) │ STDIN id (empty: the end)
//
// The bytes are exactly those record.mjs's encodeRecord, encodePairs and encodeStream make for
// the same records, one after the other (a test checks it); only the copies are saved. Each record
// is also described in `records` (its header fields and a view of its content, no copy), for the
// wire view, with the PARAMS pairs as the app will read them, so nothing decodes them again.
import { beginRequestBody, HEADER_LENGTH, MAX_CONTENT, notByteString, ROLE, TYPE, VERSION } from './record.mjs';

/** @typedef {import('./record.mjs').FcgiRecord & { pairs?: [string, string][] }} SentRecord */

/** A character past U+00FF is no byte: such a pair is a bug in whoever made it (see record.mjs). */
const WIDE = /[^\u0000-\u00ff]/;

/**
 * @param {number} requestId
 * @param {[string, string][]} params
 * @param {{ flags: number, body?: Buffer | null, endStdin?: boolean }} options
 *   body: STDIN content to send now; endStdin: close the STDIN stream too (the body is complete)
 * @returns {{ bytes: Buffer, records: SentRecord[] } | null}  null for pairs past one record
 */
export function encodeRequestStart(requestId, params, { flags, body = null, endStdin = true }) {
  // The PARAMS content as one latin1 string (each character one byte: the lengths too), written
  // into the buffer with one call: cheaper than a write per name and value.
  let pairsText = '';
  for (const [name, value] of params) pairsText += lengthChars(name.length) + lengthChars(value.length) + name + value;
  const pairsLength = pairsText.length;
  // Pairs that need more than one record are cut where record.mjs's encodeStream cuts them: the
  // simple way below only writes them whole, so a request that large takes that way instead.
  if (pairsLength > MAX_CONTENT) return null;
  const bodyLength = body?.length ?? 0;
  // No pairs at all: no PARAMS record but the empty one that ends the stream.
  let total = recordSize(8) + (pairsLength > 0 ? recordSize(pairsLength) : 0) + HEADER_LENGTH;
  for (let offset = 0; offset < bodyLength; offset += MAX_CONTENT) {
    total += recordSize(Math.min(MAX_CONTENT, bodyLength - offset));
  }
  if (endStdin) total += HEADER_LENGTH;
  const bytes = Buffer.allocUnsafe(total);
  /** @type {SentRecord[]} */
  const records = [];
  let at = 0;
  /** Write a record header and note the record; returns where its content goes. */
  const header = (/** @type {number} */ type, /** @type {number} */ length) => {
    const padding = (8 - (length % 8)) % 8;
    bytes[at] = VERSION;
    bytes[at + 1] = type;
    bytes.writeUInt16BE(requestId, at + 2);
    bytes.writeUInt16BE(length, at + 4);
    bytes[at + 6] = padding;
    bytes[at + 7] = 0;
    const start = at + HEADER_LENGTH;
    bytes.fill(0, start + length, start + length + padding);
    records.push({
      type,
      requestId,
      contentLength: length,
      paddingLength: padding,
      content: bytes.subarray(start, start + length),
    });
    at = start + length + padding;
    return start;
  };
  beginRequestBody(ROLE.RESPONDER, flags).copy(bytes, header(TYPE.BEGIN_REQUEST, 8));
  if (pairsLength > 0) {
    if (WIDE.test(pairsText)) throw notBytes(params);
    bytes.write(pairsText, header(TYPE.PARAMS, pairsLength), 'latin1');
    records[1].pairs = params;
  }
  header(TYPE.PARAMS, 0);
  for (let offset = 0; offset < bodyLength; offset += MAX_CONTENT) {
    const end = Math.min(bodyLength, offset + MAX_CONTENT);
    /** @type {Buffer} */ (body).copy(bytes, header(TYPE.STDIN, end - offset), offset, end);
  }
  if (endStdin) header(TYPE.STDIN, 0);
  return { bytes, records };
}

/** Header plus content plus padding to a multiple of 8. @param {number} length */
function recordSize(length) {
  return HEADER_LENGTH + length + ((8 - (length % 8)) % 8);
}

/** A pair length as latin1 characters: one byte below 128, else four, big-endian with the top
 * bit set (record.mjs's encodeLength, as text). @param {number} length */
function lengthChars(length) {
  if (length < 128) return String.fromCharCode(length);
  return String.fromCharCode(0x80 | (length >>> 24), (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/** The error for pairs that are not byte strings, naming the first such pair. @param {[string, string][]} params */
function notBytes(params) {
  const [name] = params.find(([n, v]) => WIDE.test(n) || WIDE.test(v)) ?? ['?'];
  return new TypeError(`${notByteString} (${JSON.stringify(name)})`);
}
