// `gateway-tutor bench URL [-c N] [-n N | -d SECONDS] [--json]`: put a lab server under
// concurrent load and show requests per second, latency percentiles and a histogram. It parses
// its own options (its -d is a duration), and loads the load generator only when it runs.
import { parseArgs } from 'node:util';
import { EXIT, TutorError, usageError } from '../engine/errors.js';
import { paint, printJson } from './output.js';

export const BENCH_USAGE = `Usage: gateway-tutor bench URL [-c N] [-n N | -d SECONDS] [--json]

  -c, --connections N   requests in flight at once, one per connection
                        (default 10)
  -n, --requests N      send N requests in all, then stop
  -d, --duration S      send for S seconds (default 5), then wait for the
                        answers still due
  --json                one JSON object with every number, for scripts

URL is a server on this machine (127.0.0.1, localhost or [::1]). Latency is
counted from the moment each request was meant to be sent, so a server that
stalls is not flattered. Every request carries X-Bench-Run and X-Bench-Sent
headers, so the lab can see the load.`;

const OPTIONS = {
  connections: { type: 'string', short: 'c' },
  requests: { type: 'string', short: 'n' },
  duration: { type: 'string', short: 'd' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TIMEOUT_MS = 30_000;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface BenchArgs {
  url: URL;
  connections: number;
  requests?: number;
  durationMs?: number;
  json: boolean;
}

/** The command line, checked; a usage error (exit 2) that says what is wrong otherwise. */
export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message, BENCH_USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw usageError(
      positionals.length ? `bench takes one URL; got ${positionals.join(' ')}.` : 'bench needs a URL.',
      BENCH_USAGE,
    );
  }
  let url: URL;
  try {
    url = new URL(positionals[0]!);
  } catch {
    throw usageError(`"${positionals[0]}" is not a URL.`, 'For example: gateway-tutor bench http://127.0.0.1:8080/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`bench speaks HTTP; "${url.protocol}" is not http: or https:.`, BENCH_USAGE);
  }
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw usageError(
      `bench only loads servers on this machine, not ${url.hostname}.`,
      'Use a lab URL such as http://127.0.0.1:8080/ (gateway-tutor show LESSON prints them).',
    );
  }
  if (values.requests !== undefined && values.duration !== undefined) {
    throw usageError('Give -n (a number of requests) or -d (seconds), not both.', BENCH_USAGE);
  }
  const requests = values.requests === undefined ? undefined : whole('-n', values.requests, 1, 10_000_000);
  const connections = whole('-c', values.connections ?? '10', 1, 1000);
  const durationMs = requests === undefined ? seconds(values.duration ?? '5') : undefined;
  if (values['no-color']) process.env.NO_COLOR = '1';
  return {
    url,
    connections: requests === undefined ? connections : Math.min(connections, requests),
    ...(requests !== undefined ? { requests } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    json: values.json === true,
  };
}

function whole(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw usageError(`${flag} wants a whole number from ${min} to ${max}; got "${text}".`, BENCH_USAGE);
  }
  return n;
}

/** "2", "1.5", "2s" or "500ms" → milliseconds. */
function seconds(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN;
  if (!(ms >= 100 && ms <= 600_000)) {
    throw usageError(`-d wants seconds, from 0.1 to 600 (like 2, 1.5 or 500ms); got "${text}".`, BENCH_USAGE);
  }
  return ms;
}

export async function bench(argv: string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return EXIT.ok;
  }
  const { runLoad } = await import('../bench/load.js');
  const { buildReport, reportText } = await import('../bench/report.js');
  // Ctrl-C stops sending; the answers still due are waited for and the numbers printed. A
  // second Ctrl-C leaves at once.
  const stop = new AbortController();
  const onInterrupt = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
  process.on('SIGINT', onInterrupt);
  if (!args.json && process.stderr.isTTY) {
    const what = args.requests !== undefined ? `${args.requests} requests` : `${(args.durationMs ?? 0) / 1000} s`;
    process.stderr.write(paint.dim(`Loading ${args.url.href} with ${args.connections} connections for ${what}…\n`));
  }
  let result: Awaited<ReturnType<typeof runLoad>>;
  try {
    result = await runLoad({ ...args, timeoutMs: TIMEOUT_MS, signal: stop.signal });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (result.latencies.length === 0) {
    const why = Object.entries(result.errors)
      .map(([code, n]) => `${code} × ${n}`)
      .join(', ');
    throw new TutorError(
      `No request to ${args.url.href} got an answer${why ? ` (${why})` : ''}.`,
      'Is the lab running? Start it with gateway-tutor lab LESSON (or in the tutor), and use the URL it shows.',
      EXIT.failed,
    );
  }
  const built = buildReport(args, result);
  if (args.json) printJson(built.report);
  else {
    // The terminal's width; COLUMNS when output goes elsewhere (a pipe, the tutor's output pane).
    const columns = process.stdout.columns ?? (Number(process.env.COLUMNS) || 80);
    const width = Math.min(100, Math.max(40, columns));
    process.stdout.write(`${reportText(built, width).join('\n')}\n`);
  }
  return EXIT.ok;
}
