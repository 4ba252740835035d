// Lesson 7: ASGI. The lab is an asyncio ASGI server in standard-library Python
// (src/servers/python/asgi_server.py) serving the learner's <workspace>/asgi/app.py. Probe checks
// read what the server reported (request start and end times, the scope it built, body events,
// WebSocket sessions, event-loop stalls); edit checks call the learner's app over HTTP and
// WebSocket and say what came back.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asgiEvents } from '../../src/servers/python/asgi-events.js';
import { fail, pass, sawRequests } from '../../src/engine/check-helpers.js';
import {
  type CheckContext,
  type CheckResult,
  defineLesson,
  type LabEvent,
  type RequestEvent,
  type SolveContext,
} from '../../src/engine/types.js';
import type { AsgiEvent } from '../../src/servers/python/asgi-events.js';
import { blockingCheck, countdownCheck, upperCheck } from './edit-checks.js';

type AsgiRequest = RequestEvent & Extract<AsgiEvent, { event: 'request' }>;
type WsSession = LabEvent & Extract<AsgiEvent, { event: 'websocket' }>;

const TEN_SLEEPS = "for i in $(seq 10); do curl -s -o /dev/null -w '%{time_total}s\\n' {{asgi.url}}/sleep & done; wait";
export const FIVE_REPORTS =
  "for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}s\\n' {{asgi.url}}/report & done; wait";

async function writeApp(ctx: SolveContext, name: string): Promise<void> {
  const source = await readFile(new URL(`./solutions/${name}`, import.meta.url), 'utf8');
  await writeFile(join(ctx.workspace, 'app.py'), source);
}

/** The ASGI server's request events whose path (without the query) is `path`. */
export function asgiRequests(ctx: CheckContext, path?: string): AsgiRequest[] {
  const all = ctx.requests('asgi') as AsgiRequest[];
  return path === undefined ? all : all.filter((r) => r.target.split('?')[0] === path);
}

function sessions(ctx: CheckContext, path: string): WsSession[] {
  return ctx.events.filter(
    (e): e is WsSession => e.server === 'asgi' && e.event === 'websocket' && (e as WsSession).path === path,
  );
}

function header(request: AsgiRequest, name: string): string | undefined {
  return request.responseHeaders?.find(([key]) => key.toLowerCase() === name)?.[1];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export default defineLesson({
  id: 'asgi',
  title: 'ASGI: async Python, long-lived connections',
  summary: 'async app(scope, receive, send) on one event loop: concurrency, a blocking bug, SSE, WebSockets, lifespan.',
  layer: 'gateway',
  requires: ['python3', 'curl'],
  servers: [
    {
      name: 'asgi',
      role: 'ASGI server (asyncio, one event loop)',
      events: asgiEvents,
      program: { python: '@servers/python/asgi_server.py', args: ['--app', 'app:app'] },
      port: 8700,
    },
  ],
  steps: [
    { id: 'successor', kind: 'read', title: 'After WSGI: a call that can wait', text: 'steps/successor.md' },
    {
      id: 'scope',
      kind: 'answer',
      title: 'Read the scope',
      text: 'steps/scope.md',
      commands: ['curl -s {{asgi.url}}/scope'],
      hints: [
        'scope["client"] is a pair: the client\'s address and its port. The port is the second item.',
        'Each curl run gets a new port from the operating system, so answer with the one you just saw.',
      ],
      check: async (ctx) => {
        const seen = asgiRequests(ctx, '/scope').filter((r) => r.status === 200 && r.scope);
        if (seen.length === 0) {
          return fail({
            message: 'The ASGI server has not answered GET /scope in this step yet.',
            saw: sawRequests(asgiRequests(ctx)),
            expected: `curl -s ${ctx.url('asgi')}/scope`,
          });
        }
        const ports = seen.map((r) => Number(r.scope?.client?.[1]));
        // The last number: "48940", "127.0.0.1:48940" and '["127.0.0.1", 48940]' all name the port.
        const given = Number((ctx.answer ?? '').match(/\d+/g)?.at(-1));
        if (!ports.includes(given)) {
          const serverPort = ctx.port('asgi');
          return fail({
            message:
              given === serverPort
                ? `${given} is the server's own port, in scope['server']: where curl connected to, not from.`
                : "That is not a port the server saw in scope['client'].",
            saw: ctx.answer || 'no answer',
            expected: 'the second item of "client" in the JSON of a /scope answer (a new one for each curl run)',
          });
        }
        const last = seen.at(-1)!.scope!;
        return pass(
          `Yes: your curl connected from 127.0.0.1:${given}. The same scope said path ${JSON.stringify(last.path)}, ` +
            `query_string b${JSON.stringify(last.queryString)} (bytes) and ${seen.at(-1)!.headers.length} headers as (bytes, bytes) pairs.`,
        );
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run('curl -s {{asgi.url}}/scope');
        return String((JSON.parse(stdout) as { client: [string, number] }).client[1]);
      },
    },
    {
      id: 'ten-sleeps',
      kind: 'probe',
      title: 'Ten sleeps at once',
      text: 'steps/ten-sleeps.md',
      commands: [TEN_SLEEPS],
      hints: ['The & sends each curl to the background, so all ten start at once; wait waits for them all.'],
      timeoutMs: 8000,
      check: async (ctx) => {
        const sleeps = asgiRequests(ctx, '/sleep').filter((r) => r.status === 200);
        if (sleeps.length < 10) {
          return fail({
            message: `The server has answered ${sleeps.length} /sleep request${sleeps.length === 1 ? '' : 's'} in this step.`,
            saw: sawRequests(asgiRequests(ctx)),
            expected: 'ten /sleep requests sent together (the command above)',
          });
        }
        const batch = sleeps.slice(-10);
        const span = Math.max(...batch.map((r) => r.end)) - Math.min(...batch.map((r) => r.start));
        if (span > 2500) {
          return fail({
            message: `The last ten /sleep requests took ${seconds(span)} from the first start to the last end.`,
            saw: `${seconds(span)} in all`,
            expected: 'about 1 s: send them at the same time (note the & in the command)',
          });
        }
        return pass(
          `Ten requests, each awaiting asyncio.sleep(1), took ${seconds(span)} in all, not 10 s: while one awaited, ` +
            'the event loop ran the others, all in its one thread.',
        );
      },
    },
    {
      id: 'blocking',
      kind: 'edit',
      title: 'One blocking call stops everyone',
      text: 'steps/blocking.md',
      watch: 'app.py',
      commands: [FIVE_REPORTS],
      hints: [
        'time.sleep() inside build_report() does not await: the whole loop stops until it returns.',
        'Run the blocking function in a worker thread and await the result: body = await asyncio.to_thread(build_report).',
      ],
      timeoutMs: 10000,
      check: blockingCheck,
      solve: async (ctx) => {
        await writeApp(ctx, 'app_report.py');
        await ctx.run(FIVE_REPORTS);
      },
    },
    {
      id: 'sse',
      kind: 'probe',
      title: 'Server-sent events',
      text: 'steps/sse.md',
      commands: ['curl -N {{asgi.url}}/events'],
      hints: ['-N (--no-buffer) makes curl print each piece as it arrives instead of at the end.'],
      timeoutMs: 8000,
      check: async (ctx) => {
        const streams = asgiRequests(ctx, '/events').filter((r) => r.status === 200);
        const last = streams.at(-1);
        if (!last) {
          return fail({
            message: 'The server has not answered GET /events in this step yet.',
            saw: sawRequests(asgiRequests(ctx)),
            expected: `curl -N ${ctx.url('asgi')}/events`,
          });
        }
        if ((last.bodyEvents ?? 0) < 3 || !header(last, 'content-type')?.startsWith('text/event-stream')) {
          return fail({
            message: 'That /events response was not a stream of events.',
            saw: `${last.bodyEvents ?? 0} body events, Content-Type ${header(last, 'content-type') ?? 'none'}`,
            expected: 'several http.response.body events, text/event-stream',
          });
        }
        return pass(
          `One response, ${last.bodyEvents} http.response.body events over ${seconds(last.durationMs ?? 0)}: the first left ` +
            `${Math.round(last.firstBodyMs ?? 0)} ms after the request came in, and Transfer-Encoding: chunked carried each as it was sent.`,
        );
      },
    },
    {
      id: 'countdown',
      kind: 'edit',
      title: 'Write an SSE endpoint',
      text: 'steps/countdown.md',
      watch: 'app.py',
      commands: ['curl -N "{{asgi.url}}/countdown?from=3"'],
      hints: [
        'Start with http.response.start and Content-Type text/event-stream; then one body event per event, with "more_body": True.',
        'urllib.parse.parse_qs(scope["query_string"].decode()) gives {"from": ["3"]}.',
        'Await asyncio.sleep(0.2) between events, and end with a body event without more_body.',
      ],
      timeoutMs: 9000,
      check: countdownCheck,
      solve: async (ctx) => {
        await writeApp(ctx, 'app_countdown.py');
        await ctx.run('curl -N "{{asgi.url}}/countdown?from=3"');
      },
    },
    {
      id: 'ws-echo',
      kind: 'probe',
      title: 'A WebSocket conversation',
      text: 'steps/ws-echo.md',
      commands: ['echo hello | {{tutor}} ws ws://{{asgi.host}}/echo'],
      hints: ['Run it without "echo hello |" to type messages yourself; /ping sends a ping, Ctrl-D closes.'],
      timeoutMs: 8000,
      check: async (ctx) => {
        const done = sessions(ctx, '/echo');
        const talked = done.filter((s) => s.accepted && s.messagesIn > 0 && s.messagesOut > 0);
        const last = talked.at(-1);
        if (!last) {
          // A WebSocket to another path (a typo: /ech) is refused by the starter app before accept: 403.
          const elsewhere = ctx.events
            .filter((e): e is WsSession => e.server === 'asgi' && e.event === 'websocket')
            .filter((s) => s.path !== '/echo')
            .at(-1);
          return fail({
            message: done.length
              ? 'A WebSocket to /echo opened and closed, but no message went both ways.'
              : elsewhere
                ? `Your WebSocket went to ${elsewhere.path}${elsewhere.accepted ? '' : ', where the app closed it before accepting (the server answered 403)'}; the echo is at /echo.`
                : 'The server has not seen a finished WebSocket conversation on /echo in this step.',
            saw: done.length
              ? `${done.at(-1)!.messagesIn} in, ${done.at(-1)!.messagesOut} out`
              : elsewhere
                ? `a WebSocket to ${elsewhere.path}`
                : 'no WebSocket yet',
            expected: 'a message sent and one received (echo hello | … ws …)',
          });
        }
        return pass(
          `The server answered the upgrade with 101, then ${last.messagesIn} message${last.messagesIn === 1 ? '' : 's'} in, ` +
            `${last.messagesOut} out, on one connection; closed by the ${last.closedBy ?? 'client'} with code ${last.closeCode}.`,
        );
      },
    },
    {
      id: 'ws-upper',
      kind: 'edit',
      title: 'Answer in upper case',
      text: 'steps/ws-upper.md',
      watch: 'app.py',
      commands: ['echo "make me loud" | {{tutor}} ws ws://{{asgi.host}}/echo'],
      hints: ['In websocket(), send text.upper() instead of text.'],
      timeoutMs: 8000,
      check: upperCheck,
      solve: async (ctx) => {
        await writeApp(ctx, 'app_upper.py');
        await ctx.run('echo "make me loud" | {{tutor}} ws ws://{{asgi.host}}/echo');
      },
    },
    {
      id: 'lifespan',
      kind: 'probe',
      title: 'Start-up state',
      text: 'steps/lifespan.md',
      commands: ['curl -s {{asgi.url}}/state'],
      hints: ['The lab log shows "lifespan startup complete (state: …)" each time app.py is loaded.'],
      check: async (ctx): Promise<CheckResult> => {
        const seen = asgiRequests(ctx, '/state').filter((r) => r.status === 200);
        const last = seen.at(-1);
        if (!last) {
          return fail({
            message: 'The server has not answered GET /state in this step yet.',
            saw: sawRequests(asgiRequests(ctx)),
            expected: `curl -s ${ctx.url('asgi')}/state`,
          });
        }
        const keys = last.scope?.stateKeys ?? [];
        if (!keys.includes('boot_id')) {
          return fail({
            message: "That request's scope['state'] held no boot_id: the lifespan start-up did not store it.",
            saw: keys.length ? `state keys: ${keys.join(', ')}` : 'an empty state',
            expected: 'boot_id and started_at, stored by lifespan() on lifespan.startup',
          });
        }
        return pass(
          `scope['state'] held ${keys.join(' and ')}: stored once by the lifespan start-up, before the first request, ` +
            'and copied into the scope of every request since.',
        );
      },
    },
    { id: 'under-uvicorn', kind: 'read', title: 'The same app under Uvicorn', text: 'steps/under-uvicorn.md' },
  ],
});
