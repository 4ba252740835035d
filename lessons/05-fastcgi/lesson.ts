// Lesson 5: FastCGI. The lab is a web server that speaks FastCGI (src/servers/fastcgi/front.mjs)
// in front of a pool of resident Python processes running the learner's handler
// (src/servers/python/fcgi_app.py). The front reports every record of every request (the wire
// view), the app reports the requests it ran and the processes it replaced; each check reads
// those reports.
import { fail, pass, sawRequests } from '../../src/engine/check-helpers.js';
import { defineLesson, type CheckContext, type RequestEvent } from '../../src/engine/types.js';
import {
  type FastcgiAppEvent,
  type FastcgiFrontEvent,
  fastcgiAppEvents,
  fastcgiFrontEvents,
  type WireRecord,
} from '../../src/servers/fastcgi/events.js';
import { cgiEvents } from '../../src/servers/cgi/events.js';
import { checkLatency, latencyCommands, solveLatency } from './latency-check.js';

type FrontRequest = RequestEvent & Extract<FastcgiFrontEvent, { event: 'request' }>;
type AppRequest = RequestEvent & Extract<FastcgiAppEvent, { event: 'request' }>;

const KILL_COMMAND = "kill $(curl -s -o /dev/null -w '%header{x-app-pid}' {{fastcgi.url}}/)";

/** How long after an app process dies the manager's report of it may come, at most, on a busy
 * machine: a request answered earlier than this before the report came before the death. */
const REPORT_LAG_MS = 1500;

function frontRequests(ctx: CheckContext): FrontRequest[] {
  return ctx.requests('fastcgi') as FrontRequest[];
}

function stdinRecords(request: FrontRequest): WireRecord[] {
  return (request.records ?? []).filter((r) => r.dir === 'out' && r.type === 'STDIN');
}

/** "BEGIN_REQUEST, PARAMS ×2, STDIN, STDOUT ×2, END_REQUEST": a request's records in short. */
export function recordSummary(records: WireRecord[]): string {
  const parts: [string, number][] = [];
  for (const record of records) {
    const last = parts.at(-1);
    if (last && last[0] === record.type) last[1]++;
    else parts.push([record.type, 1]);
  }
  return parts.map(([type, count]) => (count > 1 ? `${type} ×${count}` : type)).join(', ');
}

export default defineLesson({
  id: 'fastcgi',
  title: 'FastCGI: resident processes behind a binary protocol',
  summary: 'Records, request ids and keep-alive between a web server and a pool of app processes that stay.',
  layer: 'gateway',
  requires: ['python3', 'curl'],
  servers: [
    {
      name: 'fastcgi',
      role: 'web server speaking FastCGI',
      events: fastcgiFrontEvents,
      program: { node: '@servers/fastcgi/front.mjs', args: ['--app', 'app'] },
      port: 8500,
    },
    {
      name: 'cgi',
      role: 'CGI server, for comparison (a process per request)',
      events: cgiEvents,
      program: { node: '@servers/cgi/cgi-server.mjs' },
      port: 8510,
    },
    {
      name: 'app',
      role: 'FastCGI app (a pool of 2 Python processes)',
      events: fastcgiAppEvents,
      program: { python: '@servers/python/fcgi_app.py', args: ['--workers', '2'] },
      port: 9000,
      scheme: 'fcgi',
    },
  ],
  steps: [
    {
      id: 'records',
      kind: 'read',
      title: 'A program that stays, and a protocol of records',
      text: 'steps/records.md',
    },
    {
      id: 'same-pid',
      kind: 'probe',
      title: 'The same process, request after request',
      text: 'steps/same-pid.md',
      commands: ['curl -s {{fastcgi.url}}/ {{fastcgi.url}}/ {{fastcgi.url}}/'],
      hints: ['One curl with three URLs sends three requests, one after the other, on one connection.'],
      check: async (ctx) => {
        const answered = frontRequests(ctx).filter((r) => r.status === 200 && typeof r.pid === 'number');
        const byPid = new Map<number, number>();
        for (const r of answered) byPid.set(r.pid!, (byPid.get(r.pid!) ?? 0) + 1);
        const [pid, count] = [...byPid].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
        if (count < 2) {
          return fail({
            message:
              answered.length === 0
                ? 'The front has not passed a request to the app in this step yet.'
                : 'No app process has answered two requests in this step yet.',
            saw: sawRequests(frontRequests(ctx)),
            expected: 'two or more requests answered by the same app process',
          });
        }
        return pass(
          `Process ${pid} answered ${count} requests: it did not exit after the first. A CGI server would have started ${count} processes.`,
        );
      },
    },
    {
      id: 'wire-view',
      kind: 'answer',
      title: 'One request, as records',
      text: 'steps/wire-view.md',
      commands: ['curl -s "{{fastcgi.url}}/?name=wire"', 'curl -s {{fastcgi.url}}/_records'],
      hints: [
        'The page lists the last few requests, newest last; each heading line names its request id.',
        'Every record of one request carries the same id, in bytes 2 and 3 of its header.',
      ],
      check: async (ctx) => {
        const requests = frontRequests(ctx).filter((r) => typeof r.requestId === 'number');
        if (requests.length === 0) {
          return fail({
            message: 'The front has not passed a request to the app in this step yet.',
            saw: sawRequests(frontRequests(ctx)),
            expected: `a request such as curl -s "${ctx.url('fastcgi')}/?name=wire"`,
          });
        }
        // Any number typed may be the id ('7 records, id 940'); exactly one of them must be one.
        const numbers = new Set((ctx.answer ?? '').match(/\d+/g)?.map(Number) ?? []);
        const matches = requests.filter((r) => numbers.has(r.requestId as number));
        const ids = new Set(matches.map((r) => r.requestId));
        const match = ids.size === 1 ? matches.at(-1) : undefined;
        const given = match?.requestId;
        if (!match) {
          return fail({
            message:
              ids.size > 1
                ? 'Give one request id: your answer names the ids of several requests.'
                : 'That is not the request id of a request you made in this step.',
            saw: ctx.answer ? ctx.answer : 'no answer',
            expected: `one of the ids the front gave this step's requests (${requests.length} so far); read it in the wire view`,
          });
        }
        const records = match.records ?? [];
        return pass(
          `Yes: ${match.method} ${match.target} travelled as request ${given}, in ${records.length} records: ${recordSummary(records)}.`,
        );
      },
      solve: async (ctx) => {
        await ctx.run('curl -s "{{fastcgi.url}}/?name=wire"');
        const { stdout } = await ctx.run('curl -s {{fastcgi.url}}/_records');
        const headings = stdout.split('\n').filter((line) => line.startsWith('GET /?name=wire'));
        return /request id (\d+)/.exec(headings.at(-1) ?? '')?.[1] ?? '';
      },
    },
    {
      id: 'post-stdin',
      kind: 'probe',
      title: 'The body travels as STDIN records',
      text: 'steps/post-stdin.md',
      commands: [
        "curl -s -d 'name=Ada&lesson=fastcgi' {{fastcgi.url}}/echo",
        "head -c 100000 /dev/zero | tr '\\0' x | curl -s --data-binary @- {{fastcgi.url}}/echo | head -c 60; echo",
      ],
      hints: ['curl -d sends a POST with the data as its body.'],
      check: async (ctx) => {
        const posts = frontRequests(ctx).filter((r) => stdinRecords(r).some((s) => s.contentLength > 0));
        const post = posts.at(-1);
        if (!post) {
          return fail({
            message: 'The front has not passed a request with a body in this step yet.',
            saw: sawRequests(frontRequests(ctx)),
            expected: 'a POST with a body, as the command sends',
          });
        }
        const stdin = stdinRecords(post);
        const sizes = stdin.map((s) => s.contentLength);
        const total = sizes.reduce((a, b) => a + b, 0);
        const full = sizes.filter((n) => n > 0);
        return pass(
          `${post.method} ${post.target}: ${total} bytes of body went as ${full.length} STDIN record(s) ` +
            `(${full.join(' + ')} bytes), then an empty STDIN record: the end of the stream.`,
        );
      },
    },
    {
      id: 'kill-worker',
      kind: 'drill',
      title: 'Kill an app process; the pool replaces it',
      text: 'steps/kill-worker.md',
      commands: [KILL_COMMAND, 'curl -s {{fastcgi.url}}/'],
      hints: [
        "curl's -w '%header{x-app-pid}' prints one response header: the pid of the process that answered.",
        'The manager replaces a dead worker within a moment; ask again and see the new pid.',
      ],
      check: async (ctx) => {
        const deaths = ctx.eventsOf('app', 'worker').filter((e) => e.state === 'exited');
        const death = deaths.at(-1);
        if (!death) {
          return fail({
            message: 'No app process has died in this step yet.',
            saw: `${frontRequests(ctx).length} request(s) through the front, every app process still alive`,
            expected: 'an app process killed (kill PID)',
          });
        }
        // A request after the death. The request that found the pid was answered by the victim, and
        // the next one may be reported before the manager reports the death: after the victim's last
        // answer, then. A victim that answered nothing in this step (its pid found with ps): after
        // the death's report, as a request answered earlier by the other worker proves nothing.
        // Either way, a request answered well before the death was reported (more than the
        // manager can take to notice: REPORT_LAG_MS) came before the kill: with two workers,
        // "curl, curl, kill the first" leaves the second's earlier answer after the victim's.
        const byVictim = frontRequests(ctx).filter((r) => r.pid === death.pid);
        const since = byVictim.at(-1)?.seq ?? death.seq;
        const after = frontRequests(ctx).filter(
          (r) => r.seq > since && r.status === 200 && r.pid !== death.pid && r.time >= death.time - REPORT_LAG_MS,
        );
        if (after.length === 0) {
          return fail({
            message: `Process ${death.pid} died (${death.how ?? 'exited'}) and the manager started ${death.replacement ?? 'a new one'}; now make a request.`,
            saw: sawRequests(frontRequests(ctx)),
            expected: 'a request answered 200 after the process died',
          });
        }
        return pass(
          `Process ${death.pid} was ${death.how ?? 'gone'}; the manager started ${death.replacement ?? 'a new one'} in its place, ` +
            `and process ${after.at(-1)!.pid ?? '?'} answered your next request. The pool heals itself; a client saw no error.`,
        );
      },
    },
    {
      id: 'cgi-vs-fastcgi',
      kind: 'answer',
      title: 'CGI against FastCGI, timed',
      text: 'steps/cgi-vs-fastcgi.md',
      commands: latencyCommands,
      hints: [
        'Each command prints the average time of its ten requests, as curl measured them.',
        'Subtract the second number from the first: what does a CGI request cost on top?',
      ],
      timeoutMs: 15000,
      check: checkLatency,
      solve: solveLatency,
    },
    {
      id: 'raw-request',
      kind: 'probe',
      title: 'Talk FastCGI yourself',
      text: 'steps/raw-request.md',
      commands: [
        '{{tutor}} fcgi 127.0.0.1:{{app.port}} "/?name=raw"',
        '{{tutor}} fcgi 127.0.0.1:{{app.port}} --get-values',
      ],
      hints: ["The address is the app's own port ({{app.port}}), not the web server's: you are the web server now."],
      check: async (ctx) => {
        const direct = (ctx.requests('app') as AppRequest[]).filter((r) => r.software.startsWith('gateway-tutor fcgi'));
        const last = direct.at(-1);
        if (!last) {
          return fail({
            message: "The app has not seen a request from the tutor's fcgi client in this step yet.",
            saw: `${ctx.requests('app').length} request(s) reached the app, all through the web server`,
            expected: `a request sent with the fcgi command to 127.0.0.1:${ctx.port('app')}`,
          });
        }
        return pass(
          `Process ${last.pid} answered ${last.method} ${last.target} (request id ${last.requestId}, ${last.params} params, ` +
            `${last.keepConn ? 'KEEP_CONN' : 'no KEEP_CONN, so it closed the connection after END_REQUEST'}), with no web server in between.`,
        );
      },
    },
    {
      id: 'cousins',
      kind: 'read',
      title: 'SCGI, and where WSGI fits',
      text: 'steps/cousins.md',
    },
  ],
});
