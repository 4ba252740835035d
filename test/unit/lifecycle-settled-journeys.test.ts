// The lifecycle checks judge a journey once every hop has reported: the hops behind the proxy
// report a moment after it, and a check run straight after curl must wait for them.
import { describe, expect, it } from 'vitest';
import { settledJourneys } from '../../lessons/09-lifecycle/journey-checks.js';
import type { TraceEvent } from '../../src/engine/journey.js';
import type { LabEvent } from '../../src/engine/types.js';
import { contextFrom, fakeTrace } from '../helpers/fake-context.js';

const trace = (server: string, hop: string, depth: number, phase: TraceEvent['phase'], ms: number, extra = {}) =>
  fakeTrace(server, hop, depth, phase, ms, { time: Date.now(), ...extra }) as LabEvent;

describe('settledJourneys', () => {
  it('waits for the hops behind the proxy that report a moment after it', async () => {
    // Given only the proxy's part of a journey so far
    const events: LabEvent[] = [
      trace('proxy', 'proxy', 0, 'passed-on', 0),
      trace('proxy', 'proxy', 0, 'answered', 12, { status: 200 }),
    ];
    const context = contextFrom(events);
    // When the gateway's and the handler's events arrive 100 ms later
    setTimeout(() => {
      events.push(
        trace('app', 'asgi', 1, 'received', 0),
        trace('app', 'asgi', 1, 'passed-on', 0.1),
        trace('app', 'handler', 2, 'received', 0),
        trace('app', 'handler', 2, 'answered', 5, { status: 200 }),
        trace('app', 'asgi', 1, 'answered', 6, { status: 200 }),
      );
    }, 100);
    // Then the check sees the whole journey
    const [journey] = await settledJourneys(context);
    expect(journey?.complete).toBe(true);
    expect(journey?.hops.map((h) => h.hop)).toEqual(['proxy', 'asgi', 'handler']);
  });

  it('gives up after its deadline on a journey that stays incomplete', async () => {
    const events = [
      trace('proxy', 'proxy', 0, 'passed-on', 0),
      trace('proxy', 'proxy', 0, 'answered', 12, { status: 502 }),
    ];
    const [journey] = await settledJourneys(contextFrom(events), 200);
    expect(journey?.hops.map((h) => h.hop)).toEqual(['proxy']);
  });
});
