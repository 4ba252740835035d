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
 * A response to a request with Authorization is one user's: a shared cache may store it, or use
 * a stored copy to answer such a request, only when the origin marked it for sharing with
 * public, s-maxage or must-revalidate (RFC 9111 §3.5).
 * @param {Map<string, string | true>} responseDirectives
 */
export function sharedDespiteAuthorization(responseDirectives) {
  return ['public', 's-maxage', 'must-revalidate'].some((name) => responseDirectives.has(name));
}
