// The sync-vs-async lesson's checks, fed with request events like the lab servers report for a
// bench run (X-Bench-Run, X-Bench-Sent, start and end): each check judges the run the lab saw,
// fails on a run that put no real load on the server, and on an answer that is not that run's.
import { describe, expect, it } from 'vitest';
import lesson, { answerNumbers, inRange, P95_RANGE, ratioIn } from '../../lessons/08-sync-vs-async/lesson.js';
import { maxOverlap, measureRun } from '../../lessons/08-sync-vs-async/runs.js';
import type { CheckContext, LabEvent, LabEventOf } from '../../src/engine/types.js';
import type { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { contextFrom } from '../helpers/fake-context.js';

type WsgiRequest = LabEventOf<typeof wsgiEvents, 'request'>;

let seq = 0;

/** A bench run as a server with `workers` workers serves it: `inFlight` requests at a time, each
 * 100 ms of work, queued FIFO; `rounds` requests per connection. */
function run(server: string, runId: string, workers: number, inFlight: number, rounds = 3): WsgiRequest[] {
  const t0 = 1_000_000;
  const free = Array.from({ length: workers }, () => t0);
  const events: WsgiRequest[] = [];
  const sendAt = Array.from({ length: inFlight }, () => t0);
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < inFlight; c++) {
      const sent = sendAt[c]!;
      const w = free.indexOf(Math.min(...free));
      const start = Math.max(sent, free[w]!);
      const end = start + 100;
      free[w] = end;
      sendAt[c] = end;
      events.push({
        seq: ++seq,
        time: end,
        server,
        event: 'request',
        method: 'GET',
        target: '/db',
        headers: [
          ['x-bench-run', runId],
          ['x-bench-sent', String(sent)],
        ],
        status: 200,
        pid: 1000 + w,
        start,
        end,
      });
    }
  }
  return events;
}

function context(events: LabEvent[], answer?: string): CheckContext {
  return contextFrom(events, { answer, lesson: 'sync-vs-async', url: () => 'http://127.0.0.1:8801' });
}

const check = (id: string, events: LabEvent[], answer?: string) =>
  lesson.steps.find((s) => s.id === id)!.check!(context(events, answer));

describe('measuring a run from the lab side', () => {
  it("counts one connection's next request, sent a moment before the server noted its end, as the same slot", () => {
    // One connection: the server notes `end` 1 ms after bench has already read and sent again
    const timed = [0, 101, 202].map((sent) => ({ sent, start: sent, end: sent + 102 }));
    expect(measureRun('sync-1', 'x', timed).inFlight).toBe(1);
  });

  it('finds how many requests overlapped, at the client and at the server', () => {
    expect(maxOverlap([])).toBe(0);
    expect(
      maxOverlap([
        [0, 10],
        [10, 20],
      ]),
    ).toBe(1);
    expect(
      maxOverlap([
        [0, 10],
        [5, 20],
        [6, 7],
      ]),
    ).toBe(3);
    // One worker, 10 in flight: the server works on 1 at a time, at 10 requests/s
    const one = measureRun(
      'sync-1',
      'r',
      run('sync-1', 'r', 1, 10).map((e) => ({
        sent: Number(e.headers[1]![1]),
        start: e.start as number,
        end: e.end as number,
      })),
    );
    expect(one).toMatchObject({ requests: 30, inFlight: 10, serverConcurrency: 1 });
    expect(one.requestsPerSecond).toBeCloseTo(10, 0);
    expect(one.p95).toBe(1000);
  });

  it("accepts bench's side of the lab's numbers only: a little worse, never better", () => {
    // p95: the lab saw 300 ms; bench, a moment later for each answer (later still on a busy
    // machine), may print up to half as much again
    const { low, high, slack } = P95_RANGE;
    expect(inRange(390, 300, low, high, slack)).toBe(true);
    expect(inRange(450, 300, low, high, slack)).toBe(true);
    expect(inRange(280, 300, low, high, slack)).toBe(true);
    expect(inRange(250, 300, low, high, slack)).toBe(false); // p50 read as p95, say
    expect(inRange(500, 300, low, high, slack)).toBe(false);
    // requests/s: the lab saw 40; bench's own rate may be lower, not higher
    expect(inRange(32, 40, 0.75, 1.1)).toBe(true);
    expect(inRange(48, 40, 0.75, 1.1)).toBe(false);
  });

  it('reads a ratio however it is written: 2x, x2, ×1.9, or the division itself', () => {
    expect(ratioIn('2x')).toEqual({ value: 2 });
    expect(ratioIn('x1.9')).toEqual({ value: 1.9 });
    expect(ratioIn('×1.9 faster')).toEqual({ value: 1.9 });
    expect(ratioIn('19.4/9.8')).toEqual({ value: 1.98 });
    expect(ratioIn('about 2')).toEqual({ value: 2 });
    expect(ratioIn('twice')).toBeUndefined();
  });

  it('reads the numbers of an answer, with units, and not the 95 of "p95"', () => {
    expect(answerNumbers('38.2 305ms')).toEqual([{ value: 38.2 }, { value: 305, unit: 'ms' }]);
    expect(answerNumbers('9,5 requests/s, p95 1.02 s')).toEqual([{ value: 9.5 }, { value: 1.02, unit: 's' }]);
    expect(answerNumbers('×1.9')).toEqual([{ value: 1.9 }]);
  });
});

describe('sync-vs-async lesson checks', () => {
  it('bench-each: needs a loaded run on each of the four servers', async () => {
    const three = [...run('sync-1', 'a', 1, 10), ...run('sync-4', 'b', 4, 10), ...run('threads', 'c', 4, 10)];
    const missing = await check('bench-each', three);
    expect(missing).toMatchObject({ status: 'fail', message: expect.stringContaining('async') });
    // A run with one connection is not load
    const gentle = await check('bench-each', [...three, ...run('async', 'd', 100, 1, 20)]);
    expect(gentle).toMatchObject({ status: 'fail', saw: expect.stringContaining('at most 1 request was in flight') });
    const all = await check('bench-each', [...three, ...run('async', 'e', 100, 10)]);
    expect(all.status).toBe('pass');
    expect(all.message).toContain('sync-1 worked on 1 at a time, sync-4 on 4, threads on 4 and async on 10');
  });

  it('read-the-chart: judges the answer against the run the lab measured', async () => {
    const events = run('sync-4', 'r', 4, 10, 8);
    const measured = measureRun(
      'sync-4',
      'r',
      events.map((e) => ({ sent: Number(e.headers[1]![1]), start: e.start as number, end: e.end as number })),
    );
    const right = `${measured.requestsPerSecond.toFixed(1)} ${measured.p95}ms`;
    expect((await check('read-the-chart', [], right)).status).toBe('fail');
    expect((await check('read-the-chart', events, right)).status).toBe('pass');
    expect(
      (await check('read-the-chart', events, `${measured.requestsPerSecond.toFixed(1)} ${measured.p95 / 1000}s`))
        .status,
    ).toBe('pass');
    // p95 first, told apart by its unit: still the same two readings
    expect(
      (
        await check(
          'read-the-chart',
          events,
          `p95 ${measured.p95}ms, ${measured.requestsPerSecond.toFixed(1)} requests/s`,
        )
      ).status,
    ).toBe('pass');
    expect(await check('read-the-chart', events, `100 ${measured.p95}`)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('100 requests/s is not what the lab measured'),
    });
    expect(await check('read-the-chart', events, `${measured.requestsPerSecond} 900`)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('p95 900 ms'),
    });
    expect((await check('read-the-chart', events, '42')).message).toContain('two numbers');
  });

  it('double-the-workers: the ratio of the two runs the lab saw', async () => {
    const events = [...run('sync-1', 'a', 1, 10), ...run('sync-2', 'b', 2, 10)];
    expect((await check('double-the-workers', run('sync-1', 'a', 1, 10), '2')).status).toBe('fail');
    expect((await check('double-the-workers', events, '2')).status).toBe('pass');
    expect((await check('double-the-workers', events, '1.9')).status).toBe('pass');
    expect((await check('double-the-workers', events, '1.2')).status).toBe('fail');
    expect((await check('double-the-workers', events, '4')).status).toBe('fail');
  });
});
