// The latency histogram bench draws in the terminal: one row per latency range, a bar as long as
// the number of requests in it, and the percentiles marked on their rows, so "p95" can be read
// off the picture. Widths are measured with string-width (what the terminal shows), never
// .length: the bars are drawn with block characters and labels may hold any character.
import stringWidth from 'string-width';

export interface Bucket {
  /** Latencies from (inclusive)… */
  from: number;
  /** …to (exclusive), in milliseconds. The overflow row has to = Infinity. */
  to: number;
  count: number;
}

/** A round step (1, 2, 2.5 or 5 times a power of ten) of at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9));
  return step ?? 10 * power;
}

/**
 * Latencies grouped into about `rows` equal ranges with round edges. When a few outliers lie far
 * beyond the rest (max more than twice p99), the ranges cover up to p99 and one last row holds
 * everything slower, so the outliers do not squash the picture into one row.
 */
export function histogram(latencies: ArrayLike<number>, rows = 10, p99?: number): Bucket[] {
  if (latencies.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < latencies.length; i++) {
    min = Math.min(min, latencies[i]!);
    max = Math.max(max, latencies[i]!);
  }
  const cut = p99 !== undefined && max > 2 * p99 && p99 > min ? p99 : max;
  const step = niceStep((cut - min) / rows || Math.max(min, 1) / 100);
  const start = Math.floor(min / step) * step;
  const count = Math.floor((cut - start) / step) + 1;
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({
    from: start + i * step,
    to: start + (i + 1) * step,
    count: 0,
  }));
  const last = buckets[buckets.length - 1]!;
  const overflow: Bucket = { from: last.to, to: Number.POSITIVE_INFINITY, count: 0 };
  for (let i = 0; i < latencies.length; i++) {
    const index = Math.floor((latencies[i]! - start) / step);
    if (index >= buckets.length) overflow.count++;
    else buckets[Math.max(0, index)]!.count++;
  }
  return overflow.count > 0 ? [...buckets, overflow] : buckets;
}

/** Milliseconds with as many decimals as the step between rows needs. */
export function formatMs(value: number, step = 1): string {
  const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
  return value.toFixed(decimals);
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `cells` terminal cells (fractions in eighths of a cell). */
export function bar(cells: number): string {
  const whole = Math.floor(cells);
  const eighths = Math.round((cells - whole) * 8);
  return eighths === 8 ? '█'.repeat(whole + 1) : '█'.repeat(whole) + EIGHTHS[eighths];
}

export interface Mark {
  label: string;
  value: number;
}

/** The histogram as lines no wider than `width` cells:
 *  `  100–110 ms │████████████▍ 412  ◀ p50 p95` */
export function drawHistogram(buckets: Bucket[], marks: Mark[], width: number): string[] {
  if (buckets.length === 0) return [];
  const step = buckets[0]!.to - buckets[0]!.from;
  const labels = buckets.map((b) =>
    b.to === Number.POSITIVE_INFINITY
      ? `≥ ${formatMs(b.from, step)} ms`
      : `${formatMs(b.from, step)}–${formatMs(b.to, step)} ms`,
  );
  const notes = buckets.map((b) => {
    const here = marks.filter((m) => m.value >= b.from && m.value < b.to).map((m) => m.label);
    return here.length ? `  ◀ ${here.join(' ')}` : '';
  });
  const labelWidth = Math.max(...labels.map((l) => stringWidth(l)));
  const countWidth = Math.max(...buckets.map((b) => stringWidth(String(b.count))));
  const noteWidth = Math.max(...notes.map((n) => stringWidth(n)));
  // "  " label " │" bar " " count note
  const room = Math.max(1, width - 2 - labelWidth - 2 - 1 - countWidth - noteWidth);
  const most = Math.max(...buckets.map((b) => b.count));
  return buckets.map((b, i) => {
    const label = labels[i]!;
    // A range with any request in it always shows at least a sliver.
    const drawn = b.count > 0 ? bar((b.count / most) * room) || EIGHTHS[1] : '';
    const pad = ' '.repeat(labelWidth - stringWidth(label));
    return `  ${pad}${label} │${drawn} ${b.count}${notes[i]}`;
  });
}
