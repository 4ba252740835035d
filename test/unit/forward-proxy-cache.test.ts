// The forward proxy's cache rules (src/servers/forward-proxy/cache.mjs), against RFC 9111:
// what may be stored by a shared cache, for how long, and when a stored copy may answer.
import { describe, expect, it } from 'vitest';
import {
  ResponseCache,
  currentAge,
  freshnessLifetime,
  storable,
  usable,
  type CacheEntry,
} from '../../src/servers/forward-proxy/cache.mjs';
import { parseCacheControl } from '../../src/servers/lib/cache-control.mjs';
import type { HeaderPairs } from '../../src/servers/lib/headers.mjs';

const T0 = 1_700_000_000_000;

function entry(headers: HeaderPairs, storedAt = T0): CacheEntry {
  const cache = new ResponseCache();
  cache.put('http://news.test/', { status: 200, headers, body: Buffer.from('page'), now: storedAt });
  return cache.get('http://news.test/')!;
}

describe('parseCacheControl', () => {
  it('reads directives case-insensitively, with and without arguments, quoted or not', () => {
    const cc = parseCacheControl('Public, MAX-AGE=60, no-cache="Set-Cookie", , s-maxage = 10');
    expect(cc.get('public')).toBe(true);
    expect(cc.get('max-age')).toBe('60');
    expect(cc.get('no-cache')).toBe('Set-Cookie');
    expect(cc.get('s-maxage')).toBe('10');
    expect(parseCacheControl(undefined).size).toBe(0);
  });
});

describe('freshnessLifetime', () => {
  it('prefers s-maxage (for shared caches) over max-age, and ignores malformed values', () => {
    expect(freshnessLifetime([['Cache-Control', 'max-age=60, s-maxage=5']])).toBe(5);
    expect(freshnessLifetime([['Cache-Control', 'max-age=60']])).toBe(60);
    expect(freshnessLifetime([['Cache-Control', 'max-age=soon']])).toBeUndefined();
    expect(freshnessLifetime([])).toBeUndefined();
  });
});

describe('storable', () => {
  const fresh: HeaderPairs = [['Cache-Control', 'public, max-age=60']];

  it('stores a GET 200 with an explicit lifetime', () => {
    expect(storable('GET', [], 200, fresh)).toEqual({ store: true });
  });

  it.each([
    ['POST', [], 200, fresh, 'POST'],
    ['GET', [], 404, fresh, 'status 404'],
    ['GET', [['Cache-Control', 'no-store']], 200, fresh, 'request said no-store'],
    ['GET', [], 200, [['Cache-Control', 'no-store']], 'response said no-store'],
    ['GET', [], 200, [['Cache-Control', 'private, max-age=60']], 'private'],
    ['GET', [], 200, [['Cache-Control', 'no-cache, max-age=60']], 'no-cache'],
    [
      'GET',
      [],
      200,
      [
        ['Cache-Control', 'max-age=60'],
        ['Vary', 'Accept'],
      ],
      'Vary',
    ],
    ['GET', [], 200, [['Cache-Control', 'max-age=0']], 'no max-age'],
    ['GET', [], 200, [['Content-Type', 'text/plain']], 'no max-age'],
    ['GET', [['Authorization', 'Basic eDp5']], 200, [['Cache-Control', 'max-age=60']], 'Authorization'],
  ] as [string, HeaderPairs, number, HeaderPairs, string][])(
    'refuses %s with %j → %i %j (%s)',
    (method, req, status, res, reason) => {
      const decision = storable(method, req, status, res);
      expect(decision.store).toBe(false);
      expect(decision.store ? '' : decision.reason).toContain(reason);
    },
  );

  it.each(['public, max-age=60', 's-maxage=60', 'must-revalidate, max-age=60'])(
    'may store an authorized response the origin marked for sharing (%s)',
    (cacheControl) => {
      expect(storable('GET', [['Authorization', 'Basic eDp5']], 200, [['Cache-Control', cacheControl]])).toEqual({
        store: true,
      });
    },
  );
});

describe('usable: may a stored copy answer this request?', () => {
  const stored = entry([['Cache-Control', 'max-age=60']]);

  it('is a HIT while fresh, with Age in whole seconds', () => {
    expect(usable(stored, [], T0 + 2_500)).toEqual({ hit: true, age: 2 });
  });

  it('is a MISS once stale', () => {
    expect(usable(stored, [], T0 + 60_000)).toMatchObject({ hit: false, reason: expect.stringContaining('stale') });
  });

  it('counts the Age the origin sent as part of the age', () => {
    const aged = entry([
      ['Cache-Control', 'max-age=60'],
      ['Age', '50'],
    ]);
    expect(currentAge(aged, T0 + 5_000)).toBe(55);
    expect(usable(aged, [], T0 + 5_000)).toEqual({ hit: true, age: 55 });
    expect(usable(aged, [], T0 + 11_000).hit).toBe(false);
  });

  it('is a BYPASS when the request says no-cache, Pragma: no-cache, no-store or max-age=0', () => {
    for (const request of [
      [['Cache-Control', 'no-cache']],
      [['Pragma', 'no-cache']],
      [['Cache-Control', 'no-store']],
      [['Cache-Control', 'max-age=0']],
    ] as HeaderPairs[]) {
      expect(usable(stored, request, T0 + 1000), JSON.stringify(request)).toMatchObject({ hit: false, bypass: true });
    }
  });

  it('ignores Pragma: no-cache when the request has Cache-Control (RFC 9111 §5.4)', () => {
    expect(
      usable(
        stored,
        [
          ['Cache-Control', 'max-age=30'],
          ['Pragma', 'no-cache'],
        ],
        T0 + 1000,
      ),
    ).toEqual({ hit: true, age: 1 });
  });

  it('is a MISS, not a BYPASS, when the copy is older than the max-age the request accepts', () => {
    expect(usable(stored, [['Cache-Control', 'max-age=30']], T0 + 1000).hit).toBe(true);
    const tooOld = usable(stored, [['Cache-Control', 'max-age=30']], T0 + 31_000);
    expect(tooOld).toMatchObject({ hit: false, reason: expect.stringContaining('max-age=30') });
    expect(tooOld).not.toHaveProperty('bypass');
  });

  it('serves a request with Authorization only from a copy marked for sharing (RFC 9111 §3.5)', () => {
    const auth: HeaderPairs = [['Authorization', 'Basic eDp5']];
    expect(usable(stored, auth, T0 + 1000)).toMatchObject({
      hit: false,
      reason: expect.stringContaining('Authorization'),
    });
    expect(usable(entry([['Cache-Control', 'public, max-age=60']]), auth, T0 + 1000)).toEqual({ hit: true, age: 1 });
  });

  it('is a MISS when nothing is stored', () => {
    expect(usable(undefined, [], T0)).toMatchObject({ hit: false });
  });
});

describe('ResponseCache', () => {
  it('keeps at most maxEntries, dropping the oldest, and refuses bodies over the limit', () => {
    const cache = new ResponseCache({ maxEntries: 2, maxBodyBytes: 4 });
    const put = (url: string, body = 'ok') =>
      cache.put(url, { status: 200, headers: [['Cache-Control', 'max-age=9']], body: Buffer.from(body) });
    put('a');
    put('b');
    put('c');
    expect([cache.get('a'), cache.get('b')?.lifetime, cache.get('c')?.lifetime]).toEqual([undefined, 9, 9]);
    expect(put('d', 'too long')).toBe(false);
    expect(cache.get('d')).toBeUndefined();
  });
});
