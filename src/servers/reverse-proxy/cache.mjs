// A shared response cache, the way a reverse proxy keeps a slow page (RFC 9111, simplified).
//
// The backend decides what may be kept and for how long, with Cache-Control:
//   public, max-age=60   anyone may keep it for 60 seconds (s-maxage=… speaks to shared caches
//                        like this one only, and wins over max-age)
//   private              only the user's own browser may keep it: a shared cache must not
//   no-store             nobody keeps it
//   no-cache             keep it, but ask the backend before every reuse (this small cache
//                        simply does not store such responses)
// A stored response is "fresh" while its age is below that lifetime; the proxy then answers from
// memory, adds `Age: <seconds>`, and the backend never hears of the request. The client can ask
// for a fresh copy with `Cache-Control: no-cache` (or max-age=0) on its request; HTTP/1.0's
// `Pragma: no-cache` means the same, but only in a request without Cache-Control (RFC 9111 §5.4).
//
// A request with `Authorization` is one user's: its answer may be kept, and a stored copy may
// answer it, only when the backend marked the response for sharing with `public`, `s-maxage` or
// `must-revalidate` (RFC 9111 §3.5). Otherwise one user's account page could reach another.
//
// Vary lists request headers the response depends on; a stored copy is reused only for requests
// that have the same values for them. `Vary: *` means "never reuse".

import { explicitLifetime, parseCacheControl, sharedDespiteAuthorization } from '../lib/cache-control.mjs';

/** Statuses a cache may store when the response gives a lifetime (RFC 9110 §15.1, simplified). */
const STORABLE = new Set([200, 203, 204, 301, 404, 410]);

/** How long a response stays fresh, in seconds, or 0 when a shared cache must not store it. */
export function freshnessLifetime(status, headers) {
  if (!STORABLE.has(status)) return 0;
  // Most responses say nothing about caching: no explicit lifetime, and this cache does not guess
  // (RFC 9111 §4.2.2 would allow it). Checked first, since it is the common case.
  if (headers['cache-control'] === undefined && headers.expires === undefined) return 0;
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.has('no-store') || cc.has('private') || cc.has('no-cache')) return 0;
  if (headers['set-cookie'] !== undefined) return 0; // one user's cookie must not reach another
  if ((headers.vary ?? '').split(',').some((v) => v.trim() === '*')) return 0;
  const lifetime = explicitLifetime(cc); // s-maxage, else max-age (lib/cache-control.mjs)
  if (lifetime !== undefined) return lifetime;
  if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    const date = headers.date ? Date.parse(headers.date) : Date.now();
    if (Number.isNaN(expires)) return 0; // an invalid Expires means "already expired"
    return Math.max(0, Math.floor((expires - date) / 1000));
  }
  return 0; // no explicit lifetime: this cache does not guess (RFC 9111 §4.2.2 would allow it)
}

/**
 * How long this cache may keep the answer to this request: freshnessLifetime, but 0 when the
 * request said no-store, or carried Authorization and the response is not marked for sharing.
 */
export function storeLifetime(requestHeaders, status, headers) {
  if (
    requestHeaders['cache-control'] !== undefined &&
    parseCacheControl(requestHeaders['cache-control']).has('no-store')
  )
    return 0;
  if (requestHeaders.authorization !== undefined && !sharedDespiteAuthorizationOf(headers)) return 0;
  return freshnessLifetime(status, headers);
}

/** Whether a response may be shared even though the request carried Authorization (§3.5). */
function sharedDespiteAuthorizationOf(headers) {
  return sharedDespiteAuthorization(parseCacheControl(headers['cache-control']));
}

/**
 * Whether the client asked us to skip stored copies: no-cache, max-age=0 or no-store (the answer
 * may still refresh the stored copy, unless no-store). Pragma: no-cache counts only when there is
 * no Cache-Control, which replaces it (RFC 9111 §5.4).
 */
export function requestWantsFresh(headers) {
  if (headers['cache-control'] === undefined) {
    return headers.pragma !== undefined && parseCacheControl(headers.pragma).has('no-cache');
  }
  const cc = parseCacheControl(headers['cache-control']);
  return cc.has('no-cache') || cc.has('no-store') || cc.get('max-age') === '0';
}

export class ResponseCache {
  /** @param {{ maxEntryBytes?: number, maxTotalBytes?: number, now?: () => number }} options */
  constructor({ maxEntryBytes = 1 << 20, maxTotalBytes = 32 << 20, now = () => Date.now() } = {}) {
    this.maxEntryBytes = maxEntryBytes;
    this.maxTotalBytes = maxTotalBytes;
    this.now = now;
    this.totalBytes = 0;
    /** key → list of variants (one per distinct set of Vary'd request header values) */
    this.entries = new Map();
  }

  /**
   * A fresh stored response for this request, or undefined.
   * @returns {{ status, headers: [string,string][], body: Buffer, age: number } | undefined}
   */
  lookup(key, requestHeaders) {
    const variants = this.entries.get(key) ?? [];
    const authorized = requestHeaders.authorization !== undefined;
    for (const entry of variants) {
      if (!sameVariant(entry, requestHeaders)) continue;
      if (authorized && !entry.sharedDespiteAuthorization) return undefined;
      const age = this.ageOf(entry);
      if (age >= entry.lifetime) {
        this.remove(key, entry); // stale: forget it, the backend will be asked
        return undefined;
      }
      // Move to the end of the Map: the most recently used survive eviction.
      this.entries.delete(key);
      this.entries.set(key, variants);
      return { status: entry.status, headers: entry.headers, body: entry.body, age };
    }
    return undefined;
  }

  /** Age in whole seconds: the Age the backend reported plus the time we held it (§4.2.3). */
  ageOf(entry) {
    return entry.initialAge + Math.floor((this.now() - entry.storedAt) / 1000);
  }

  /**
   * Keep a response. `headers` is an object of lower-case names (node's res.headers) used for
   * the decision; `pairs` are the header pairs replayed on a HIT.
   */
  store(key, requestHeaders, { status, headers, pairs, body }) {
    const lifetime = storeLifetime(requestHeaders, status, headers);
    if (lifetime === 0 || body.length > this.maxEntryBytes) return false;
    const varyNames = (headers.vary ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean);
    const entry = {
      status,
      headers: pairs,
      body,
      lifetime,
      storedAt: this.now(),
      initialAge: Math.max(0, Number(headers.age) || 0),
      sharedDespiteAuthorization: sharedDespiteAuthorizationOf(headers),
      vary: Object.fromEntries(varyNames.map((name) => [name, requestHeaders[name] ?? null])),
    };
    const variants = (this.entries.get(key) ?? []).filter((old) => {
      if (!sameVariant(old, requestHeaders)) return true;
      this.totalBytes -= old.body.length;
      return false;
    });
    variants.push(entry);
    this.entries.delete(key);
    this.entries.set(key, variants);
    this.totalBytes += body.length;
    this.evict();
    return true;
  }

  remove(key, entry) {
    const variants = (this.entries.get(key) ?? []).filter((other) => other !== entry);
    this.totalBytes -= entry.body.length;
    if (variants.length) this.entries.set(key, variants);
    else this.entries.delete(key);
  }

  /** Drop the least recently used keys until we are under the size budget. */
  evict() {
    for (const [key, variants] of this.entries) {
      if (this.totalBytes <= this.maxTotalBytes) return;
      for (const entry of variants) this.totalBytes -= entry.body.length;
      this.entries.delete(key);
    }
  }
}

function sameVariant(entry, requestHeaders) {
  return Object.entries(entry.vary).every(([name, value]) => (requestHeaders[name] ?? null) === value);
}
