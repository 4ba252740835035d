// How lesson 6's edit checks call the learner's app: like a client would, over HTTP. A broken app
// can break the response itself (a body shorter than its Content-Length, no response at all, an
// answer that never comes). Those are the learner's bugs, not the tutor's: this client turns each
// into a failed check that quotes what the wire and the server showed, instead of letting the
// error escape (the engine would then blame itself). node:http, not fetch: it says how far a
// broken response got (status, declared length, bytes received), where fetch says "terminated".
import { request } from 'node:http';
import { fail } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult } from '../../src/engine/types.js';
import type { wsgiEvents } from '../../src/servers/python/wsgi-events.js';

/** The context of a check of a lab with a WSGI server called "wsgi". */
type WsgiContext = CheckContext<{ wsgi: typeof wsgiEvents }>;

/** How long the check waits for one answer from the learner's app. */
export const APP_WAIT_MS = 3000;

/** A step timeout that fits `requests` calls to the app, each allowed APP_WAIT_MS. */
export function editTimeout(requests: number): number {
  return requests * APP_WAIT_MS + 2000;
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

/** A response, or the failed check that says why there was none. */
export type Answer = { ok: true; response: Fetched } | { ok: false; problem: CheckResult };

/** GET path from the WSGI server. Never throws for what the app did. */
export async function get(ctx: WsgiContext, path: string): Promise<Answer> {
  // The check's own signal (the engine gave up) or our shorter wait for the app, whichever is first.
  const controller = new AbortController();
  const stop = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('the app was too slow', 'TimeoutError')),
    APP_WAIT_MS,
  );
  const outcome = await exchange(`${ctx.url('wsgi')}${path}`, controller.signal).finally(() => {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
  });
  if (outcome.kind === 'ok') return { ok: true, response: outcome.response };
  const said = serverSaid(ctx, path);
  const fromServer = said ? [`The server's log for your last GET ${path.split('?')[0]}: ${said}`] : [];
  if (outcome.kind === 'timeout') {
    return {
      ok: false,
      problem: fail({
        message: `Your app did not answer GET ${path} within ${APP_WAIT_MS / 1000} s, so the check stopped waiting.`,
        saw: 'no response yet: the worker was still running your app',
        expected: `an answer within ${APP_WAIT_MS / 1000} s`,
        details: [
          ...fromServer,
          'Try it with curl: if it hangs too, look for a sleep, a loop that never ends, or a read of wsgi.input without a size.',
        ],
      }),
    };
  }
  if (outcome.kind === 'short') {
    const { declared, received, status } = outcome;
    const wire =
      declared !== undefined
        ? `status ${status}, Content-Length ${declared}, then the connection closed after ${received} bytes`
        : `status ${status}, then the connection closed after ${received} bytes of the body`;
    // With a Content-Length, a short body is most often a wrong length. Without one the server was
    // framing the body itself (chunked) and stopped: the app failed while the body was being sent,
    // after the status and headers had gone (Gunicorn does this for a body item that is not bytes).
    return {
      ok: false,
      problem: fail({
        message: `GET ${path} started a response that never finished.`,
        saw: said ?? wire,
        expected:
          declared !== undefined
            ? 'a complete response: a Content-Length equal to the number of bytes in the body'
            : 'a complete response: a body iterable that yields only bytes, to its end',
        details: [
          ...(said ? [`On the wire: ${wire}.`] : []),
          declared !== undefined
            ? 'Compute the length from the encoded body: body = ....encode("utf-8"); ("Content-Length", str(len(body))), or leave Content-Length out and let the server frame the body.'
            : 'The status and headers had gone out when your app failed on the body: a str instead of bytes (return [body.encode("utf-8")]), or an exception while iterating it. The traceback is in the lab log.',
        ],
      }),
    };
  }
  return {
    ok: false,
    problem: fail({
      message: `GET ${path} got no response at all: the connection closed (curl says "Empty reply from server").`,
      saw: said ?? outcome.message,
      expected: 'a status line and headers from the server',
      details: [
        ...fromServer,
        'Look at the lab log for the traceback, and run the curl command of this step to see it happen.',
      ],
    }),
  };
}

type Outcome =
  | { kind: 'ok'; response: Fetched }
  | { kind: 'timeout' }
  | { kind: 'short'; status: number; declared?: number; received: number }
  | { kind: 'nothing'; message: string };

function exchange(url: string, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const timedOut = () => signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
    const req = request(url, { signal, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
      });
      res.on('end', () => {
        const headers = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
          headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve({
          kind: 'ok',
          response: { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') },
        });
      });
      res.on('error', () => {}); // reported by 'close' below
      res.on('close', () => {
        if (res.complete) return;
        if (timedOut()) return resolve({ kind: 'timeout' });
        const length = res.headers['content-length'];
        resolve({
          kind: 'short',
          status: res.statusCode ?? 0,
          received,
          ...(length !== undefined ? { declared: Number(length) } : {}),
        });
      });
    });
    req.on('error', (error) => resolve(timedOut() ? { kind: 'timeout' } : { kind: 'nothing', message: error.message }));
    req.end();
  });
}

/** The first line of the server's `error` for the last request to path since the app was last
 * reloaded, among the events the check was given (the learner's own requests in this step). */
function serverSaid(ctx: WsgiContext, path: string): string | undefined {
  const reloaded = ctx.eventsOf('wsgi', 'reload').at(-1)?.seq ?? 0;
  const bare = path.split('?')[0];
  const last = ctx
    .requests('wsgi')
    .filter((r) => r.seq > reloaded && (r.target ?? '').split('?')[0] === bare)
    .at(-1);
  return last?.error?.split('\n')[0];
}
