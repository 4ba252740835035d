// How lesson 4's edit check talks to the learner's script: over HTTP, through the lab's CGI
// server, as any client would. Whatever the script does wrong (no header, a hang, a crash) comes
// back as an HTTP answer from the server — 502, 504, 500 with the reason in the body — or, at
// worst, as no answer in time. None of that is the tutor's error: it becomes a failed check that
// quotes what happened, and is never thrown.
import { request } from 'node:http';
import { fail } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult } from '../../src/engine/types.js';

/** The lab's CGI server kills a script after this many seconds (its --timeout). */
export const SCRIPT_TIMEOUT_S = 5;
/** How long the check waits for one answer: a little longer than the server's own timeout, so a
 * hanging script comes back as the server's 504 with its explanation. */
const WAIT_MS = (SCRIPT_TIMEOUT_S + 1.5) * 1000;

/** A step timeout that fits `requests` calls, each allowed WAIT_MS. */
export function editTimeout(requests: number): number {
  return requests * WAIT_MS + 2000;
}

export interface Reply {
  status: number;
  reason: string;
  headers: Headers;
  body: string;
}

export type Exchange = { ok: true; reply: Reply } | { ok: false; problem: CheckResult };

export interface Ask {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

/** Send one request to the CGI server; never throws for anything the script did. */
export function ask(ctx: CheckContext, what: Ask): Promise<Exchange> {
  const line = `${what.method} ${what.path}`;
  return new Promise((resolve) => {
    const headers: Record<string, string> = { connection: 'close' };
    if (what.body !== undefined) {
      headers['content-type'] = what.contentType ?? 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(what.body));
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, WAIT_MS);
    const finish = (exchange: Exchange) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', stop);
      resolve(exchange);
    };
    const req = request(
      `${ctx.url('cgi')}${what.path}`,
      { method: what.method, headers, agent: false, signal: controller.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => {});
        res.on('close', () => {
          const replyHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            replyHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const reply = {
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: replyHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          };
          if (res.complete) return finish({ ok: true, reply });
          finish({
            ok: false,
            problem: fail({
              message: `${line}: the answer was cut off in the middle of the body.`,
              saw: `status ${reply.status}, then ${reply.body.length} bytes and a closed connection`,
              expected: 'a complete answer',
              details: [
                'The lab server cuts a body short when the script is killed (after its time limit) while writing it.',
              ],
            }),
          });
        });
      },
    );
    req.on('error', (error) =>
      finish({
        ok: false,
        problem: fail({
          message: `${line} got no answer from the lab's CGI server.`,
          saw: controller.signal.aborted ? `nothing within ${WAIT_MS / 1000} s` : error.message,
          expected: 'an HTTP answer',
          details: ['Is the lab running? Look at its log for the reason.'],
        }),
      }),
    );
    req.end(what.body);
  });
}

/** "201 Created, Content-Type text/plain, body "3 x tea\n"": how a check quotes an answer. */
export function quote(reply: Reply): string {
  const type = reply.headers.get('content-type');
  return `${reply.status} ${reply.reason}${type ? `, Content-Type ${type}` : ''}, body ${JSON.stringify(reply.body.slice(0, 160))}`;
}
