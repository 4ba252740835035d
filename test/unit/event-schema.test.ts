// The fast yes/no check of an event (Schema.ok) must accept exactly what the worded walk
// (Schema.problem) accepts: the tutor asks `ok` of every line and walks `problem` only for the
// message of a line it drops. Real events of the busiest families, good and broken in every way a
// field can be, are put to both.
import { describe, expect, it } from 'vitest';
import { eventProblem, type Family } from '../../src/servers/lib/event-schema.js';
import { backendEvents, reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { tinyEvents } from '../fixtures/tiny-events.js';

const FWD = [
  ['X-Forwarded-For', '127.0.0.1'],
  ['X-Request-Id', '0e5a29fc98e74bce'],
];
const proxyRequest = {
  event: 'request',
  conn: 2,
  remote: '127.0.0.1:36966',
  method: 'GET',
  target: '/api/items?x=2',
  httpVersion: '1.1',
  headers: [['Host', '127.0.0.1:42333']],
  status: 200,
  responseHeaders: [['x-cache', 'MISS']],
  durationMs: 8.45,
  requestId: '0e5a29fc98e74bce',
  proto: 'http',
  cache: 'MISS',
  backend: 'app-2',
  retries: ['app-1'],
  plainBytes: 29,
};
const trace = { event: 'trace', requestId: 'x', hop: 'proxy', depth: 0, ms: 0.69, phase: 'passed-on', added: FWD };
const backendRequest = { ...proxyRequest, proto: undefined, cache: undefined, requestId: null, healthCheck: false };
const wsgiRequest = {
  event: 'request',
  method: 'GET',
  target: '/hello',
  headers: [['Host', 'x']],
  status: null,
  pid: 25319,
  app: null,
  bytes: 13,
  validatorNotes: ['note'],
  environ: { REQUEST_METHOD: 'GET', 'wsgi.version': [1, 0], 'wsgi.multithread': false },
};
const cases: [string, Family, Record<string, unknown>][] = [
  ['proxy request', reverseProxyEvents, proxyRequest],
  ['proxy trace', reverseProxyEvents, trace],
  ['proxy health', reverseProxyEvents, { event: 'health', backend: 'app-1', state: 'down', via: 'active' }],
  ['backend request', backendEvents, backendRequest],
  ['wsgi request', wsgiEvents, wsgiRequest],
  ['wsgi worker', wsgiEvents, { event: 'worker', pid: 4, state: 'exited', replacement: null }],
  ['tiny workers', tinyEvents, { event: 'workers', pids: [1, 2] }],
  ['tiny command', tinyEvents, { event: 'command', command: { any: ['thing'] } }],
];

/** What eventProblem said before `ok` existed: the worded walk alone. */
function walked(family: Family, value: Record<string, unknown>): string | undefined {
  const decl = family[value.event as string]!;
  const problem = decl.schema.problem(value);
  return problem ? `"${value.event as string}" event: ${problem}` : undefined;
}

const BAD_VALUES: unknown[] = [null, 'text', 7, Number.NaN, true, [], [['a', 1]], [['a']], {}, { a: 1 }, ['x', 2]];

/** The event with one field (or one item of one field) changed to each bad value, or removed. */
function* mutations(value: Record<string, unknown>): Generator<[string, Record<string, unknown>]> {
  for (const key of Object.keys(value)) {
    if (key === 'event') continue;
    yield [`${key} removed`, { ...value, [key]: undefined }];
    for (const bad of BAD_VALUES) yield [`${key} = ${JSON.stringify(bad)}`, { ...value, [key]: bad }];
    const field = value[key];
    if (Array.isArray(field) && field.length) {
      for (const bad of BAD_VALUES)
        yield [`${key}[0] = ${JSON.stringify(bad)}`, { ...value, [key]: [bad, ...field.slice(1)] }];
    }
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      for (const bad of BAD_VALUES)
        yield [`${key}.x = ${JSON.stringify(bad)}`, { ...value, [key]: { ...field, x: bad } }];
    }
  }
}

describe('event schemas: the fast check and the worded walk agree', () => {
  it.each(cases)('accepts a real %s', (_name, family, value) => {
    expect(eventProblem(family, value)).toBeUndefined();
    expect(eventProblem(family, JSON.parse(JSON.stringify(value)))).toBeUndefined();
  });

  it.each(cases)('accepts and rejects every change of a %s as the walk does, with its words', (name, family, value) => {
    let rejected = 0;
    for (const [change, changed] of mutations(value)) {
      const decl = family[changed.event as string]!;
      const expected = walked(family, changed);
      expect({ change, ok: decl.schema.ok(changed) }).toEqual({ change, ok: expected === undefined });
      expect({ change, problem: eventProblem(family, changed) }).toEqual({ change, problem: expected });
      if (expected) rejected++;
    }
    // (a `json` field takes anything: the tiny command event has nothing else to break)
    if (name !== 'tiny command') expect(rejected).toBeGreaterThan(5);
  });

  it('says what is wrong, in the words it always used', () => {
    expect(eventProblem(reverseProxyEvents, { ...proxyRequest, status: '200' })).toBe(
      '"request" event: status: expected a number, got string "200"',
    );
    expect(eventProblem(reverseProxyEvents, { ...proxyRequest, headers: [['Host', 1]] })).toBe(
      '"request" event: headers: [0]: expected [name, value] strings, got an array',
    );
    expect(eventProblem(reverseProxyEvents, { ...proxyRequest, cache: 'STALE' })).toBe(
      '"request" event: cache: expected "HIT" or "MISS" or "BYPASS", got string "STALE"',
    );
    expect(eventProblem(wsgiEvents, { ...wsgiRequest, environ: [] })).toBe(
      '"request" event: environ: expected an object, got an array',
    );
    expect(eventProblem(tinyEvents, { event: 'workers', pids: [1, 'two'] })).toBe(
      '"workers" event: pids: [1]: expected a number, got string "two"',
    );
    expect(eventProblem(tinyEvents, null)).toBe('not an event: null');
    expect(eventProblem(tinyEvents, { pids: [] })).toBe('no "event" field');
    expect(eventProblem(tinyEvents, { event: 'ready' })).toBeUndefined();
    expect(eventProblem(tinyEvents, { event: 'mystery' })).toBe(
      'unknown event "mystery" (this server declares: request, workers, command)',
    );
  });

  it("takes no inherited name for an event (toString is no family's event)", () => {
    expect(eventProblem(tinyEvents, { event: 'toString' })).toMatch(/^unknown event "toString"/);
    expect(eventProblem(tinyEvents, { event: '__proto__' })).toMatch(/^unknown event "__proto__"/);
  });
});
