// Cache-Control as both lab caches read it (RFC 9111 §5.2): the one parser, and the rules the
// forward proxy's cache and the reverse proxy's cache share. Where they differ (which statuses
// they store, Vary, Expires), RFC 9111 leaves that to the cache; see each cache.mjs.

/**
 * A Cache-Control value as a Map of lower-case directive → argument (true when it has none).
 * A quoted argument loses its quotes (§5.2: either form means the same), and may hold "=".
 *   `public, max-age=60, no-cache="Set-Cookie"` → public → true, max-age → '60', no-cache → 'Set-Cookie'
 * @param {string | string[] | undefined} value
 * @returns {Map<string, string | true>}
 */
export function parseCacheControl(value) {
  /** @type {Map<string, string | true>} */
  const directives = new Map();
  if (!value) return directives;
  for (const part of String(value).split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (!name) continue;
    directives.set(
      name,
      rest.length === 0
        ? true
        : rest
            .join('=')
            .trim()
            .replace(/^"(.*)"$/, '$1'),
    );
  }
  return directives;
}

/**
 * A directive's delta-seconds argument (RFC 9111 §1.2.2: digits only) as a number; undefined
 * when the directive is absent or its argument is not delta-seconds.
 * @param {Map<string, string | true>} directives
 * @param {string} name
 */
export function deltaSeconds(directives, name) {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The lifetime a response's own directives give a shared cache, in seconds (RFC 9111 §4.2.1):
 * s-maxage when present (it speaks to shared caches only), else max-age. A value that is not
 * delta-seconds makes the response stale: 0 (§4.2.1 encourages that). Undefined when neither is
 * there: no explicit lifetime from Cache-Control.
 * @param {Map<string, string | true>} responseDirectives
 * @returns {number | undefined}
 */
export function explicitLifetime(responseDirectives) {
  for (const name of ['s-maxage', 'max-age']) {
    if (responseDirectives.has(name)) return deltaSeconds(responseDirectives, name) ?? 0;
  }
  return undefined;
}

/**
 * A response to a request with Authorization is one user's: a shared cache may store it, or use
 * a stored copy to answer such a request, only when the origin marked it for sharing with
 * public, s-maxage or must-revalidate (RFC 9111 §3.5).
 * @param {Map<string, string | true>} responseDirectives
 */
export function sharedDespiteAuthorization(responseDirectives) {
  return ['public', 's-maxage', 'must-revalidate'].some((name) => responseDirectives.has(name));
}
