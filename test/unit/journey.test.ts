// Putting one request's journey together from trace events that arrive from several processes,
// in whatever order the pipes deliver them: in through each hop by depth, back out in reverse.
import { describe, expect, it } from 'vitest';
import { journeyOf, journeyText, requestIdOf, type TraceEvent } from '../../src/engine/journey.js';

let seq = 0;
function trace(server: string, hop: string, depth: number, phase: TraceEvent['phase'], ms: number, extra = {}) {
  return {
    event: 'trace',
    server,
    seq: ++seq,
    time: 0,
    requestId: 'r1',
    hop,
    depth,
    phase,
    ms,
    ...extra,
  } as TraceEvent;
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
