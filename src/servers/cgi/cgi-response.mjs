// Reading what a script printed (RFC 3875 §6): header lines, an empty line, then the body.
//
//   Content-Type: text/plain      ← a document response (§6.2.1); Status is optional, 200 if absent
//   Status: 404 Not Found
//   X-Anything: passed on         ← other header fields go to the client as they are
//                                 ← the empty line ends the header block
//   the body...
//
//   Location: /cgi-bin/other.sh   ← alone: a local redirect (§6.2.2), served inside the server
//   Location: https://example.org/ ← absolute: a client redirect (§6.2.3), the client gets a 302
//
// Lines end with LF; CR LF is accepted too (§7.2). Anything else in the header block is the
// script's mistake, and the server says which line broke which rule instead of guessing.

/** @typedef {'document' | 'local-redirect' | 'client-redirect' | 'client-redirect-document'} ResponseKind */
/**
 * @typedef {{ ok: true, kind: ResponseKind, status: number, reason: string | undefined,
 *   headers: [string, string][], location: string | undefined, warnings: string[] }} ParsedOk
 */
/** @typedef {ParsedOk | { ok: false, problem: string }} ParsedHead */

/** How many bytes of header the server reads before it gives up on finding the empty line. */
export const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Where the header block ends in what the script printed so far.
 * @param {Buffer} output
 * @returns {{ headEnd: number, bodyStart: number } | null} null: no empty line yet
 */
export function findHeadEnd(output) {
  // The header block may be empty only in broken output; a first line that is empty is caught
  // by parseHead ("no header fields").
  if (output[0] === 0x0a) return { headEnd: 0, bodyStart: 1 };
  if (output[0] === 0x0d && output[1] === 0x0a) return { headEnd: 0, bodyStart: 2 };
  for (let i = output.indexOf(0x0a); i !== -1; i = output.indexOf(0x0a, i + 1)) {
    if (output[i + 1] === 0x0a) return { headEnd: i + 1, bodyStart: i + 2 };
    if (output[i + 1] === 0x0d && output[i + 2] === 0x0a) return { headEnd: i + 1, bodyStart: i + 3 };
  }
  return null;
}

// A header name is an HTTP token (RFC 9110 §5.1); no space is allowed before the colon (§6.3).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible characters, spaces, tabs, and the bytes 0x80–0xFF (read as latin-1).
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
// Headers about the connection itself are the server's business, not the script's (§6.3.4):
// this server frames the body itself, so these are dropped.
const CONNECTION_FIELDS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/**
 * Parse the header block (the bytes before the empty line).
 * @param {Buffer} head
 * @returns {ParsedHead}
 */
export function parseHead(head) {
  const text = head.toString('latin1');
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return bad('the output starts with an empty line: there are no header fields before it');

  /** @type {[string, string][]} */
  const headers = [];
  /** @type {string[]} */
  const warnings = [];
  let contentType;
  let location;
  let status;
  let reason;
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1} (${JSON.stringify(line.slice(0, 60))})`;
    if (/^[ \t]/.test(line)) return bad(`${where} starts with a space: CGI/1.1 has no continuation lines (§6.3)`);
    const colon = line.indexOf(':');
    if (colon <= 0) {
      return bad(
        `${where} is not a header field ("Name: value"). A script must print its header lines, then an empty line, then the body`,
      );
    }
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) return bad(`${where}: "${name}" is not a valid header name`);
    if (BAD_VALUE_CHAR.test(value)) return bad(`${where}: the value of ${name} has control characters`);
    // "A NULL field value is equivalent to a field not being sent" (§6.3).
    if (value === '') continue;
    const lower = name.toLowerCase();
    if (lower === 'status' || lower === 'content-type' || lower === 'location') {
      const seen = lower === 'status' ? status : lower === 'location' ? location : contentType;
      if (seen !== undefined) return bad(`${where}: ${name} appears twice; each CGI field may appear once (§6.3)`);
    }
    if (lower === 'status') {
      const match = /^(\d{3})(?:[ \t]+(.*))?$/.exec(value);
      if (!match) return bad(`${where}: Status must be a 3-digit code and a reason, like "Status: 404 Not Found"`);
      status = Number(match[1]);
      if (status < 200 || status > 599) return bad(`${where}: ${status} is not a final status (200 to 599)`);
      reason = match[2] || undefined;
      continue;
    }
    if (lower === 'content-type') contentType = value;
    if (lower === 'location') location = value;
    if (CONNECTION_FIELDS.has(lower)) {
      warnings.push(`dropped ${name}: the server frames the response itself (§6.3.4)`);
      continue;
    }
    headers.push([name, value]);
  }

  if (contentType === undefined && location === undefined && status === undefined) {
    return bad('none of Content-Type, Status or Location was printed: at least one CGI field is required (§6.3)');
  }
  if (location !== undefined) {
    if (location.startsWith('/')) {
      if (status === undefined) {
        const others = headers.filter(([name]) => name.toLowerCase() !== 'location').map(([name]) => name);
        if (others.length)
          warnings.push(`a local redirect has no other fields (§6.2.2); ignored: ${others.join(', ')}`);
        return { ok: true, kind: 'local-redirect', status: 200, reason, headers: [], location, warnings };
      }
    } else if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) {
      return bad(`Location "${location}" is neither an absolute URI (http://…) nor a path starting with "/" (§6.3.2)`);
    } else if (status === undefined) {
      // §6.2.3: the server answers 302 Found; the script's own body, if any, is not sent.
      const kept = headers.filter(([name]) => name.toLowerCase() !== 'content-type');
      return { ok: true, kind: 'client-redirect', status: 302, reason: 'Found', headers: kept, location, warnings };
    }
    // With a Status of its own, the response goes to the client as the script wrote it (§6.2.4).
    const kind = location.startsWith('/') ? 'document' : 'client-redirect-document';
    return { ok: true, kind, status, reason, headers, location, warnings };
  }
  if (contentType === undefined) warnings.push('no Content-Type: a body, if any, goes out without one (§6.3.1)');
  return { ok: true, kind: 'document', status: status ?? 200, reason, headers, location, warnings };
}

/**
 * @param {string} problem
 * @returns {{ ok: false, problem: string }}
 */
function bad(problem) {
  return { ok: false, problem };
}
