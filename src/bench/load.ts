// The load generator behind `gateway-tutor bench`: N connections (an undici Pool), each sending
// its next request as soon as the previous answer has been read, for a number of requests or a
// number of seconds. Requests still in flight when the time is up are waited for and counted:
// they are the ones that queued longest, and leaving them out would make a slow server look fast.
//
// Every request carries two headers, so the lab can see the load as the learner ran it:
//   X-Bench-Run: <id of this run>      which requests belong together
//   X-Bench-Sent: <ms since the epoch>  when the request was sent
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  url: URL;
  connections: number;
  /** Stop after this many requests… */
  requests?: number;
  /** …or stop sending after this many milliseconds. */
  durationMs?: number;
  /** A request with no complete answer after this long counts as an error ("timeout"). */
  timeoutMs: number;
  /** Stop sending early (Ctrl-C); what was measured so far is kept. */
  signal?: AbortSignal;
}

export interface LoadResult {
  runId: string;
  /** From the first request sent to the last answer read. */
  elapsedMs: number;
  /** One per answered request, in milliseconds, in the order they were answered. */
  latencies: number[];
  /** Answered requests by HTTP status code. */
  statuses: Record<string, number>;
  /** Requests that got no HTTP answer, by error code (ECONNREFUSED, ECONNRESET, timeout...). */
  errors: Record<string, number>;
  bytes: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  // Loaded here, not at the top: the rest of the CLI starts without undici. (Bundled, this
  // CommonJS package is a default export; run from source, Node also gives the named ones.)
  const undici = await import('undici');
  const { Pool } = (undici as unknown as { default?: typeof undici }).default ?? undici;
  const { url, connections, timeoutMs } = options;
  const pool = new Pool(url.origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  const runId = randomBytes(4).toString('hex');
  const path = `${url.pathname}${url.search}`;
  const result: LoadResult = { runId, elapsedMs: 0, latencies: [], statuses: {}, errors: {}, bytes: 0 };
  let issued = 0;
  let answered = 0;
  const started = performance.now();
  const stopAt = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;

  const mayStart = () => {
    if (options.signal?.aborted || performance.now() >= stopAt) return false;
    if (options.requests !== undefined && issued >= options.requests) return false;
    // Nothing listening: once every connection's first try has failed, stop instead of spinning.
    if (answered === 0 && sum(result.errors) >= connections) return false;
    issued++;
    return true;
  };

  const connection = async () => {
    while (mayStart()) {
      const sent = performance.now();
      try {
        const { statusCode, body } = await pool.request({
          path,
          method: 'GET',
          headers: { 'x-bench-run': runId, 'x-bench-sent': (performance.timeOrigin + sent).toFixed(1) },
        });
        for await (const chunk of body) result.bytes += (chunk as Buffer).length;
        result.latencies.push(performance.now() - sent);
        result.statuses[statusCode] = (result.statuses[statusCode] ?? 0) + 1;
        answered++;
      } catch (error) {
        const code = errorCode(error);
        result.errors[code] = (result.errors[code] ?? 0) + 1;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: connections }, connection));
  } finally {
    result.elapsedMs = performance.now() - started;
    await pool.destroy();
  }
  return result;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** A short name for why a request got no answer. */
export function errorCode(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return 'timeout';
  if (code === 'UND_ERR_SOCKET') return 'socket closed';
  return code ?? (error instanceof Error ? error.name : 'error');
}
