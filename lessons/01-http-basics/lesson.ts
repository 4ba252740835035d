// Lesson 1: HTTP with curl. The origin server reports every request it sees; each check below
// looks only at those reports, so a step passes because the lab saw the request, not because the
// learner said so.
import { describeRequest, fail, header, pass, sawRequests } from '../../src/engine/check-helpers.js';
import { defineLesson, type RequestEvent } from '../../src/engine/types.js';
import { originEvents } from '../../src/servers/http/events.js';

/** Headers curl sends by itself; anything else is one the learner added. */
const CURL_DEFAULTS = new Set([
  'host',
  'user-agent',
  'accept',
  'content-length',
  'content-type',
  'expect',
  'connection',
]);

function headerNames(request: RequestEvent): string {
  return request.headers.map(([name]) => name).join(', ') || 'none';
}

export default defineLesson({
  id: 'http-basics',
  title: 'HTTP with curl',
  summary: 'Request line, headers, body, status codes and keep-alive, seen from both ends.',
  layer: 'client',
  requires: ['curl'],
  secrets: ['token'],
  servers: [
    {
      name: 'origin',
      role: 'origin server',
      events: originEvents,
      program: { node: '@servers/http/origin.mjs' },
      port: 8100,
    },
  ],
  steps: [
    {
      id: 'anatomy',
      kind: 'read',
      title: 'What travels on the wire',
      text: 'steps/anatomy.md',
    },
    {
      id: 'verbose-get',
      kind: 'probe',
      title: 'A GET, seen with -v',
      text: 'steps/verbose-get.md',
      commands: ['curl -v {{origin.url}}/'],
      hints: [
        "Copy the command as shown: the port is this lab's real one.",
        'Lines starting with > are what curl sent; < is what came back; * is curl talking to you.',
      ],
      check: async (ctx) => {
        const gets = ctx.requests('origin').filter((r) => r.method === 'GET' && r.target === '/');
        if (gets.length > 0)
          return pass(`The origin saw your GET / from ${gets[0]!.remote} and answered ${gets[0]!.status}.`);
        return fail({
          message: 'The origin has not seen a GET for / yet.',
          saw: sawRequests(ctx.requests('origin')),
          expected: 'GET / (run the command shown)',
        });
      },
    },
    {
      id: 'own-header',
      kind: 'probe',
      title: 'Send a header of your own',
      text: 'steps/own-header.md',
      commands: ["curl -H 'X-Learner: hello' {{origin.url}}/headers"],
      hints: ['-H takes one header as "Name: value": here X-Learner, with any value you like.'],
      check: async (ctx) => {
        // The step asks for X-Learner. Any other extra header could have come from ~/.curlrc (curl
        // adds its headers to every request), so only the one the step names shows that -H worked.
        const requests = ctx.requests('origin').filter((r) => r.target.startsWith('/headers'));
        const asked = requests.find((r) => header(r.headers, 'x-learner') !== undefined);
        if (asked) {
          const [name, value] = asked.headers.find(([n]) => n.toLowerCase() === 'x-learner')!;
          return pass(`The origin received your header "${name}: ${value}", spelled exactly as you sent it.`);
        }
        const last = requests.at(-1);
        const extra = last?.headers.filter(([name]) => !CURL_DEFAULTS.has(name.toLowerCase())) ?? [];
        return fail({
          message: !last
            ? 'The origin has not seen a request for /headers yet.'
            : extra.length
              ? `Your request to /headers carried ${extra.map(([n]) => n).join(', ')}, but not X-Learner.`
              : 'Your request to /headers carried only the headers curl adds by itself. (curl drops an -H without a ":" and says nothing: write -H \'X-Learner: hello\'.)',
          saw: last ? `headers ${headerNames(last)}` : sawRequests(ctx.requests('origin')),
          expected: "a request to /headers with an X-Learner header: curl -H 'X-Learner: hello' …/headers",
        });
      },
    },
    {
      id: 'find-token',
      kind: 'answer',
      title: 'Find the token',
      text: 'steps/find-token.md',
      commands: ['curl -i {{origin.url}}/secret'],
      hints: [
        'The body says where the token is not.',
        '-i prints the response headers above the body. Look for a header with "Token" in its name.',
      ],
      check: async (ctx) => {
        const asked = ctx.requests('origin').some((r) => r.target.startsWith('/secret'));
        // Hex digits: "3FA9C07B" is the same token as "3fa9c07b". A learner who pastes the whole
        // header line ("X-Secret-Token: 3fa9c07b") has found it too.
        const given = (ctx.answer ?? '')
          .trim()
          .replace(/^x-secret-token\s*:\s*/i, '')
          .toLowerCase();
        if (given && given === ctx.secrets.token?.toLowerCase())
          return pass("That is this lab run's token: you read it from a response header.");
        if (!asked)
          return fail({
            message: 'That is not the token, and the origin has not seen a request for /secret yet.',
            saw: `answer "${ctx.answer}"`,
            expected: 'the X-Secret-Token value from GET /secret',
          });
        return fail({
          message: 'That is not the token this lab run made.',
          saw: `answer "${ctx.answer}"`,
          expected: 'the value of the X-Secret-Token response header (8 hex digits)',
        });
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run('curl -i {{origin.url}}/secret');
        return /^x-secret-token:\s*(\S+)/im.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'status-line',
      // A step that shows a command to run is a probe: the lab sees whether the learner ran it.
      kind: 'probe',
      title: 'Status codes',
      text: 'steps/status-line.md',
      commands: ['curl -i {{origin.url}}/status/418'],
      hints: ['Run the command: with -i, the status line is the first line curl prints.'],
      check: async (ctx) => {
        const asked = ctx.requests('origin').filter((r) => /^\/status\/\d+(?:\?|$)/.test(r.target));
        // Only a code the origin could really answer with shows a status line carrying it: 1xx are
        // not final answers and 600+ are no status codes, so those get the origin's 400 instead.
        const answered = asked.filter((r) => r.status === Number(/\d+/.exec(r.target)![0]));
        const last = answered.at(-1);
        if (last)
          return pass(
            `The origin answered ${last.target} with ${last.status}: the code in the status line is the one you asked for.`,
          );
        const refused = asked.at(-1);
        if (refused)
          return fail({
            message: `The origin answered ${refused.target} with ${refused.status ?? 'nothing'}, not with the code you asked for: a final status is a code from 200 to 599 (1xx codes only announce that more is coming).`,
            saw: describeRequest(refused),
            expected: 'GET /status/418, or any other code from 200 to 599',
          });
        return fail({
          message: 'The origin has not seen a request for /status/CODE yet.',
          saw: sawRequests(ctx.requests('origin')),
          expected: 'GET /status/418 (run the command shown), or any other code from 200 to 599',
        });
      },
    },
    {
      id: 'post-json',
      kind: 'probe',
      title: 'POST a JSON body',
      text: 'steps/post-json.md',
      commands: [`curl -H 'Content-Type: application/json' -d '{"name": "Ada"}' {{origin.url}}/echo`],
      hints: [
        '-d sends a body and makes the request a POST.',
        'Without a Content-Type header of your own, curl labels -d data application/x-www-form-urlencoded.',
      ],
      check: async (ctx) => {
        // POST, or PUT as the step offers (-X PUT); the origin's /echo takes both.
        const posts = ctx.requests('origin').filter((r) => r.method === 'POST' || r.method === 'PUT');
        const echoed = posts.filter((r) => r.target.split('?')[0] === '/echo');
        const json = echoed.find((r) => r.json === true);
        if (json)
          return pass(
            `The origin received a ${json.method} whose body it could read as JSON, because you said so in Content-Type.`,
          );
        const last = echoed.at(-1);
        // The newest POST is the one the learner is looking at: a typo in its path ("/ech") is
        // what to talk about, not an older POST to /echo.
        const latest = posts.at(-1);
        if (latest && latest !== last) {
          return fail({
            message: `Your last ${latest.method} went to ${latest.target}, which answered ${latest.status}; the origin reads bodies at /echo.`,
            saw: `${latest.method} ${latest.target}`,
            expected: 'a POST to /echo',
          });
        }
        if (!last)
          return fail({
            message: 'The origin has not seen a POST (or PUT) yet.',
            saw: sawRequests(ctx.requests('origin')),
            expected: 'a POST to /echo with a JSON body',
          });
        const type = header(last.headers, 'content-type') ?? 'no Content-Type';
        const why = last.parseError
          ? `the body is not valid JSON (${String(last.parseError)})`
          : `it was labelled ${type}`;
        return fail({
          message: `Your POST arrived, but the origin did not read it as JSON: ${why}.`,
          saw: `POST ${last.target} with ${type}`,
          expected: 'Content-Type: application/json and a valid JSON body',
        });
      },
    },
    {
      id: 'keep-alive',
      kind: 'probe',
      title: 'Two requests, one connection',
      text: 'steps/keep-alive.md',
      commands: ['curl -v {{origin.url}}/ {{origin.url}}/headers'],
      hints: ['Give curl two URLs in one command; in -v, look for "Re-using existing connection".'],
      check: async (ctx) => {
        const byConn = new Map<number, RequestEvent[]>();
        for (const request of ctx.requests('origin')) {
          if (request.conn === undefined) continue;
          byConn.set(request.conn, [...(byConn.get(request.conn) ?? []), request]);
        }
        const reused = [...byConn.values()].find((requests) => requests.length >= 2);
        if (reused)
          return pass(
            `The origin saw ${reused.length} requests (${reused.map((r) => r.target).join(', ')}) arrive on one TCP connection (#${reused[0]!.conn}).`,
          );
        const count = ctx.requests('origin').length;
        return fail({
          message: 'Every request so far came on a connection of its own.',
          saw: `${count} request${count === 1 ? '' : 's'} on ${byConn.size} connection${byConn.size === 1 ? '' : 's'}`,
          expected: 'two requests on one connection: both URLs in one curl command',
        });
      },
    },
  ],
});
