// Header fields as every Node lab server holds them: [name, value] pairs, in the order and spelling
// they came on the wire (node's req.headers would lower-case names and merge repeats). One way to
// make them and one way to look a field up, so every server reads a header the same way.

/** @typedef {[string, string][]} HeaderPairs [name, value] pairs, in wire order and case. */

/**
 * node's rawHeaders is [name, value, name, value, ...]; servers and events use [[name, value], ...].
 * @param {string[]} raw
 * @returns {HeaderPairs}
 */
export function pairs(raw) {
  /** @type {HeaderPairs} */
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/**
 * A field's value, names compared without case. A field sent more than once is one list, its
 * values joined with ", " in order (RFC 9110 §5.3); undefined when it was not sent.
 * @param {HeaderPairs} headers
 * @param {string} name
 * @returns {string | undefined}
 */
export function headerValue(headers, name) {
  const lower = name.toLowerCase();
  const values = headers.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
  return values.length ? values.join(', ') : undefined;
}

/**
 * The pairs without any field called `name` (any case).
 * @param {HeaderPairs} headers
 * @param {string} name
 * @returns {HeaderPairs}
 */
export function withoutHeader(headers, name) {
  const lower = name.toLowerCase();
  return headers.filter(([key]) => key.toLowerCase() !== lower);
}
