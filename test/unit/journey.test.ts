// Putting one request's journey together from trace events that arrive from several processes,
// in whatever order the pipes deliver them: in through each hop by depth, back out in reverse.
import { describe, expect, it } from 'vitest';
import { cutWholeJourneys, journeyOf, requestIdOf, type TraceEvent } from '../../src/engine/journey.js';
import { journeyText } from '../../src/engine/journey-text.js';
import { hopSections } from '../../src/engine/journey-sections.js';
import { requestJourney } from '../../src/engine/request-journey.js';
import { fakeRequest, fakeTrace } from '../helpers/fake-context.js';

let seq = 0;
function trace(server: string, hop: string, depth: number, phase: TraceEvent['phase'], ms: number, extra = {}) {
  return fakeTrace(server, hop, depth, phase, ms, { seq: ++seq, ...extra });
}

describe('journeyOf', () => {
  it('orders hops from two processes by depth, not by arrival, and finds each hop its own time', () => {
    // Given the app's events arriving after the proxy's answer (its pipe was slower)
    seq = 0;
    const events = [
      trace('proxy', 'proxy', 0, 'received', 0),
      trace('proxy', 'proxy', 0, 'passed-on', 1, { added: [['X-Request-Id', 'r1']] }),
      trace('proxy', 'proxy', 0, 'answered', 40, { status: 200 }),
      trace('app', 'asgi', 1, 'received', 0),
      trace('app', 'asgi', 1, 'passed-on', 0.1),
      trace('app', 'handler', 2, 'received', 0),
      trace('app', 'handler', 2, 'answered', 30, { status: 200 }),
      trace('app', 'asgi', 1, 'answered', 31, { status: 200 }),
    ];
    // When the journey is put together
    const journey = journeyOf(events, 'r1')!;
    // Then it goes in and back out, and the handler, 30 of the proxy's 40 ms, was slowest
    expect(journey.events.map((e) => `${e.hop}:${e.phase}`)).toEqual([
      'proxy:received',
      'proxy:passed-on',
      'asgi:received',
      'asgi:passed-on',
      'handler:received',
      'handler:answered',
      'asgi:answered',
      'proxy:answered',
    ]);
    expect(journey.hops.map((h) => [h.hop, h.ownMs, h.answer])).toEqual([
      ['proxy', 9, 'relayed'],
      ['asgi', 1, 'relayed'],
      ['handler', 30, 'itself'],
    ]);
    expect(journey.slowest?.hop).toBe('handler');
    expect(journey.answeredBy?.hop).toBe('handler');
    expect(journey.complete).toBe(true);
    expect(journeyText(journey)).toContain('     + X-Request-Id: r1');
  });

  it('names the outermost hop that answered early, and is not complete while inner hops are silent', () => {
    // Given a 504: the proxy gave up while the app was still working
    seq = 0;
    const events = [
      trace('proxy', 'proxy', 0, 'received', 0),
      trace('proxy', 'proxy', 0, 'passed-on', 1),
      trace('app', 'asgi', 1, 'received', 0),
      trace('app', 'asgi', 1, 'passed-on', 0.1),
      trace('proxy', 'proxy', 0, 'answered-early', 2000, { status: 504, why: '504: app too slow' }),
    ];
    const journey = journeyOf(events)!;
    expect(journey.answeredBy).toMatchObject({ hop: 'proxy', status: 504, answer: 'early' });
    expect(journey.complete).toBe(false);
    expect(journeyText(journey).join('\n')).toContain('answered by: proxy (504: app too slow)');
  });

  it('finds the request id in a proxy event or in the X-Request-Id a backend received', () => {
    expect(requestIdOf({ requestId: 'abc', headers: [] })).toBe('abc');
    expect(requestIdOf({ requestId: 4711, headers: [['X-Request-Id', 'def']] })).toBe('def');
    expect(requestIdOf({ headers: [['Host', 'x']] })).toBeUndefined();
  });
});

describe('requestJourney', () => {
  const servers = [
    { name: 'proxy', role: 'forward proxy (auth port: needs credentials)' },
    { name: 'news', role: 'origin: news.test' },
  ];

  it('matches a forward proxy with the origin behind it by what both saw, and works out the header changes', () => {
    // Given the proxy's and the origin's view of one request, and an older one to the same path
    const old = fakeRequest('news', { time: 100, target: '/headlines' });
    const inner = fakeRequest('news', {
      time: 5000,
      durationMs: 2,
      target: '/headlines',
      headers: [
        ['Host', 'news.test'],
        ['Via', '1.1 gateway-tutor-proxy'],
        ['Accept', 'text/html'],
      ],
    });
    const outer = fakeRequest('proxy', {
      time: 5003,
      durationMs: 6,
      target: 'http://news.test/headlines',
      headers: [
        ['Host', 'news.test'],
        ['Proxy-Connection', 'keep-alive'],
        ['Accept', '*/*'],
      ],
    });
    // When either is picked, the journey is proxy → news
    for (const picked of [outer, inner]) {
      const journey = requestJourney([old, inner, outer], picked, servers);
      expect(journey.traced).toBe(false);
      expect(journey.hops.map((h) => [h.hop, h.answer, h.totalMs])).toEqual([
        ['proxy', 'relayed', 6],
        ['news', 'itself', 2],
      ]);
      expect(journey.hops[1]!.request).toBe(inner);
      // Then the proxy's own time is its total less the origin's, and its changes are what differ
      expect(journey.hops[0]!.ownMs).toBe(4);
      expect(journey.hops[0]).toMatchObject({
        added: [['Via', '1.1 gateway-tutor-proxy']],
        changed: [['Accept', 'text/html']],
        removed: ['Proxy-Connection'],
        // and the absolute-form target it got went on in origin-form (RFC 9112 §3.2)
        target: ['GET http://news.test/headlines', 'GET /headlines'],
      });
      expect(journey.answeredBy?.hop).toBe('news');
    }
  });

  it('a request to an origin directly is a journey of one hop, not matched to a proxy request it never passed', () => {
    const direct = fakeRequest('news', { time: 5000, target: '/other' });
    const proxied = fakeRequest('proxy', { time: 5001, target: 'http://news.test/headlines' });
    const journey = requestJourney([direct, proxied], direct, servers);
    expect(journey.hops.map((h) => h.hop)).toEqual(['news']);
    expect(journey.complete).toBe(true);
  });

  it('a cache HIT right after a MISS to the same page is one hop: only the MISS reached the origin', () => {
    // Given curl asking twice in a row: the proxy fetched the page once, then served its copy
    const origin = fakeRequest('news', { time: 5000, durationMs: 3, target: '/headlines' });
    const miss = fakeRequest('proxy', { time: 5002, durationMs: 20, target: 'http://news.test/headlines' });
    const hit = fakeRequest('proxy', {
      time: 5010,
      durationMs: 1,
      target: 'http://news.test/headlines',
      cache: 'HIT',
    });
    const events = [origin, miss, hit];
    expect(requestJourney(events, hit, servers).hops.map((h) => [h.hop, h.answer])).toEqual([['proxy', 'itself']]);
    expect(requestJourney(events, miss, servers).hops.map((h) => h.hop)).toEqual(['proxy', 'news']);
    expect(requestJourney(events, origin, servers).hops[0]!.request).toBe(miss);
    // And a second uncached request to the same path does not take the first one's origin visit
    const again = fakeRequest('proxy', { time: 5015, durationMs: 1, target: 'http://news.test/headlines' });
    expect(requestJourney([...events, again], again, servers).hops.map((h) => h.hop)).toEqual(['proxy']);
  });

  it('a request that ended without an answer is over, and says why', () => {
    const gone = fakeRequest('news', { status: null, aborted: true });
    const journey = requestJourney([gone], gone, servers);
    expect(journey.hops[0]).toMatchObject({ answer: 'itself', why: 'the client left first' });
    expect(journey.complete).toBe(true);
  });

  it("adds a reverse proxy's backend, which traces nothing, as the hop within the proxy's traced one", () => {
    seq = 0;
    const traces = [
      trace('proxy', 'proxy', 0, 'received', 0),
      trace('proxy', 'proxy', 0, 'passed-on', 1, { added: [['X-Request-Id', 'r1']] }),
      trace('proxy', 'proxy', 0, 'answered', 12, { status: 200 }),
    ];
    const front = fakeRequest('proxy', { requestId: 'r1', durationMs: 12 });
    const backend = fakeRequest('app1', { durationMs: 9, headers: [['X-Request-Id', 'r1']] });
    const journey = requestJourney([...traces, front, backend], backend);
    expect(journey.traced).toBe(true);
    expect(journey.hops.map((h) => [h.hop, h.ownMs, h.answer])).toEqual([
      ['proxy', 3, 'relayed'],
      ['app1', 9, 'itself'],
    ]);
    expect(journey.hops[0]!.request).toBe(front);
    expect(journey.complete).toBe(true);
  });

  it('shows the header changes the backend really saw, not only the ones the proxy reported', () => {
    // Given a proxy that reported taking Connection off, and a backend that got Connection: keep-alive
    seq = 0;
    const traces = [
      trace('proxy', 'proxy', 0, 'received', 0),
      trace('proxy', 'proxy', 0, 'passed-on', 1, { added: [['X-Request-Id', 'r1']], removed: ['Connection'] }),
      trace('proxy', 'proxy', 0, 'answered', 12, { status: 200 }),
    ];
    const front = fakeRequest('proxy', { requestId: 'r1', headers: [['Connection', 'close']] });
    const backend = fakeRequest('app1', {
      headers: [
        ['X-Request-Id', 'r1'],
        ['Connection', 'keep-alive'],
      ],
    });
    const journey = requestJourney([...traces, front, backend], backend);
    expect(journey.hops[0]).toMatchObject({
      added: [['X-Request-Id', 'r1']],
      changed: [['Connection', 'keep-alive']],
      removed: [],
    });
  });

  it('does not call Content-Length and Content-Type removed at a FastCGI hop: they went as params', () => {
    const fastcgiServers = [
      { name: 'fastcgi', role: 'web server speaking FastCGI' },
      { name: 'app', role: 'FastCGI app' },
    ];
    const front = fakeRequest('fastcgi', {
      time: 1000,
      durationMs: 6,
      method: 'POST',
      target: '/echo',
      records: [],
      headers: [
        ['Content-Length', '3'],
        ['Content-Type', 'text/plain'],
        ['Authorization', 'Basic eDp5'],
      ],
    });
    const app = fakeRequest('app', {
      time: 999,
      durationMs: 1,
      method: 'POST',
      target: '/echo',
      headers: [],
      params: 16,
      stdinBytes: 3,
    });
    const journey = requestJourney([app, front], front, fastcgiServers);
    expect(journey.hops[0]!.removed).toEqual([
      'Content-Length (sent as the CONTENT_LENGTH param instead)',
      'Content-Type (sent as the CONTENT_TYPE param instead)',
      'Authorization',
    ]);
    expect(journey.hops[0]!.target).toBeUndefined();
    // And the app's request is named for what it is: rebuilt from PARAMS, not HTTP it received
    expect(hopSections(journey.hops[1]!)[0]!.title).toBe(
      'what app received, rebuilt from its PARAMS (it is sent no HTTP)',
    );
    expect(hopSections(journey.hops[0]!)[0]!.title).toBe('what fastcgi received');
  });
});

describe('cutWholeJourneys', () => {
  it('lets go of whole journeys only: none is left with some of its hops', () => {
    // Given r1's journey, then r2's, whose hops interleave with r1's last events
    const events = [
      trace('asgi', 'asgi', 1, 'received', 0),
      trace('asgi', 'asgi', 1, 'answered', 2),
      trace('asgi', 'asgi', 1, 'received', 0, { requestId: 'r2' }),
      trace('proxy', 'proxy', 0, 'passed-on', 1),
      trace('proxy', 'proxy', 0, 'answered', 3),
      trace('asgi', 'asgi', 1, 'answered', 1, { requestId: 'r2' }),
      { event: 'request', server: 'proxy', seq: ++seq, time: 0 },
    ];
    // When the oldest two are let go, r1's other events go with them; r2's and the rest stay
    const kept = cutWholeJourneys(events, 2);
    expect(kept.map((e) => [e.event, (e as TraceEvent).requestId])).toEqual([
      ['trace', 'r2'],
      ['trace', 'r2'],
      ['request', undefined],
    ]);
    // And a cut at no trace event keeps all after it
    expect(cutWholeJourneys(events, 0)).toEqual(events);
  });
});
