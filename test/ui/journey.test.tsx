// The journey view: one line per hop, in order from the client inwards, each with its own time,
// and a mark on the hop whose answer the client got.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { journeyOf, type TraceEvent } from '../../src/engine/journey.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { JourneyView } from '../../src/ui/views/journey.js';
import { RequestDetail } from '../../src/ui/views/request-detail.js';

let seq = 0;
function trace(server: string, hop: string, depth: number, phase: TraceEvent['phase'], ms: number, extra = {}) {
  return {
    event: 'trace',
    server,
    seq: ++seq,
    time: 0,
    requestId: 'r7',
    hop,
    depth,
    phase,
    ms,
    ...extra,
  } as TraceEvent;
}

// A request without a token: the proxy passed it on, authentication answered 401.
const events = [
  trace('proxy', 'proxy', 0, 'received', 0),
  trace('proxy', 'proxy', 0, 'passed-on', 1, { added: [['Via', '1.1 gateway-tutor-proxy']] }),
  trace('app', 'asgi', 1, 'received', 0),
  trace('app', 'asgi', 1, 'passed-on', 0.1),
  trace('app', 'auth', 2, 'received', 0),
  trace('app', 'auth', 2, 'answered-early', 150, { status: 401, why: '401: no token' }),
  trace('app', 'asgi', 1, 'answered', 151, { status: 401 }),
  trace('proxy', 'proxy', 0, 'answered', 155, { status: 401 }),
];

describe('JourneyView', () => {
  it('draws every hop in order with its own time, and marks where the request stopped', () => {
    // Given the journey of a refused request
    const journey = journeyOf(events, 'r7')!;
    // When it is drawn
    const { lastFrame, unmount } = render(<JourneyView journey={journey} />);
    const lines = (lastFrame() ?? '').split('\n');
    unmount();
    // Then the hops come in order, each with its time, and auth carries the mark and the reason
    const proxy = lines.findIndex((l) => /→ proxy\s+4\.0 ms .*passed on, 401 back/.test(l));
    const asgi = lines.findIndex((l) => /→ asgi\s+1\.0 ms/.test(l));
    const auth = lines.findIndex((l) => /■ auth\s+150 ms .*401 no token ← answered here/.test(l));
    expect(lines[0]).toContain('journey of r7 · 3 hops · slowest: auth');
    expect(proxy).toBeGreaterThan(0);
    expect(asgi).toBeGreaterThan(proxy);
    expect(auth).toBeGreaterThan(asgi);
    expect(lines.join('\n')).toContain('proxy changed headers: +Via');
  });

  it('appears in the request detail of a request the hops traced', () => {
    const request = {
      seq: 99,
      time: Date.UTC(2026, 0, 1, 10, 0, 0),
      server: 'proxy',
      event: 'request',
      method: 'GET',
      target: '/api/notes',
      headers: [['Host', '127.0.0.1']],
      status: 401,
      requestId: 'r7',
    } as RequestEvent;
    const journey = journeyOf(events, 'r7');
    const { lastFrame, unmount } = render(<RequestDetail request={request} number={1} rows={30} journey={journey} />);
    const frame = lastFrame() ?? '';
    unmount();
    expect(frame).toContain('journey of r7');
    expect(frame).toMatch(/■ auth .* ← answered here/);
  });
});
