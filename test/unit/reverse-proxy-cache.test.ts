// The reverse proxy's cache (src/servers/reverse-proxy/cache.mjs) against RFC 9111: what a shared
// cache may store, how long a copy stays fresh, how Age grows, how Vary separates copies, and what
// a request with Authorization may get from it.
import { describe, expect, it } from 'vitest';
import {
  ResponseCache,
  freshnessLifetime,
  requestWantsFresh,
  storeLifetime,
} from '../../src/servers/reverse-proxy/cache.mjs';

function clock(start = 1_700_000_000_000) {
  const time = { now: start };
  return { time, now: () => time.now };
}

const body = Buffer.from('slow answer');
const response = (headers: Record<string, string>, status = 200) => ({
  status,
  headers,
  pairs: Object.entries(headers),
  body,
});

describe('freshnessLifetime', () => {
  it.each([
    [{ 'cache-control': 'public, max-age=60' }, 60],
    [{ 'cache-control': 'max-age=60, s-maxage=5' }, 5],
    [{ 'cache-control': 'private, max-age=60' }, 0],
    [{ 'cache-control': 'no-store, max-age=60' }, 0],
    [{ 'cache-control': 'no-cache, max-age=60' }, 0],
    [{ 'cache-control': 'max-age=60', 'set-cookie': 'id=1' }, 0],
    [{ 'cache-control': 'max-age=60', vary: '*' }, 0],
    [{ 'cache-control': 'max-age=abc' }, 0],
    [{}, 0],
    [{ date: 'Tue, 14 Nov 2023 22:13:20 GMT', expires: 'Tue, 14 Nov 2023 22:14:20 GMT' }, 60],
    [{ expires: 'not a date' }, 0],
  ])('%j stays fresh for %i s', (headers, seconds) => {
    expect(freshnessLifetime(200, headers)).toBe(seconds);
  });

  it('does not store statuses that are not cacheable by default, such as 500', () => {
    expect(freshnessLifetime(500, { 'cache-control': 'max-age=60' })).toBe(0);
  });
});

describe('requestWantsFresh', () => {
  it('honours no-cache, max-age=0, no-store and Pragma: no-cache from the client', () => {
    expect(requestWantsFresh({ 'cache-control': 'no-cache' })).toBe(true);
    expect(requestWantsFresh({ 'cache-control': 'max-age=0' })).toBe(true);
    expect(requestWantsFresh({ 'cache-control': 'no-store' })).toBe(true);
    expect(requestWantsFresh({ pragma: 'no-cache' })).toBe(true);
    expect(requestWantsFresh({ pragma: 'No-Cache' })).toBe(true);
    expect(requestWantsFresh({})).toBe(false);
  });

  it('counts Pragma: no-cache only when the request has no Cache-Control (RFC 9111 §5.4)', () => {
    // Given a request whose Cache-Control accepts a stored copy, and an old Pragma beside it
    // Then Cache-Control decides: the copy may be used
    expect(requestWantsFresh({ 'cache-control': 'max-age=30', pragma: 'no-cache' })).toBe(false);
    expect(requestWantsFresh({ pragma: 'something-else' })).toBe(false);
  });
});

describe('a request with Authorization (RFC 9111 §3.5)', () => {
  const authorized = { authorization: 'Bearer alice' };

  it.each([
    ['max-age=60', 0],
    ['public, max-age=60', 60],
    ['s-maxage=30', 30],
    ['must-revalidate, max-age=60', 60],
  ])('with a response saying %j may be kept for %i s', (cacheControl, seconds) => {
    expect(storeLifetime(authorized, 200, { 'cache-control': cacheControl })).toBe(seconds);
    expect(storeLifetime({}, 200, { 'cache-control': cacheControl })).toBeGreaterThan(0);
  });

  it('is not stored unless the response allows it', () => {
    const cache = new ResponseCache();
    expect(cache.store('/account', authorized, response({ 'cache-control': 'max-age=60' }))).toBe(false);
    expect(cache.lookup('/account', {})).toBeUndefined();
    expect(cache.store('/news', authorized, response({ 'cache-control': 'public, max-age=60' }))).toBe(true);
    expect(cache.lookup('/news', {})).toBeDefined();
  });

  it('is not served a stored copy unless that copy allows it', () => {
    // Given two copies stored for anonymous requests: one plain, one marked public
    const cache = new ResponseCache();
    cache.store('/plain', {}, response({ 'cache-control': 'max-age=60' }));
    cache.store('/shared', {}, response({ 'cache-control': 'public, max-age=60' }));
    // Then a request with Authorization gets only the public one; anonymous ones still get both
    expect(cache.lookup('/plain', authorized)).toBeUndefined();
    expect(cache.lookup('/shared', authorized)).toBeDefined();
    expect(cache.lookup('/plain', {})).toBeDefined();
  });
});

describe('storeLifetime', () => {
  it('keeps nothing for a request that said no-store', () => {
    expect(storeLifetime({ 'cache-control': 'no-store' }, 200, { 'cache-control': 'max-age=60' })).toBe(0);
    const cache = new ResponseCache();
    expect(cache.store('/slow', { 'cache-control': 'no-store' }, response({ 'cache-control': 'max-age=60' }))).toBe(
      false,
    );
  });
});

describe('ResponseCache', () => {
  it('serves a stored copy while fresh, with a growing Age, and forgets it once stale', () => {
    // Given a response fresh for 60 s, stored at t0
    const { time, now } = clock();
    const cache = new ResponseCache({ now });
    expect(cache.store('/slow', {}, response({ 'cache-control': 'max-age=60' }))).toBe(true);
    // When 59 s pass, it is a hit aged 59
    time.now += 59_000;
    expect(cache.lookup('/slow', {})?.age).toBe(59);
    // When the 60th second passes, it is stale: no hit, and the entry is gone
    time.now += 1_000;
    expect(cache.lookup('/slow', {})).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
  });

  it("counts the Age the backend reported as part of the copy's age", () => {
    const { time, now } = clock();
    const cache = new ResponseCache({ now });
    cache.store('/a', {}, response({ 'cache-control': 'max-age=60', age: '50' }));
    time.now += 5_000;
    expect(cache.lookup('/a', {})?.age).toBe(55);
    time.now += 5_000;
    expect(cache.lookup('/a', {})).toBeUndefined();
  });

  it('keeps one copy per value of the headers named in Vary', () => {
    const cache = new ResponseCache();
    cache.store(
      '/v',
      { 'accept-language': 'en' },
      { ...response({ 'cache-control': 'max-age=60', vary: 'Accept-Language' }), body: Buffer.from('hello') },
    );
    cache.store(
      '/v',
      { 'accept-language': 'fr' },
      { ...response({ 'cache-control': 'max-age=60', vary: 'Accept-Language' }), body: Buffer.from('bonjour') },
    );
    expect(String(cache.lookup('/v', { 'accept-language': 'en' })?.body)).toBe('hello');
    expect(String(cache.lookup('/v', { 'accept-language': 'fr' })?.body)).toBe('bonjour');
    expect(cache.lookup('/v', { 'accept-language': 'de' })).toBeUndefined();
  });

  it('refuses what must not be stored, and bodies over the entry size', () => {
    const cache = new ResponseCache({ maxEntryBytes: 4 });
    expect(cache.store('/p', {}, response({ 'cache-control': 'private, max-age=60' }))).toBe(false);
    expect(cache.store('/big', {}, response({ 'cache-control': 'max-age=60' }))).toBe(false);
    expect(cache.lookup('/big', {})).toBeUndefined();
  });

  it('evicts the least recently used key when over its byte budget', () => {
    const cache = new ResponseCache({ maxTotalBytes: 2 * body.length });
    const fresh = response({ 'cache-control': 'max-age=60' });
    cache.store('/1', {}, fresh);
    cache.store('/2', {}, fresh);
    cache.lookup('/1', {}); // /1 used recently: /2 is now the oldest
    cache.store('/3', {}, fresh);
    expect(cache.lookup('/2', {})).toBeUndefined();
    expect(cache.lookup('/1', {})).toBeDefined();
    expect(cache.lookup('/3', {})).toBeDefined();
  });
});
