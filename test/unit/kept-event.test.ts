// The lab keeps a server's event as the line it came in as until someone reads it
// (src/engine/kept-event.ts). What it makes of the line later must be what it would have filed at
// once, and what `lab --json` prints of it must be what it printed when every event was an object.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Lab } from '../../src/engine/lab.js';
import { trimWholeJourneys, cutWholeJourneys } from '../../src/engine/journey.js';
import { asReceived } from '../../src/engine/kept-event.js';
import type { LabEvent } from '../../src/engine/types.js';
import { event, family, json, optional, requestEvent, string } from '../../src/servers/lib/event-schema.js';
import { traceEvent } from '../../src/servers/lib/trace-events.js';
import { reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import { tempDir } from '../helpers/env.js';
import { tinyLesson } from '../helpers/lessons.js';
import { waitFor } from '../helpers/processes.js';

const program = { node: join(import.meta.dirname, '..', 'fixtures', 'lines-server.mjs') };
// A family whose request events may carry anything as `trace` (one item or a list), beside the
// proxy's, whose `trace` is a list of phases.
const anyTrace = family(
  requestEvent({ requestId: optional(string), trace: optional(json) }),
  traceEvent,
  event('note', { text: string }),
);

const phase = (rest: string) => `{"hop":"proxy","depth":0,"phase":"answered","ms":2${rest}}`;
const request = (id: string, trace: string, rest = '') =>
  `{"event":"request","method":"GET","target":"/${id}","headers":[["Host","x"]],"status":200,"requestId":"${id}"${rest},"trace":${trace}}`;
const FWD = '[["X-Forwarded-For","127.0.0.1"],["Forwarded","for=127.0.0.1;host=\\"127.0.0.1:8300\\""]]';

const proxyLines = [
  // the proxy's own: two phases, the first with the headers it added
  request('a1', `[{"hop":"proxy","depth":0,"phase":"passed-on","ms":0.69,"added":${FWD}},${phase(',"status":200')}]`),
  // a health check (no number), then a phase with a field of its own (an object)
  request('a2', `[${phase(',"extra":{"b":[1,{"c":null}],"a":"é\\u00e9"}')}]`, ',"healthCheck":true'),
  // JSON no JSON.stringify writes: spaces, 1.50, 2e2, \/, a repeated key, -0
  request('a3', `[ { "hop" : "pr\\/oxy", "depth":0, "phase":"answered", "ms":1.50, "status":2e2 } ]`),
  request('a4', `[{"hop":"x","hop":"proxy","depth":-0,"phase":"answered","ms":-0}]`),
  // keys a filed trace event orders or sets otherwise: an index, the tutor's own, __proto__
  request('a5', `[${phase(',"7":"seven"')}]`),
  request('a6', `[${phase(',"server":"not me","seq":1')}]`),
  request('a7', `[${phase(',"__proto__":{"status":404}')}]`),
  request('a8', `[${phase(',"requestId":"other"')}]`),
  // a line that sets the lab's fields itself is kept as the object
  request('a9', `[${phase('')}]`, ',"time":5'),
  // an item that is no phase: the whole line is dropped (the proxy's family says what it carries)
  request('a10', `[{"hop":1},${phase('')}]`),
];
const anyLines = [
  // one item, not a list; a string item; a list with a phase and a number
  request('b1', phase('')),
  request('b2', '"answered"'),
  request('b3', `[${phase('')},3]`),
  '{"event":"note","text":"no trace"}',
  // no request id: its items are no trace events
  '{"event":"request","method":"GET","target":"/","headers":[],"status":200,"trace":[{"hop":"proxy","depth":0,"phase":"answered","ms":1}]}',
];

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((lab) => lab.teardown()));
});

/** A lab of one server writing `lines`; `read` says what its listener reads of each event. */
async function labOf(lines: string[], events: object, read: 'event' | 'json') {
  const lesson = tinyLesson({
    servers: [
      { events: events as never, program, env: { GT_TEST_LINES: JSON.stringify(lines) }, readyTimeoutMs: 30_000 },
    ],
  });
  const lab = await Lab.start(lesson, { workspace: tempDir('kept-ws'), control: false });
  labs.push(lab);
  const seen: { json?: string; event?: LabEvent }[] = [];
  lab.subscribe((change) => {
    if (change.type !== 'event') return;
    seen.push(read === 'event' ? { event: change.event } : { json: change.json });
  });
  await fetch(lab.url('tiny-1'));
  return { lab, seen };
}

/** The events without their times (two labs file the same line at different moments). */
const timeless = (events: readonly LabEvent[]) => events.map((e) => ({ ...e, time: 0 }));

describe.each([
  ['the proxy', proxyLines, reverseProxyEvents, 19],
  ['a family whose request carries anything', anyLines, anyTrace, 7],
])('events kept as lines: %s', (_name, lines, events, count) => {
  it('are made into the events the lab files when a listener reads each at once', async () => {
    // Given one lab whose listener reads every event as it comes, and one whose listener reads
    // only the JSON
    const eager = await labOf(lines, events, 'event');
    const lazy = await labOf(lines, events, 'json');
    await waitFor(() => eager.seen.length === count && lazy.seen.length === count, `${count} events each`);
    // Then the events the second lab makes of its lines later are the first lab's
    const made = lazy.lab.events();
    expect(timeless(made)).toEqual(timeless(eager.lab.events()));
    expect(made.map((e) => Object.getPrototypeOf(e))).toEqual(eager.lab.events().map((e) => Object.getPrototypeOf(e)));
    // And the first lab keeps the very objects its listener got
    expect(eager.lab.events()).toEqual(eager.seen.map((s) => s.event));
    for (const [i, e] of eager.lab.events().entries()) expect(e).toBe(eager.seen[i]!.event);
    // And the same objects again on the next read, and for a step's check
    for (const [i, e] of lazy.lab.events().entries()) expect(e).toBe(made[i]);
    expect(lazy.lab.eventsSince('none')).toEqual([...made]);
  });

  it('are printed by lab --json as JSON of the event (a request with the trace it carried)', async () => {
    const { lab, seen } = await labOf(lines, events, 'json');
    await waitFor(() => seen.length === count, `${count} events`);
    const made = lab.events();
    made.forEach((e, i) => {
      const printed = seen[i]!.json!;
      const line = lines.find((l) => JSON.parse(l).target === (e as { target?: string }).target);
      // (a line with a `time` of its own is written out in full, without what it carried)
      if (e.event === 'request' && line && !('time' in JSON.parse(line))) expect(printed).toBe(asReceived(line, e));
      else expect(printed).toBe(JSON.stringify(e));
    });
  });
});

describe('events read after they were handed out', () => {
  it('are made from the line, and are then the objects the lab keeps', async () => {
    // Given a listener that keeps the changes and reads them only later
    const lesson = tinyLesson({
      servers: [
        {
          events: reverseProxyEvents as never,
          program,
          env: { GT_TEST_LINES: JSON.stringify(proxyLines) },
          readyTimeoutMs: 30_000,
        },
      ],
    });
    const lab = await Lab.start(lesson, { workspace: tempDir('kept-ws'), control: false });
    labs.push(lab);
    const changes: { event: LabEvent; json?: string }[] = [];
    lab.subscribe((change) => change.type === 'event' && changes.push(change));
    await fetch(lab.url('tiny-1'));
    await waitFor(() => changes.length === 19, '19 events');
    // When it reads each event and its JSON
    const late = changes.map((c) => c.event);
    // Then they are the events the lab keeps, and their JSON what was printed at once
    for (const [i, e] of lab.events().entries()) expect(e).toBe(late[i]);
    for (const c of changes) if (c.event.event === 'trace') expect(c.json).toBe(JSON.stringify(c.event));
  });
});

describe('trimWholeJourneys', () => {
  it('cuts in place what cutWholeJourneys cuts', () => {
    let seq = 0;
    const trace = (requestId: string) => ({ event: 'trace', requestId, server: 'p', seq: ++seq, time: 0 });
    const other = () => ({ event: 'request', server: 'p', seq: ++seq, time: 0 });
    const list = [trace('r1'), other(), trace('r2'), trace('r1'), other(), trace('r3'), trace('r2'), trace('r4')];
    for (let cut = 0; cut <= list.length; cut++) {
      const copy = [...list];
      trimWholeJourneys(copy, cut);
      expect(copy).toEqual(cutWholeJourneys(list, cut));
    }
  });
});
