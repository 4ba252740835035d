// Lesson 9: the whole journey of a request. The lab is the reverse proxy in front of a gateway
// server: the ASGI lab server running the notes app in <workspace>/lifecycle/ (app.py,
// middleware.py, tracing.py), or with GATEWAY_TUTOR_LIFECYCLE_GATEWAY=wsgi the WSGI lab server
// running the same app as WSGI (wsgi_app.py, wsgi_middleware.py, wsgi_tracing.py); see
// gateways.ts. Every hop writes `trace` events under the proxy's X-Request-Id, and each check reads
// the journey of the requests of its step: which hops a request reached, who answered, why, and how
// long each hop took. The checks hold for either gateway; only the WebSocket step differs.
import { fail, header, pass } from '../../src/engine/check-helpers.js';
import { defineLesson, labServers } from '../../src/engine/types.js';
import { reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import { gatewayKind, gatewaySpec } from './gateways.js';
import { answeredByHandler, earlyAt, gatewayHop, settledJourneys, reached, routes } from './journey-checks.js';
import { websocketCheck } from './websocket-check.js';

const GATEWAY = gatewayKind();

const NOTES = "curl -s -H 'Authorization: Bearer reader' {{proxy.url}}/api/notes";
const TRACE = '{{tutor}} trace lifecycle';
const NO_TOKEN = 'curl -si {{proxy.url}}/api/notes';
const WRONG_SCOPE =
  "curl -si -H 'Authorization: Bearer reader' -H 'Content-Type: application/json' -d '{\"text\":\"mine\"}' {{proxy.url}}/api/notes";
const PREFLIGHT =
  "curl -si -X OPTIONS -H 'Origin: https://notes.example' -H 'Access-Control-Request-Method: POST' {{proxy.url}}/api/notes";
const STATIC = 'curl -si {{proxy.url}}/static/index.html';
const SLOW = "curl -si -H 'Authorization: Bearer reader' {{proxy.url}}/api/slow";
const STOP = '{{tutor}} ctl lifecycle stop app';
const START = '{{tutor}} ctl lifecycle start app';
const WS = 'echo hello | {{tutor}} ws ws://{{proxy.host}}/ws';

const servers = labServers([
  {
    name: 'proxy',
    role: 'reverse proxy',
    events: reverseProxyEvents,
    program: { node: '@servers/reverse-proxy/proxy.mjs' },
    port: 8900,
    env: { RP_BACKENDS: 'app', RP_TIMEOUT_MS: '2000', RP_HEALTH_CHECKS: 'off', RP_RATE_CAPACITY: '30' },
  },
  gatewaySpec(GATEWAY),
]);

export default defineLesson({
  id: 'lifecycle',
  title: 'The whole journey of a request',
  summary: 'Proxy → ASGI or WSGI server → middleware → handler and back: who answers, when, and how fast.',
  layer: 'journey',
  requires: ['python3', 'curl'],
  servers,
  steps: [
    { id: 'layers', kind: 'read', title: 'Layers, in and out', text: 'steps/layers.md' },
    {
      id: 'follow',
      kind: 'probe',
      title: 'Follow one request',
      text: 'steps/follow.md',
      commands: [NOTES, TRACE],
      check: async (ctx) => {
        const all = await settledJourneys(ctx);
        // The notes themselves: a mistyped path also crosses every hop, but comes back 404.
        const done = answeredByHandler(all, 'GET', '/api/notes', 200).filter((j) => gatewayHop(j) !== undefined);
        if (done.length === 0) {
          return fail({
            message: all.some((j) => reached(j, 'handler'))
              ? 'A request reached the handler, but it was not GET /api/notes answered 200: check the path.'
              : 'No request has gone all the way to the handler and back in this step yet.',
            saw: routes(all),
            expected: 'GET /api/notes with the reader token, through the proxy, answered 200 by the handler',
          });
        }
        const journey = done.at(-1)!;
        return pass(
          `Request ${journey.requestId} crossed ${journey.hops.length} hops: ${journey.hops.map((h) => h.hop).join(' → ')}, ` +
            `and came back out the same way with ${journey.hops[0]!.status}.`,
        );
      },
    },
    {
      id: 'slowest',
      kind: 'answer',
      title: 'The slowest layer',
      text: 'steps/slowest.md',
      commands: [NOTES, TRACE],
      hints: [
        'The trace gives each hop two times: its own, and in all (its own plus every hop within it).',
        'Compare the times "here", not "in all": the outer hops include the inner ones.',
      ],
      check: async (ctx) => {
        // Only GET /api/notes is slowed where the step says; another path would judge another journey.
        const all = await settledJourneys(ctx);
        const journey = answeredByHandler(all, 'GET', '/api/notes', 200).at(-1);
        if (!journey?.slowest) {
          return fail({
            message:
              'No whole journey of GET /api/notes to judge in this step yet: send the request again, then trace it.',
            saw: routes(all),
            expected: 'GET /api/notes with the reader token, through the proxy, answered 200 by the handler',
          });
        }
        const given = (ctx.answer ?? '').trim().toLowerCase();
        const slowest = journey.slowest;
        const named = journey.hops.filter((h) => given.split(/[^a-z0-9-]+/).includes(h.hop));
        if (named.length !== 1 || named[0] !== slowest) {
          return fail({
            message:
              named.length === 1
                ? `${named[0]!.hop} was not the slowest hop of request ${journey.requestId} (the newest GET /api/notes).`
                : 'Name one hop, as the trace calls it.',
            saw: ctx.answer || 'no answer',
            expected: `one of ${journey.hops.map((h) => h.hop).join(', ')}: the one with the most time of its own`,
          });
        }
        return pass(
          `Yes: ${slowest.hop} spent ${slowest.ownMs} ms of its own on request ${journey.requestId}, ` +
            `out of ${journey.hops[0]!.totalMs} ms at the proxy.`,
        );
      },
      solve: async (ctx) => {
        await ctx.run(NOTES);
        const { stdout } = await ctx.run(TRACE);
        return /slowest hop: (\S+)/.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'refused',
      kind: 'probe',
      title: '401, 403, and a handler never reached',
      text: 'steps/refused.md',
      commands: [NO_TOKEN, WRONG_SCOPE, TRACE],
      hints: [
        'The first command sends no Authorization header at all; the second sends the reader token, which may only read.',
        'Each response carries its X-Request-Id: add that id to the trace command ({{tutor}} trace lifecycle REQUEST-ID) to see that request.',
      ],
      check: async (ctx) => {
        const all = await settledJourneys(ctx);
        const unauthorized = earlyAt(all, 'auth', 401).filter((j) => !reached(j, 'handler'));
        const forbidden = earlyAt(all, 'authz', 403).filter((j) => !reached(j, 'handler'));
        if (unauthorized.length === 0 || forbidden.length === 0) {
          return fail({
            message:
              unauthorized.length === 0
                ? 'No request was turned away by authentication (401) in this step yet.'
                : 'No request was turned away by authorization (403) in this step yet.',
            saw: routes(all),
            expected: 'one request without a token (401), one with the reader token that tries to write (403)',
          });
        }
        const answer = ctx.requests('proxy').find((r) => r.requestId === unauthorized.at(-1)!.requestId);
        const challenge = header(answer?.responseHeaders, 'www-authenticate');
        return pass(
          `auth answered 401${challenge ? ` with WWW-Authenticate: ${challenge}` : ''}, and authz answered 403: ` +
            'neither request reached the handler.',
        );
      },
    },
    {
      id: 'preflight',
      kind: 'probe',
      title: 'A CORS preflight',
      text: 'steps/preflight.md',
      commands: [PREFLIGHT],
      hints: ['A preflight is OPTIONS with both Origin and Access-Control-Request-Method.'],
      check: async (ctx) => {
        const all = await settledJourneys(ctx);
        const answered = earlyAt(all, 'cors', 204);
        // CORS answers every preflight with 204; only one from an allowed Origin gets
        // Access-Control-Allow-Origin, and without it the browser refuses the real request.
        const allowOf = (id: string) =>
          header(ctx.requests('proxy').find((r) => r.requestId === id)?.responseHeaders, 'access-control-allow-origin');
        const preflights = answered.filter((j) => allowOf(j.requestId) !== undefined);
        if (preflights.length === 0) {
          const origin = answered.length
            ? header(ctx.requests('proxy').find((r) => r.requestId === answered.at(-1)!.requestId)?.headers, 'origin')
            : undefined;
          return fail({
            message: answered.length
              ? `CORS answered the preflight from Origin ${origin ?? '(none)'} with 204 but no Access-Control-Allow-Origin: that origin is not allowed, so a browser would refuse the request.`
              : 'No preflight was answered by the CORS middleware in this step yet.',
            saw: routes(all),
            expected: 'OPTIONS /api/notes with Origin: https://notes.example and Access-Control-Request-Method',
          });
        }
        const journey = preflights.at(-1)!;
        return pass(
          `The CORS middleware answered 204 at hop ${journey.answeredBy!.depth}, with Access-Control-Allow-Origin: ${allowOf(journey.requestId)}; ` +
            `${reached(journey, 'auth') ? 'authentication saw it' : 'authentication and the handler never saw it'}.`,
        );
      },
    },
    {
      id: 'static',
      kind: 'probe',
      title: 'A file that never reaches Python',
      text: 'steps/static.md',
      commands: [STATIC],
      check: async (ctx) => {
        const all = await settledJourneys(ctx);
        const files = all.filter((j) => j.answeredBy?.hop === 'proxy' && j.answeredBy.why?.startsWith('static'));
        const served = files.filter((j) => j.hops.length === 1 && j.answeredBy?.status === 200);
        if (served.length === 0) {
          return fail({
            message: 'The proxy has not served a static file in this step yet.',
            saw: routes(all),
            expected: 'GET /static/index.html through the proxy, answered 200',
          });
        }
        const gateway = ctx.requests('app').filter((r) => r.target.startsWith('/static/'));
        return pass(
          `The proxy answered ${served.length === 1 ? 'it' : 'them'} from its own folder: the ${GATEWAY.toUpperCase()} server saw ` +
            `${gateway.length === 0 ? 'no request for /static/' : `${gateway.length} request(s) for /static/ (not through the proxy)`}.`,
        );
      },
    },
    {
      id: 'timeouts',
      kind: 'drill',
      title: '504 and 502',
      text: 'steps/timeouts.md',
      commands: [SLOW, STOP, NOTES, START],
      hints: [
        '/api/slow takes 5 s and the proxy waits 2 s: the first command ends with 504 after about 2 s.',
        'Stop the app with the ctl command (or its number in the lab panel), ask again, then start it.',
      ],
      timeoutMs: 15000,
      check: async (ctx) => {
        const all = await settledJourneys(ctx);
        const slow = earlyAt(all, 'proxy', 504);
        const down = earlyAt(all, 'proxy', 502);
        if (slow.length === 0 || down.length === 0) {
          return fail({
            message:
              slow.length === 0
                ? 'The proxy has not given up on a slow app (504) in this step yet.'
                : 'The proxy has not found the app gone (502) in this step yet.',
            saw: routes(all),
            expected: 'GET /api/slow (504), then with the app stopped GET /api/notes (502)',
          });
        }
        return pass(
          `504: the proxy passed the request on and stopped waiting after ${slow.at(-1)!.hops[0]!.totalMs} ms. ` +
            `502: it could not reach the app at all (${down.at(-1)!.hops[0]!.why}).`,
        );
      },
    },
    {
      id: 'websocket',
      kind: 'probe',
      title: 'A WebSocket through the proxy',
      // One text for both gateways (`show` in another terminal may not know which one runs);
      // the check judges what this lab's gateway did.
      text: 'steps/websocket.md',
      commands: [WS],
      check: websocketCheck(GATEWAY),
    },
  ],
});
