// The numbers of a bench run: percentiles of the latencies, and the coordinated-omission
// correction that keeps a stalled server from looking fast. Pure functions, no I/O, so the tests
// can feed them made-up latencies and check every figure.

/** The percentiles bench reports (p95 is the one the sync-vs-async lesson asks for). */
export const PERCENTILES = [50, 90, 95, 99] as const;

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** The p-th percentile of sorted values by the nearest-rank method: the smallest value that at
 * least p % of the values are less than or equal to. Always one of the values, never a blend. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latencies: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const n = sorted.length;
  return {
    count: n,
    min: n ? sorted[0]! : Number.NaN,
    mean: n ? sum / n : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : Number.NaN,
  };
}

/**
 * Coordinated omission, and how bench corrects it.
 *
 * Each connection of a load generator sends its next request only when the previous answer has
 * come back. So when the server stalls for two seconds, a connection that normally sends a request
 * every 100 ms sends nothing for two seconds: the 19 requests it meant to send in that time are
 * never sent, never timed, and the stall shows up as ONE slow request among thousands of fast
 * ones. The generator has "coordinated" with the server to leave out exactly the bad moments, and
 * p99 looks fine while real users (who do not politely wait) saw seconds.
 *
 * The fix measures latency from when each request was MEANT to be sent. A connection's pace is
 * its usual round trip: the median latency of the run (`interval`). A request that took `L` ms,
 * with L at least two intervals, held up the requests that connection meant to send at
 * interval, 2·interval, … after it; each of those would have been answered when the stall ended,
 * so its latency counted from its intended send time is L − interval, L − 2·interval, … (down
 * to one interval). Those are added to the latencies. This is what HdrHistogram's
 * recordValueWithExpectedInterval does. Requests per second still counts only real responses.
 */
export function correctForOmission(latencies: ArrayLike<number>, interval: number): number[] {
  const added: number[] = [];
  if (!(interval > 0)) return added;
  for (let i = 0; i < latencies.length; i++) {
    for (let missed = latencies[i]! - interval; missed >= interval; missed -= interval) added.push(missed);
  }
  return added;
}

/** The measured latencies, plus those the stalls hid (see correctForOmission), summarized. */
export function correctedSummary(latencies: ArrayLike<number>): {
  latency: LatencySummary;
  uncorrected: LatencySummary;
  added: number;
  /** The measured latencies and the added ones. */
  all: number[];
} {
  const uncorrected = summarize(latencies);
  const added = correctForOmission(latencies, uncorrected.p50);
  const all = [...Array.from(latencies), ...added];
  return { latency: added.length ? summarize(all) : uncorrected, uncorrected, added: added.length, all };
}
