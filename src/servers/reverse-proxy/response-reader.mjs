// Reading a backend's HTTP/1.1 response from the bytes of its connection (RFC 9112): the head,
// then exactly the bytes of the body, and no more. On a kept-alive connection the next response
// follows on the same bytes, so knowing where this one ends is the whole job (§6.3):
//
//   the request was HEAD, or the status is 1xx, 204 or 304   → no body at all
//   Transfer-Encoding ending in chunked                      → size-prefixed chunks, a 0 ends them
//   Content-Length: N                                        → exactly N bytes
//   neither                                                  → everything until the backend closes
//
// Both Transfer-Encoding and Content-Length, or two different lengths, could be read two ways,
// and a proxy that reads one way while the next hop reads another lets an attacker hide a second
// message in the first (smuggling, RFC 9112 §11.2): such a response is refused (502), not guessed
// at.
// An interim 1xx answer (100 Continue, 103 Early Hints) is skipped: the final one follows it.

/** A response head larger than this is refused (node:http's default limit too). */
export const MAX_HEAD_BYTES = 16 * 1024;

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). A missing SP
// after the code is accepted, as node's parser does.
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9][0-9])(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5): a token, no space before the
// colon, a value of visible characters, spaces and tabs (field-vchar, RFC 9110 §5.5: no control
// character), no obsolete line folding (a line starting with a space).
const FIELD_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/;
const DIGITS = /^[0-9]+$/;
const CRLF = Buffer.from('\r\n');
const END_OF_HEAD = Buffer.from('\r\n\r\n');

/** The backend's bytes are not a response this proxy can pass on safely. */
export class MalformedResponse extends Error {}

/**
 * A response head. `rawHeaders` is flat, [name, value, name, value…] in wire order and spelling
 * (as node's `IncomingMessage.rawHeaders`), so the proxy filters hop-by-hop fields as before.
 * @typedef {{ statusCode: number, statusMessage: string, httpVersion: string, rawHeaders: string[],
 *             bodyLength: number, chunked: boolean, keepAlive: boolean }} ResponseHead
 * bodyLength: the body's size, or -1 when it is chunked or runs until the connection closes.
 */

/**
 * Parse one head (its text up to, not including, the blank line) of a response to `method`.
 * @param {string} text  latin-1: one character per byte
 * @param {string} method
 * @returns {ResponseHead}
 */
export function parseHead(text, method) {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]);
  if (!status) throw new MalformedResponse(`the status line ${JSON.stringify(lines[0].slice(0, 80))} is not HTTP/1.x`);
  const rawHeaders = [];
  // Each field as it came (several lines joined by commas), undefined when absent: an empty
  // Content-Length is there, and invalid, not missing.
  let length;
  let transferEncoding;
  let connection = '';
  for (let i = 1; i < lines.length; i++) {
    const field = FIELD_LINE.exec(lines[i]);
    if (!field) throw new MalformedResponse(`the header line ${JSON.stringify(lines[i].slice(0, 80))} is malformed`);
    const [, name, value] = field;
    rawHeaders.push(name, value);
    const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
    if (lower === 'content-length') length = length === undefined ? value : `${length},${value}`;
    else if (lower === 'transfer-encoding')
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
    else if (lower === 'connection') connection = connection ? `${connection},${value}` : value;
  }
  const statusCode = Number(status[2]);
  const httpVersion = `1.${status[1]}`;
  // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless told to keep it.
  let keepAlive = httpVersion === '1.1' ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
  let bodyLength = -1;
  let chunked = false;
  if (method === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304) bodyLength = 0;
  else if (transferEncoding !== undefined) {
    if (length !== undefined) throw new MalformedResponse('it has both Transfer-Encoding and Content-Length');
    chunked = transferEncoding.toLowerCase().split(',').at(-1)?.trim() === 'chunked';
    // Not chunked: a body that ends when the connection does. From HTTP/1.0, whose framing knows
    // no Transfer-Encoding, the connection closes after it either way (§6.1).
    if (!chunked || httpVersion === '1.0') keepAlive = false;
  } else if (length !== undefined) {
    const values = length.split(',').map((one) => one.trim());
    if (!values.every((one) => DIGITS.test(one) && one === values[0]))
      throw new MalformedResponse(`its Content-Length ${JSON.stringify(length)} is not one number`);
    bodyLength = Number(values[0]);
    if (!Number.isSafeInteger(bodyLength)) throw new MalformedResponse(`its Content-Length ${values[0]} is too large`);
  } else keepAlive = false;
  return { statusCode, statusMessage: status[3] ?? '', httpVersion, rawHeaders, bodyLength, chunked, keepAlive };
}

/** Whether a comma-separated list (a Connection field) has `token`, in any case. */
function hasToken(list, token) {
  return list !== '' && list.split(',').some((one) => one.trim().toLowerCase() === token);
}

/**
 * Where the head ends in `bytes`: the index just past its blank line, or -1 if it has not all
 * arrived. Throws when it is too large, or when its lines end in a bare LF (RFC 9112 §2.2 lets a
 * recipient accept those; this proxy refuses them rather than guess where the head ends).
 * @param {Buffer} bytes
 */
export function endOfHead(bytes) {
  const end = bytes.indexOf(END_OF_HEAD);
  const limit = end === -1 ? bytes.length : end;
  if (limit > MAX_HEAD_BYTES) throw new MalformedResponse(`its head is larger than ${MAX_HEAD_BYTES} bytes`);
  if (end === -1 && bytes.indexOf('\n\n') !== -1) throw new MalformedResponse('its head ends its lines with a bare LF');
  return end === -1 ? -1 : end + 4;
}

/**
 * A chunked body, decoded as its bytes arrive, whatever the packet boundaries (RFC 9112 §7.1):
 *   chunk-size [; extensions] CRLF, that many bytes, CRLF … 0 CRLF, trailer fields, CRLF
 * Trailer fields are read and dropped: the proxy has sent the client its head already.
 */
export class ChunkedDecoder {
  constructor() {
    /** 'size' | 'data' | 'data-end' | 'trailer' | 'done' */
    this.state = 'size';
    this.left = 0;
    /** The part of a size or trailer line that arrived so far. */
    this.line = '';
    /** The trailer fields' bytes so far: as many as a head may have (MAX_HEAD_BYTES). */
    this.trailerBytes = 0;
  }

  /**
   * Decode `bytes`; `onData` gets each piece of the body. Returns how many bytes of `bytes` belong
   * to this body (the rest, if the state is 'done', is not part of this response).
   * @param {Buffer} bytes
   * @param {(piece: Buffer) => void} onData
   */
  feed(bytes, onData) {
    let at = 0;
    while (at < bytes.length && this.state !== 'done') {
      if (this.state === 'data') {
        const piece = bytes.subarray(at, at + this.left);
        at += piece.length;
        this.left -= piece.length;
        onData(piece);
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      // Everything else is a line ending in CRLF: gather it (it may arrive in pieces, and a CR
      // may end one packet with its LF starting the next).
      let line;
      if (bytes[at] === 0x0a && this.line.endsWith('\r')) {
        line = this.line.slice(0, -1);
        at += 1;
      } else {
        const lineEnd = bytes.indexOf(CRLF, at);
        this.line += bytes.toString('latin1', at, lineEnd === -1 ? bytes.length : lineEnd);
        if (this.line.length > 4096) throw new MalformedResponse('a chunk-size or trailer line is longer than 4 KiB');
        if (lineEnd === -1) {
          at = bytes.length;
          break;
        }
        at = lineEnd + 2;
        line = this.line;
      }
      this.line = '';
      if (line.includes('\n') || line.includes('\r'))
        throw new MalformedResponse('a line of its chunked body has a bare CR or LF');
      if (this.state === 'data-end') {
        if (line !== '') throw new MalformedResponse('a chunk is longer than its size said');
        this.state = 'size';
      } else if (this.state === 'size') this.sizeLine(line);
      else if (line === '')
        this.state = 'done'; // the blank line after the trailer fields
      else if ((this.trailerBytes += line.length + 2) > MAX_HEAD_BYTES)
        throw new MalformedResponse(`its trailer fields are larger than ${MAX_HEAD_BYTES} bytes`);
    }
    return at;
  }

  /** @param {string} line */
  sizeLine(line) {
    const size = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;.*)?$/.exec(line);
    if (!size) throw new MalformedResponse(`the chunk size ${JSON.stringify(line.slice(0, 40))} is not hexadecimal`);
    this.left = Number.parseInt(size[1], 16);
    this.state = this.left === 0 ? 'trailer' : 'data';
  }
}
