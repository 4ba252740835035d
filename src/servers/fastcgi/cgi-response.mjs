// What a Responder writes on STDOUT is a CGI response (RFC 3875 §6): header lines, an empty
// line, the body. The front reads the header block from the first STDOUT bytes and turns it into
// the HTTP status line and headers; the rest is the body, passed on as it arrives.
//
//   Status: 404 Not Found          → the HTTP status (200 when there is no Status line)
//   Location: http://…             → a redirect: 302 unless a Status says otherwise
//   Content-Type: text/plain       → passed on, like every other header

/** Longest header block we wait for before deciding the app is not sending one. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Collects STDOUT until the empty line that ends the header block.
 * `push(chunk)` returns null while the block is incomplete, then once
 * `{ status, reason, headers, rest }` or `{ error }`.
 */
/**
 * A header block read: the HTTP status and headers to send, and the body bytes that came with it.
 * @typedef {{ status: number, reason: string, headers: [string, string][], rest: Buffer }} CgiHead
 */

export class CgiHeaderReader {
  /** @type {Buffer} */
  #buffered = Buffer.alloc(0);
  done = false;

  /** @param {Buffer} chunk @returns {CgiHead | { error: string } | null} */
  push(chunk) {
    if (this.done) return null;
    // Nearly always the whole header block comes in the first STDOUT record: no copy then.
    this.#buffered = this.#buffered.length ? Buffer.concat([this.#buffered, chunk]) : chunk;
    const end = headEnd(this.#buffered);
    if (!end) {
      if (this.#buffered.length > MAX_HEADER_BYTES) {
        this.done = true;
        return { error: `the app wrote ${this.#buffered.length} bytes without the empty line that ends the headers` };
      }
      return null;
    }
    this.done = true;
    const rest = this.#buffered.subarray(end.body);
    const head = parseHeaderBlock(this.#buffered.toString('latin1', 0, end.head));
    return 'error' in head ? head : { ...head, rest };
  }

  /** STDOUT ended: an error when the header block never ended. @returns {{ error: string } | null} */
  end() {
    if (this.done) return null;
    this.done = true;
    return this.#buffered.length === 0
      ? { error: 'the app wrote nothing on STDOUT (a response needs at least a header and an empty line)' }
      : {
          error: `the app's output has no empty line after its headers: ${JSON.stringify(this.#buffered.toString('latin1', 0, 80))}`,
        };
  }
}

/**
 * Where the header block ends: the first line break followed by an empty line (LF or CRLF, as
 * /\r?\n\r?\n/ finds it), found in the bytes, so a body that came along is never turned into text.
 * `head` is where the empty line's break starts, `body` where the body starts; null if not yet.
 * @param {Buffer} bytes @returns {{ head: number, body: number } | null}
 */
function headEnd(bytes) {
  for (let lf = bytes.indexOf(10); lf !== -1; lf = bytes.indexOf(10, lf + 1)) {
    const head = lf > 0 && bytes[lf - 1] === 13 ? lf - 1 : lf;
    if (bytes[lf + 1] === 10) return { head, body: lf + 2 };
    if (bytes[lf + 1] === 13 && bytes[lf + 2] === 10) return { head, body: lf + 3 };
  }
  return null;
}

/**
 * The header lines of a CGI response → status and HTTP headers, or an error that says why not.
 * @param {string} block
 * @returns {{ status: number, reason: string, headers: [string, string][] } | { error: string }}
 */
export function parseHeaderBlock(block) {
  /** @type {[string, string][]} */
  const headers = [];
  let status = null;
  let reason = '';
  let location = null;
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return { error: `the app's header line ${JSON.stringify(line.slice(0, 80))} is not "Name: value"` };
    }
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      if (!m || Number(m[1]) < 100)
        return { error: `the app sent "Status: ${value}"; a Status is a 3-digit code and a reason` };
      status = Number(m[1]);
      reason = m[2] ?? '';
      continue;
    }
    if (name.toLowerCase() === 'location') location = value;
    headers.push([name, value]);
  }
  if (status === null) status = location ? 302 : 200;
  return { status, reason, headers };
}
