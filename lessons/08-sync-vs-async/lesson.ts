// Lesson 8: sync versus async, measured. The same slow endpoint (GET /db waits 100 ms, as if for a
// database) is served five ways: the lab's WSGI server with 1, 2 and 4 worker processes, with one
// worker of 4 threads, and the lab's asyncio ASGI server. The learner loads each with
// `gateway-tutor bench`; every check reads what the servers themselves saw of those runs (bench
// marks its requests with X-Bench-Run and X-Bench-Sent; see runs.ts), never a fixed number.
import { fail, pass } from '../../src/engine/check-helpers.js';
import { type ContextOf, defineLesson, labServers, type ServerSpec } from '../../src/engine/types.js';
import { asgiEvents } from '../../src/servers/python/asgi-events.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { benchRuns, describeRun, lastRun, type Run } from './runs.js';

function wsgi<const N extends string>(
  name: N,
  port: number,
  workers: number,
  threads = 1,
): ServerSpec<N, typeof wsgiEvents> {
  const how = threads > 1 ? `1 worker, ${threads} threads` : `${workers} worker${workers > 1 ? 's' : ''}`;
  return {
    name,
    role: `WSGI server (${how})`,
    events: wsgiEvents,
    program: {
      python: '@servers/python/wsgi_server.py',
      args: ['--app', 'sync_app:app', '--workers', String(workers), '--threads', String(threads)],
    },
    port,
  };
}

const servers = labServers([
  wsgi('sync-1', 8801, 1),
  wsgi('sync-2', 8802, 2),
  wsgi('sync-4', 8804, 4),
  wsgi('threads', 8814, 1, 4),
  {
    name: 'async',
    role: 'ASGI server (asyncio, 1 process)',
    events: asgiEvents,
    program: { python: '@servers/python/asgi_server.py', args: ['--app', 'async_app:app'] },
    port: 8880,
  },
]);
type Ctx = ContextOf<typeof servers>;
type ServerName = (typeof servers)[number]['name'];

const SERVERS = ['sync-1', 'sync-4', 'threads', 'async'] as const;

/** A run that really put the server under concurrent load (not -c 1). */
const MIN_IN_FLIGHT = 5;

function missingRun(ctx: Ctx, server: ServerName): string {
  const runs = benchRuns(ctx.requests(server));
  if (runs.length === 0) return `${server}: no bench run in this step`;
  const last = runs.at(-1)!;
  if (last.requests < 10) return `${server}: the last run had only ${last.requests} requests (10 or more, please)`;
  return `${server}: at most ${last.inFlight} request${last.inFlight === 1 ? ' was' : 's were'} in flight at once (use -c 10)`;
}

function loaded(ctx: Ctx, server: ServerName): Run | undefined {
  const run = lastRun(ctx.requests(server));
  return run && run.inFlight >= MIN_IN_FLIGHT ? run : undefined;
}

/** The numbers in an answer, in order, in milliseconds when followed by "s" or "ms" ("p95" is a
 * name, not a number: digits glued to a letter are skipped). */
export function answerNumbers(answer: string): { value: number; unit?: 'ms' | 's' }[] {
  const found: { value: number; unit?: 'ms' | 's' }[] = [];
  for (const m of answer.matchAll(/(?<![\w.])(\d+(?:[.,]\d+)?)\s*(ms|s)?(?![\w])/gi)) {
    const unit = m[2]?.toLowerCase() as 'ms' | 's' | undefined;
    found.push({ value: Number(m[1]!.replace(',', '.')), ...(unit ? { unit } : {}) });
  }
  return found;
}

/** The requests/s and the p95 of an answer. In order ("12.5 850ms"), unless the units tell them
 * apart: "p95 300ms, 37 requests/s" gives its p95 first, and the number with a time unit is it. */
export function rateThenLatency(numbers: ReturnType<typeof answerNumbers>): typeof numbers {
  const timed = numbers.find((n) => n.unit);
  const plain = numbers.find((n) => !n.unit);
  return timed && plain ? [plain, timed] : numbers;
}

/** The ratio in an answer: "1.9", "×1.9", "2x" or "x2" (an x glued to the digits would hide them
 * from answerNumbers), or the division itself, "19.4/9.8". */
export function ratioIn(answer: string): { value: number } | undefined {
  const division = /^\s*(\d+(?:[.,]\d+)?)\s*\/\s*(\d+(?:[.,]\d+)?)\s*$/.exec(answer);
  if (division) {
    const [top, bottom] = [division[1]!, division[2]!].map((n) => Number(n.replace(',', '.')));
    return bottom ? { value: Math.round((top! / bottom!) * 100) / 100 } : undefined;
  }
  return answerNumbers(answer.replace(/(\d)\s*[x×]/gi, '$1 ').replace(/[x×]\s*(\d)/gi, ' $1'))[0];
}

/** Is a number bench printed within a range of what the lab measured? The range leans one way:
 * bench sees each answer a little after the server finished it, so its latencies are longer and
 * its rate lower than the lab's, and more so on a busy machine where the load generator itself
 * waits for the CPU. [low, high] are fractions of the lab's value; `slack` is added to both ends. */
export function inRange(given: number, measured: number, low: number, high: number, slack = 0): boolean {
  return given >= measured * low - slack && given <= measured * high + slack;
}

/** How far bench's p95 may sit from the lab's: a little below (rounding), and up to half again above.
 * On this project's busy 2-core machine, with three more busy loops, bench printed 464 ms where
 * the lab measured 355 ms (×1.31): a loaded laptop must not fail a right reading. */
export const P95_RANGE = { low: 0.9, high: 1.5, slack: 10 } as const;

const near = (given: number, measured: number, relative: number, absolute = 0) =>
  Math.abs(given - measured) <= Math.max(measured * relative, absolute);

/** "requests/s" and "p95 … ms" as bench prints them (the stand-in learner reads its output). */
function readBench(stdout: string): { rps: string; p95: string } {
  const rps = /([\d.]+) requests\/s/.exec(stdout)?.[1];
  const p95 = /p95 ([\d.]+ m?s)/.exec(stdout)?.[1];
  if (!rps || !p95) throw new Error(`bench printed no requests/s or p95:\n${stdout}`);
  return { rps, p95 };
}

export default defineLesson({
  id: 'sync-vs-async',
  title: 'Sync versus async, measured',
  summary:
    'The same slow endpoint on 1, 2 and 4 WSGI workers, on threads and on asyncio: requests/s and p95 under load.',
  layer: 'gateway',
  requires: ['python3'],
  servers,
  steps: [
    {
      id: 'one-at-a-time',
      kind: 'read',
      title: 'One request at a time, and four ways around it',
      text: 'steps/one-at-a-time.md',
    },
    {
      id: 'bench-each',
      kind: 'probe',
      title: 'Load each server',
      text: 'steps/bench-each.md',
      commands: SERVERS.map((s) => `{{tutor}} bench {{${s}.url}}/db -c 10 -d 1`),
      hints: [
        'Run the four commands one after the other, not at the same time: they share your CPU.',
        'Each run needs -c 10 (ten requests in flight) and at least ten answered requests.',
      ],
      check: async (ctx) => {
        const runs = SERVERS.map((s) => loaded(ctx, s));
        const missing = SERVERS.filter((_, i) => !runs[i]);
        if (missing.length) {
          return fail({
            message: `The lab has not seen a bench run with 10 requests in flight on ${missing.join(', ')} yet.`,
            saw: missing.map((s) => missingRun(ctx, s)).join('; '),
            expected: 'one bench run with -c 10 on each of sync-1, sync-4, threads and async',
          });
        }
        const [one, four, threads, loop] = runs as Run[];
        return pass(
          `The lab saw all four runs. While bench kept about 10 requests in flight, sync-1 worked on ` +
            `${one!.serverConcurrency} at a time, sync-4 on ${four!.serverConcurrency}, threads on ` +
            `${threads!.serverConcurrency} and async on ${loop!.serverConcurrency}; the requests a server ` +
            `was not working on waited in its queue.`,
          (runs as Run[]).map(describeRun),
        );
      },
    },
    {
      id: 'read-the-chart',
      kind: 'answer',
      title: 'Read requests/s and p95 off the chart',
      text: 'steps/read-the-chart.md',
      commands: ['{{tutor}} bench {{sync-4.url}}/db -c 10 -d 1'],
      hints: [
        'Two numbers: the requests/s on the "requests" line, then the p95 on the "latency" line.',
        'Written like 12.5 850ms (ms may be left out; "1.02 s" is read as 1020 ms).',
      ],
      check: async (ctx) => {
        const run = loaded(ctx, 'sync-4');
        if (!run) {
          return fail({
            message: 'The lab has not seen a bench run on sync-4 with 10 requests in flight in this step.',
            saw: missingRun(ctx, 'sync-4'),
            expected: 'a run of the shown command, then its numbers as your answer',
          });
        }
        const [rps, p95] = rateThenLatency(answerNumbers(ctx.answer ?? ''));
        const p95Ms = p95 && (p95.unit === 's' ? p95.value * 1000 : p95.value);
        const measured = `${run.requestsPerSecond.toFixed(1)} requests/s, p95 ${Math.round(run.p95)} ms`;
        if (!rps || p95Ms === undefined) {
          return fail({
            message: 'Your answer needs two numbers: requests/s, then p95.',
            saw: ctx.answer ? `you answered ${ctx.answer}` : 'no answer',
            expected: 'written like 12.5 850ms',
          });
        }
        if (!inRange(rps.value, run.requestsPerSecond, 0.75, 1.1)) {
          return fail({
            message: `${rps.value} requests/s is not what the lab measured for your last run.`,
            saw: `you answered ${rps.value} requests/s`,
            expected: `close to the lab's ${run.requestsPerSecond.toFixed(1)}, or a little below (the "requests" line)`,
          });
        }
        if (!inRange(p95Ms, run.p95, P95_RANGE.low, P95_RANGE.high, P95_RANGE.slack)) {
          return fail({
            message: `p95 ${p95Ms} ms is not what the lab measured for your last run.`,
            saw: `you answered p95 ${p95Ms} ms`,
            expected: `close to the lab's ${Math.round(run.p95)} ms, or up to half again above it (the "latency" line, or the ◀ p95 row)`,
          });
        }
        return pass(
          `Right: the lab measured ${measured} for that run. 95 requests in 100 waited ` +
            `${Math.round(run.p95)} ms or less; 100 ms of it was the "database", most of the rest was ` +
            `waiting for one of the ${run.serverConcurrency} workers.`,
        );
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run('{{tutor}} bench {{sync-4.url}}/db -c 10 -d 1');
        const { rps, p95 } = readBench(stdout);
        return `${rps} ${p95}`;
      },
    },
    {
      id: 'double-the-workers',
      kind: 'answer',
      title: 'Predict, then measure: twice the workers',
      text: 'steps/double-the-workers.md',
      commands: ['{{tutor}} bench {{sync-1.url}}/db -c 10 -d 1', '{{tutor}} bench {{sync-2.url}}/db -c 10 -d 1'],
      hints: ['Divide the requests/s of sync-2 by those of sync-1.', 'One decimal is enough, written like 1.3.'],
      check: async (ctx) => {
        const one = loaded(ctx, 'sync-1');
        const two = loaded(ctx, 'sync-2');
        if (!one || !two) {
          const missing = (['sync-1', 'sync-2'] as const).filter((_, i) => ![one, two][i]);
          return fail({
            message: `The lab has not seen a bench run with 10 requests in flight on ${missing.join(' and ')} in this step.`,
            saw: missing.map((s) => missingRun(ctx, s)).join('; '),
            expected: 'a run of each shown command, then the ratio of their requests/s',
          });
        }
        const ratio = two.requestsPerSecond / one.requestsPerSecond;
        const given = ratioIn(ctx.answer ?? '');
        const lab =
          `sync-1 ${one.requestsPerSecond.toFixed(1)} → sync-2 ${two.requestsPerSecond.toFixed(1)} requests/s ` +
          `(×${ratio.toFixed(2)}), p95 ${Math.round(one.p95)} → ${Math.round(two.p95)} ms`;
        if (!given || !near(given.value, ratio, 0.15, 0.2)) {
          return fail({
            message: given
              ? `×${given.value} is not the ratio the lab measured.`
              : 'Your answer needs a number: the ratio.',
            saw: ctx.answer ? `you answered ${ctx.answer}` : 'no answer',
            expected: `sync-2's requests/s divided by sync-1's, about ${ratio.toFixed(1)} for your runs`,
          });
        }
        return pass(`Right: the lab measured ${lab}.`, [
          'Each worker still serves one request at a time; with 10 waiting, two workers clear the queue twice as fast.',
          'Doubling again helps only while more requests wait than there are workers, and each worker is a whole process.',
        ]);
      },
      solve: async (ctx) => {
        const one = readBench((await ctx.run('{{tutor}} bench {{sync-1.url}}/db -c 10 -d 1')).stdout);
        const two = readBench((await ctx.run('{{tutor}} bench {{sync-2.url}}/db -c 10 -d 1')).stdout);
        return (Number(two.rps) / Number(one.rps)).toFixed(2);
      },
    },
    {
      id: 'what-workers-cost',
      kind: 'read',
      title: 'What workers cost',
      text: 'steps/what-workers-cost.md',
    },
  ],
});
