// The forward proxy's cache: a shared cache in the sense of RFC 9111, kept small enough to read.
// Many clients ask a forward proxy for the same pages; answering the second one from memory saves
// a trip to the origin. The origin says what may be kept, and for how long, in Cache-Control.
//
// What this cache does (and what a full one like squid does beyond it):
// - stores only GET responses with status 200 and an explicit lifetime (s-maxage or max-age);
//   a real cache may also guess a lifetime from Last-Modified ("heuristic freshness");
// - never stores `no-store`, `private` (a shared cache must not keep one user's page), a
//   response to a request with `Authorization`, or anything with `Vary` (a real cache keeps one
//   copy per variant; this one keeps none rather than serve the wrong one);
// - a response marked `no-cache` may not be served without asking the origin again; a real cache
//   stores it and revalidates with If-None-Match, this one simply does not store it;
// - a request with `no-cache` (or the old `Pragma: no-cache`, when there is no Cache-Control),
//   `no-store` or `max-age=0` goes to the origin even when a fresh copy is stored: a BYPASS, whose
//   fresh answer then replaces the stored one (unless no-store);
// - answers a HIT with `Age`: how many seconds the stored copy has been around (RFC 9111 §5.1).
//
// X-Cache says which of three things happened, with the same meaning as at the lab's reverse proxy:
//   HIT     answered from a stored copy; the origin never heard of the request
//   MISS    no usable copy (none stored, or stale): the origin was asked
//   BYPASS  the request said not to use a stored copy (no-cache, no-store, max-age=0): the origin
//           was asked, whatever was stored

import {
  deltaSeconds,
  explicitLifetime,
  parseCacheControl,
  sharedDespiteAuthorization,
} from '../lib/cache-control.mjs';
import { headerValue } from '../lib/headers.mjs';

/** @typedef {import('../lib/headers.mjs').HeaderPairs} HeaderPairs */
/**
 * A stored response.
 * @typedef {{ status: number, statusMessage?: string, headers: HeaderPairs, body: Buffer,
 *   storedAt: number, initialAge: number, lifetime: number }} CacheEntry
 */

/**
 * How long a response stays fresh, in seconds, for a shared cache: s-maxage wins over max-age
 * (RFC 9111 §4.2.1, lib/cache-control.mjs). Undefined when the origin gave no usable lifetime
 * (none, zero, or one that is not a number): this cache then does not store the response.
 */
export function freshnessLifetime(responseHeaders) {
  return explicitLifetime(parseCacheControl(headerValue(responseHeaders, 'cache-control'))) || undefined;
}

/**
 * May this cache store the response? Returns { store: true } or { store: false, reason } so the
 * proxy can tell the learner why a page was not kept.
 */
export function storable(method, requestHeaders, status, responseHeaders) {
  const req = parseCacheControl(headerValue(requestHeaders, 'cache-control'));
  const res = parseCacheControl(headerValue(responseHeaders, 'cache-control'));
  if (method !== 'GET') return { store: false, reason: `${method} responses are not cached` };
  if (status !== 200) return { store: false, reason: `status ${status} is not cached here` };
  if (req.has('no-store')) return { store: false, reason: 'the request said no-store' };
  if (res.has('no-store')) return { store: false, reason: 'the response said no-store' };
  if (res.has('private')) return { store: false, reason: 'the response is private to one user' };
  if (res.has('no-cache')) return { store: false, reason: 'the response must be revalidated every time (no-cache)' };
  if (headerValue(requestHeaders, 'authorization') !== undefined && !sharedDespiteAuthorization(res)) {
    return { store: false, reason: 'the request carried Authorization' };
  }
  if (headerValue(responseHeaders, 'vary') !== undefined) return { store: false, reason: 'the response varies (Vary)' };
  const lifetime = freshnessLifetime(responseHeaders);
  if (lifetime === undefined || lifetime === 0) return { store: false, reason: 'no max-age: no explicit lifetime' };
  return { store: true };
}

/**
 * The age of a stored response now, in seconds (RFC 9111 §4.2.3, simplified: the Age the origin
 * sent, plus how long the copy has been in this cache).
 */
/** @param {CacheEntry} entry */
export function currentAge(entry, now = Date.now()) {
  return entry.initialAge + Math.max(0, (now - entry.storedAt) / 1000);
}

/**
 * Can this stored entry answer this request? Returns { hit: true, age } or
 * { hit: false, reason, bypass? } where `bypass` means the request itself ruled the cache out.
 */
/**
 * @param {CacheEntry | undefined} entry
 * @param {HeaderPairs} requestHeaders
 */
export function usable(entry, requestHeaders, now = Date.now()) {
  const req = parseCacheControl(headerValue(requestHeaders, 'cache-control'));
  const pragma = (headerValue(requestHeaders, 'pragma') ?? '').toLowerCase();
  // Pragma: no-cache is HTTP/1.0's way to say it; it counts only without Cache-Control (§5.4).
  if (req.has('no-cache') || (!headerValue(requestHeaders, 'cache-control') && pragma.includes('no-cache'))) {
    return { hit: false, bypass: true, reason: 'the request said no-cache: ask the origin again' };
  }
  if (req.has('no-store')) return { hit: false, bypass: true, reason: 'the request said no-store' };
  const maxAge = deltaSeconds(req, 'max-age');
  if (maxAge === 0) return { hit: false, bypass: true, reason: 'the request accepts no stored copy (max-age=0)' };
  if (!entry) return { hit: false, reason: 'not in the cache' };
  if (
    headerValue(requestHeaders, 'authorization') !== undefined &&
    !sharedDespiteAuthorization(parseCacheControl(headerValue(entry.headers, 'cache-control')))
  ) {
    return { hit: false, reason: 'the request carries Authorization and the stored copy is not marked for sharing' };
  }
  const age = currentAge(entry, now);
  if (maxAge !== undefined && age > maxAge) {
    return { hit: false, reason: `the request accepts at most max-age=${maxAge}` };
  }
  if (age >= entry.lifetime)
    return { hit: false, reason: `stale: ${Math.floor(age)}s old, fresh for ${entry.lifetime}s` };
  return { hit: true, age: Math.floor(age) };
}

/** A small in-memory store of responses, by absolute URL. */
export class ResponseCache {
  constructor({ maxEntries = 200, maxBodyBytes = 1024 * 1024 } = {}) {
    /** @type {Map<string, CacheEntry>} */
    this.entries = new Map();
    this.maxEntries = maxEntries;
    this.maxBodyBytes = maxBodyBytes;
  }

  get(url) {
    return this.entries.get(url);
  }

  /**
   * Keep a response; the oldest entry goes when the cache is full.
   * @param {string} url
   * @param {{ status: number, statusMessage?: string, headers: HeaderPairs, body: Buffer, now?: number }} response
   */
  put(url, { status, statusMessage, headers, body, now = Date.now() }) {
    if (body.length > this.maxBodyBytes) return false;
    const ageHeader = Number(headerValue(headers, 'age'));
    this.entries.delete(url);
    const oldest = this.entries.keys().next().value;
    if (this.entries.size >= this.maxEntries && oldest !== undefined) this.entries.delete(oldest);
    this.entries.set(url, {
      status,
      statusMessage,
      headers,
      body,
      storedAt: now,
      initialAge: Number.isFinite(ageHeader) && ageHeader > 0 ? ageHeader : 0,
      lifetime: freshnessLifetime(headers) ?? 0,
    });
    return true;
  }

  delete(url) {
    this.entries.delete(url);
  }
}
