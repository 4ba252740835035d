// bench's numbers: percentiles by nearest rank, the coordinated-omission correction, and the
// histogram drawn within the terminal's width whatever its labels hold.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { bar, drawHistogram, formatMs, histogram, niceStep } from '../../src/bench/chart.js';
import { buildReport, reportText } from '../../src/bench/report.js';
import { correctedSummary, correctForOmission, percentile, summarize } from '../../src/bench/stats.js';

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('percentiles', () => {
  it('are nearest-rank: always one of the measured values', () => {
    // Given the latencies 1..100 ms, shuffled
    const values = range(100, (i) => i + 1).sort(() => Math.random() - 0.5);
    // When summarized
    const s = summarize(values);
    // Then each percentile is the value at its rank
    expect([s.p50, s.p90, s.p95, s.p99, s.max, s.min]).toEqual([50, 90, 95, 99, 100, 1]);
    expect(s.mean).toBe(50.5);
    expect(s.count).toBe(100);
  });

  it('handle small and empty sets', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });

  it('sort numerically, not as text', () => {
    expect(summarize([100, 9, 20]).p50).toBe(20);
  });
});

describe('coordinated omission', () => {
  it('adds the requests a stalled connection meant to send, timed from their intended send', () => {
    // Given a connection that goes every 100 ms and one answer that took 1000 ms
    const added = correctForOmission([100, 100, 1000], 100);
    // Then the 9 requests it would have sent at +100, +200, … ms are counted, each answered when
    // the stall ended: 900, 800, … 100 ms after it was meant to go
    expect(added).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100]);
  });

  it('adds nothing when no answer took two intervals or more', () => {
    expect(correctForOmission([100, 150, 199], 100)).toEqual([]);
    expect(correctForOmission([100, 5000], 0)).toEqual([]);
  });

  it('moves the tail to where a user would have felt it', () => {
    // Given 1000 answers of 10 ms and one stall of 2 s (the server paused)
    const latencies = [...range(1000, () => 10), 2000];
    const { latency, uncorrected, added } = correctedSummary(latencies);
    // Then measured naively, p99 hides the stall; corrected, the 199 requests that would have
    // gone out during it show up (2000-10, 2000-20, … ≥ 10)
    expect(uncorrected.p99).toBe(10);
    expect(added).toBe(199);
    expect(latency.p99).toBeGreaterThan(1000);
    expect(latency.max).toBe(2000);
  });
});

describe('histogram', () => {
  it('picks round steps', () => {
    expect([niceStep(0.3), niceStep(3), niceStep(7), niceStep(23), niceStep(240)]).toEqual([0.5, 5, 10, 25, 250]);
    expect(formatMs(100, 10)).toBe('100');
    expect(formatMs(1.25, 0.05)).toBe('1.25');
  });

  it('puts every latency in exactly one range with round edges', () => {
    const values = range(200, (i) => 100 + (i % 50));
    const buckets = histogram(values, 10);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(200);
    expect(buckets[0]!.from).toBe(100);
    for (const b of buckets) expect(b.to - b.from).toBe(5);
    for (const v of values) expect(buckets.filter((b) => v >= b.from && v < b.to)).toHaveLength(1);
  });

  it('gives far outliers one last row instead of squashing the rest', () => {
    const values = [...range(1000, (i) => 10 + (i % 10)), 5000];
    const p99 = summarize(values).p99;
    const buckets = histogram(values, 10, p99);
    const last = buckets.at(-1)!;
    expect(last.to).toBe(Number.POSITIVE_INFINITY);
    expect(last.count).toBe(1);
    expect(buckets.length).toBeLessThanOrEqual(12);
  });

  it('one value, or all the same, still draws', () => {
    expect(histogram([42], 10)).toEqual([{ from: 42, to: 42.5, count: 1 }]);
    expect(histogram([], 10)).toEqual([]);
  });

  it('draws bars in eighths of a cell', () => {
    expect(bar(2.5)).toBe('██▌');
    expect(bar(0)).toBe('');
    expect(bar(1.99)).toBe('██');
  });

  it('fits the width it is given, measured in terminal cells', () => {
    const values = [...range(500, (i) => 95 + (i % 30)), 1000, 1200];
    const buckets = histogram(values, 10, summarize(values).p99);
    for (const width of [40, 60, 100]) {
      const lines = drawHistogram(buckets, [{ label: 'p95 表', value: 120 }], width);
      for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(width);
      // The wide label takes two cells per character: the bars still line up
      const bars = lines.map((line) => stringWidth(line.slice(0, line.indexOf('│'))));
      expect(new Set(bars).size).toBe(1);
    }
  });

  it('marks the percentiles on the rows that hold them', () => {
    const values = range(100, (i) => i + 1);
    const lines = drawHistogram(histogram(values, 10), [{ label: 'p95', value: 95 }], 80);
    expect(lines.filter((l) => l.includes('◀ p95'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('◀ p95'))).toMatch(/ 90–100 ms │/);
  });
});

describe('report', () => {
  it('counts requests per second over the whole run, and reports both latencies', () => {
    const result = {
      runId: 'abcd1234',
      elapsedMs: 2000,
      latencies: range(100, () => 200),
      statuses: { '200': 98, '503': 2 },
      errors: { ECONNRESET: 1 },
      bytes: 1000,
    };
    const built = buildReport({ url: new URL('http://127.0.0.1:9/db'), connections: 4, durationMs: 2000 }, result);
    expect(built.report.requestsPerSecond).toBe(50);
    expect(built.report.latencyMs.p95).toBe(200);
    expect(built.report.addedForStalls).toBe(0);
    const text = reportText(built, 70).join('\n');
    expect(text).toContain('100 answered in 2.00 s: 50 requests/s');
    expect(text).toContain('200 × 98, 503 × 2');
    expect(text).toContain('ECONNRESET × 1');
    expect(text).toMatch(/p95 200 ms/);
  });
});
