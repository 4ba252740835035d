// What bench prints: one JSON object for scripts, or a few lines and the histogram for people.
// Both come from the same BenchReport, built once from what the load generator measured.
import { drawHistogram, histogram, type Bucket, type Mark } from './chart.js';
import type { LoadResult } from './load.js';
import { correctedSummary, type LatencySummary } from './stats.js';

export interface BenchReport {
  url: string;
  runId: string;
  connections: number;
  /** What was asked: a number of requests, or a duration. */
  requests?: number;
  durationSeconds?: number;
  elapsedSeconds: number;
  /** Requests that got an HTTP answer (any status). */
  answered: number;
  requestsPerSecond: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** Counted from each request's intended send time (coordinated omission corrected). */
  latencyMs: LatencySummary;
  /** As measured from the actual send times, before the correction. */
  uncorrectedLatencyMs: LatencySummary;
  /** Latencies added for requests a stall kept from being sent. */
  addedForStalls: number;
  histogram: { fromMs: number; toMs: number | null; count: number }[];
}

export interface Asked {
  url: URL;
  connections: number;
  requests?: number;
  durationMs?: number;
}

const round = (value: number, places = 1) => Number(value.toFixed(places));

function rounded(summary: LatencySummary): LatencySummary {
  const out = { ...summary };
  for (const key of Object.keys(out) as (keyof LatencySummary)[]) if (key !== 'count') out[key] = round(out[key], 2);
  return out;
}

export interface Built {
  report: BenchReport;
  buckets: Bucket[];
  /** The percentiles to mark on the histogram, unrounded (so each lands in its own row). */
  marks: Mark[];
}

export function buildReport(asked: Asked, result: LoadResult, rows = 10): Built {
  const { latency, uncorrected, added, all } = correctedSummary(result.latencies);
  const buckets = histogram(all, rows, latency.p99);
  const answered = result.latencies.length;
  const report: BenchReport = {
    url: asked.url.href,
    runId: result.runId,
    connections: asked.connections,
    ...(asked.requests !== undefined ? { requests: asked.requests } : {}),
    ...(asked.durationMs !== undefined ? { durationSeconds: asked.durationMs / 1000 } : {}),
    elapsedSeconds: round(result.elapsedMs / 1000, 3),
    answered,
    requestsPerSecond: result.elapsedMs > 0 ? round((answered * 1000) / result.elapsedMs) : 0,
    bytes: result.bytes,
    statuses: result.statuses,
    errors: result.errors,
    latencyMs: rounded(latency),
    uncorrectedLatencyMs: rounded(uncorrected),
    addedForStalls: added,
    histogram: buckets.map((b) => ({
      fromMs: round(b.from, 3),
      toMs: b.to === Number.POSITIVE_INFINITY ? null : round(b.to, 3),
      count: b.count,
    })),
  };
  const marks = [
    { label: 'p50', value: latency.p50 },
    { label: 'p95', value: latency.p95 },
    { label: 'p99', value: latency.p99 },
  ];
  return { report, buckets, marks };
}

/** "8.4 ms", "102 ms", "1.25 s". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort(([, a], [, b]) => b - a);
  return entries.length ? entries.map(([key, n]) => `${key} × ${n}`).join(', ') : 'none';
}

export function reportText({ report, buckets, marks }: Built, width: number): string[] {
  const l = report.latencyMs;
  const asked =
    report.requests !== undefined ? `${report.requests} requests` : `${report.durationSeconds} s of sending`;
  const lines = [
    `bench ${report.url}: ${report.connections} connection${report.connections === 1 ? '' : 's'}, ${asked} (run ${report.runId})`,
    '',
    `  requests    ${report.answered} answered in ${report.elapsedSeconds.toFixed(2)} s: ${report.requestsPerSecond} requests/s`,
    `  statuses    ${counts(report.statuses)}`,
    `  errors      ${counts(report.errors)}`,
    `  latency     p50 ${duration(l.p50)}   p90 ${duration(l.p90)}   p95 ${duration(l.p95)}   p99 ${duration(l.p99)}   max ${duration(l.max)}`,
    report.addedForStalls > 0
      ? `              (counted from when each request was meant to be sent: ${report.addedForStalls} added for stalls)`
      : '              (counted from when each request was meant to be sent; no stalls to correct)',
  ];
  if (buckets.length === 0) return lines;
  return [...lines, '', '  latency histogram (requests per range)', ...drawHistogram(buckets, marks, width)];
}
