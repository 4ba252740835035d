// What the lab measured of each `bench` run, from the servers' own request events. bench marks
// every request with X-Bench-Run (the run) and X-Bench-Sent (when it was sent, epoch ms); each
// server reports when it finished the request (`end`, epoch ms) and when it started on it
// (`start`). So the lab can work out, for one run on one server, the same numbers bench printed:
// requests per second, latency percentiles (with the same coordinated-omission correction), and
// one more that bench cannot see: how many requests the server worked on at the same time.
import { header } from '../../src/engine/check-helpers.js';
import type { HeaderPairs } from '../../src/engine/types.js';
import { correctedSummary } from '../../src/bench/stats.js';

/** What runs need of a request event: the WSGI and ASGI servers' request events (wsgi-events.ts,
 * asgi-events.ts) both have these fields, typed. */
export interface TimedRequest {
  server: string;
  headers: HeaderPairs;
  status: number | null;
  /** Epoch milliseconds when the server began and finished the request. */
  start?: number;
  end?: number;
}

export interface Run {
  server: string;
  runId: string;
  /** Requests of this run the server answered. */
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  /** The most requests bench had waiting for an answer at one moment (its -c, in effect). */
  inFlight: number;
  /** The most requests the server itself was working on at one moment. */
  serverConcurrency: number;
}

interface Timed {
  sent: number;
  start: number;
  end: number;
}

/** How far the server's `end` may trail the moment bench read the answer. */
const CLOCK_SLACK_MS = 2;

/** Most intervals [from, to) open at one moment. */
export function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([from, to]): [number, number][] => [
    [from, 1],
    [to, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same instant
  let open = 0;
  let most = 0;
  for (const [, change] of edges) most = Math.max(most, (open += change));
  return most;
}

export function measureRun(server: string, runId: string, timed: Timed[]): Run {
  const first = Math.min(...timed.map((t) => t.sent));
  const last = Math.max(...timed.map((t) => t.end));
  const { latency } = correctedSummary(timed.map((t) => t.end - t.sent));
  return {
    server,
    runId,
    requests: timed.length,
    requestsPerSecond: last > first ? (timed.length * 1000) / (last - first) : 0,
    p50: latency.p50,
    p95: latency.p95,
    // The server notes `end` just after it wrote the answer, and bench may already have read it
    // and sent the next request by then: a millisecond or two of overlap that bench never had (it
    // showed as 11 in flight for -c 10). Only the requests' time at the server is cut by it.
    inFlight: maxOverlap(timed.map((t) => [t.sent, Math.max(t.sent, t.end - CLOCK_SLACK_MS)])),
    serverConcurrency: maxOverlap(timed.map((t) => [t.start, t.end])),
  };
}

/** Every bench run in these request events, oldest first (by when the run began). */
export function benchRuns(requests: readonly TimedRequest[]): Run[] {
  const groups = new Map<string, { server: string; runId: string; timed: Timed[] }>();
  for (const r of requests) {
    const runId = header(r.headers, 'x-bench-run');
    const sent = Number(header(r.headers, 'x-bench-sent'));
    const { start, end } = r;
    if (!runId || r.status !== 200 || start === undefined || end === undefined || !Number.isFinite(sent)) continue;
    const key = `${r.server} ${runId}`;
    const group = groups.get(key) ?? { server: r.server, runId, timed: [] };
    group.timed.push({ sent, start, end });
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({ run: measureRun(g.server, g.runId, g.timed), began: Math.min(...g.timed.map((t) => t.sent)) }))
    .sort((a, b) => a.began - b.began)
    .map((g) => g.run);
}

/** The newest run big enough to measure, or undefined. */
export function lastRun(requests: readonly TimedRequest[], minRequests = 10): Run | undefined {
  return benchRuns(requests)
    .filter((r) => r.requests >= minRequests)
    .at(-1);
}

export function describeRun(run: Run): string {
  return (
    `${run.server}: ${run.requests} requests, ${run.requestsPerSecond.toFixed(1)} requests/s, ` +
    `p95 ${Math.round(run.p95)} ms, ${run.inFlight} in flight, the server on ${run.serverConcurrency} at once`
  );
}
