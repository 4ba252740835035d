// Header rules every HTTP proxy follows (RFC 9110 §7.6): hop-by-hop fields describe one connection
// and never cross a proxy, and each proxy says it was there with a Via entry.

/** Fields that always belong to a single hop. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
]);

/**
 * Copy of `pairs` ([[name, value], ...]) without hop-by-hop fields, including every field the
 * Connection header names (`Connection: close, X-Debug` drops X-Debug too).
 * `keep` lets a proxy pass one through on purpose (Upgrade, when it relays a WebSocket); `drop`
 * (lower-case names) lets it leave out fields of its own choosing in the same pass.
 * @param {[string, string][]} pairs
 * @param {string[]} [keep]
 * @param {Set<string>} [drop]
 */
export function withoutHopByHop(pairs, keep = [], drop = NONE) {
  // This runs twice for every request a proxy passes on, so the sets are only made when needed:
  // most requests have no Connection header, and only a WebSocket relay keeps anything.
  /** @type {Set<string> | null} */
  let named = null;
  for (const [name, value] of pairs) {
    if (name.toLowerCase() !== 'connection') continue;
    named ??= new Set();
    for (const token of value.split(',')) named.add(token.trim().toLowerCase());
  }
  const kept = keep.length === 0 ? NONE : new Set(keep.map((name) => name.toLowerCase()));
  return pairs.filter(([name]) => {
    const lower = name.toLowerCase();
    if (kept.has(lower)) return true;
    return !HOP_BY_HOP.has(lower) && !named?.has(lower) && !drop.has(lower);
  });
}
/** @type {Set<string>} */
const NONE = new Set();

/** Add `1.1 <by>` to a Via value, after whatever earlier proxies wrote. */
export function appendVia(existing, by, httpVersion = '1.1') {
  const entry = `${httpVersion} ${by}`;
  return existing ? `${existing}, ${entry}` : entry;
}

/** Turn [[name, value], ...] into the flat array node:http accepts, keeping repeats and order. */
export function toRawHeaders(pairs) {
  return pairs.flat();
}
