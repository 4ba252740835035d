// Lesson 4: CGI (RFC 3875). The lab is a CGI server (src/servers/cgi/cgi-server.mjs) over the
// learner's <workspace>/cgi/cgi-bin/: every request under /cgi-bin/ starts a new process. The
// server reports each request with the script's pid, exit code, lifetime and the meta-variables
// it was given; the checks below read those reports, and the edit check sends its own requests.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, pass, sawRequests } from '../../src/engine/check-helpers.js';
import { defineLesson, type CheckContext } from '../../src/engine/types.js';
import { cgiEvents } from '../../src/servers/cgi/events.js';
import { type CgiRequest, cgiRequests } from './cgi-requests.js';
import { checkCost, costCommands, solveCost } from './cost-check.js';
import { checkOrder } from './order-check.js';
import { editTimeout, SCRIPT_TIMEOUT_S } from './script-client.js';

/** Requests that ran a script and got its answer. */
function scriptRuns(ctx: CheckContext): CgiRequest[] {
  return cgiRequests(ctx).filter((r) => r.script !== undefined && typeof r.pid === 'number' && r.status === 200);
}

const PORT_COMMAND = 'curl -s "{{cgi.url}}/cgi-bin/env.sh/books/42?lang=en&page=2"';

export default defineLesson({
  id: 'cgi',
  title: 'CGI: a process per request',
  summary: 'RFC 3875: meta-variables in, a header block and a body out, and a new process every time.',
  layer: 'gateway',
  requires: ['curl'],
  servers: [
    {
      name: 'cgi',
      role: 'CGI server (a process per request)',
      events: cgiEvents,
      program: { node: '@servers/cgi/cgi-server.mjs', args: ['--timeout', String(SCRIPT_TIMEOUT_S)] },
      port: 8400,
    },
  ],
  steps: [
    {
      id: 'process-per-request',
      kind: 'read',
      title: 'A program for every request',
      text: 'steps/process-per-request.md',
    },
    {
      id: 'new-pid',
      kind: 'probe',
      title: 'A new process every time',
      text: 'steps/new-pid.md',
      commands: [
        'for i in 1 2 3; do curl -s {{cgi.url}}/cgi-bin/hello.sh; done',
        'for i in 1 2 3; do curl -s {{cgi.url}}/resident; done',
      ],
      hints: ['Run the first command: three requests, three lines, each naming the process that answered.'],
      check: async (ctx) => {
        const runs = scriptRuns(ctx);
        const pids = [...new Set(runs.map((r) => r.pid))];
        if (pids.length < 2) {
          return fail({
            message:
              runs.length === 0
                ? 'The CGI server has not run a script in this step yet.'
                : 'The CGI server has run one script so far: run it again to compare the pids.',
            saw: sawRequests(cgiRequests(ctx)),
            expected: 'two or more requests to /cgi-bin/hello.sh, answered 200',
          });
        }
        const lived = runs.map((r) => r.livedMs).filter((ms): ms is number => typeof ms === 'number');
        return pass(
          `${runs.length} requests, ${pids.length} different processes (${pids.slice(0, 5).join(', ')}): ` +
            `each was started for one request and ended with it` +
            (lived.length ? `, living ${Math.min(...lived).toFixed(1)} to ${Math.max(...lived).toFixed(1)} ms.` : '.'),
        );
      },
    },
    {
      id: 'meta-variables',
      kind: 'answer',
      title: 'The request as environment variables',
      text: 'steps/meta-variables.md',
      commands: [PORT_COMMAND],
      hints: [
        'Look for the line that starts with REMOTE_PORT= in the output.',
        'Each curl opens a new connection from a new port: answer with the one from your last run.',
      ],
      check: async (ctx) => {
        const seen = cgiRequests(ctx).filter((r) => r.script === 'env.sh' && r.env?.REMOTE_PORT);
        const ports = seen.map((r) => r.env!.REMOTE_PORT!);
        if (ports.length === 0) {
          return fail({
            message: 'The CGI server has not run env.sh in this step yet.',
            saw: sawRequests(cgiRequests(ctx)),
            expected: 'a request to /cgi-bin/env.sh (run the command shown)',
          });
        }
        // The last number typed: "37866", "REMOTE_PORT=37866", "37866." or "port 37866, I think".
        const given = /\b(\d{1,5})\b(?!.*\d)/s.exec(ctx.answer ?? '')?.[1];
        if (!given || !ports.includes(given)) {
          return fail({
            message: given
              ? `No env.sh run in this step saw REMOTE_PORT=${given}.`
              : 'Your answer has no port number in it.',
            saw: ctx.answer ?? 'no answer',
            expected: 'the REMOTE_PORT value printed by env.sh (a number, new for each connection)',
          });
        }
        const env = seen.find((r) => r.env?.REMOTE_PORT === given)!.env!;
        return pass(
          `Yes: REMOTE_PORT=${given}, the port curl's connection came from. That script also saw ` +
            `SCRIPT_NAME=${env.SCRIPT_NAME}, PATH_INFO=${env.PATH_INFO ?? '(unset)'} and QUERY_STRING=${env.QUERY_STRING}.`,
        );
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run(PORT_COMMAND);
        return /^REMOTE_PORT=(\d+)$/m.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'query-and-body',
      kind: 'probe',
      title: 'The query string and the body',
      text: 'steps/query-and-body.md',
      commands: [
        'curl -s "{{cgi.url}}/cgi-bin/echo.sh?name=Ada&lang=en"',
        "curl -s -d 'name=Ada&note=hello+world' {{cgi.url}}/cgi-bin/echo.sh",
      ],
      hints: ['Run both commands: the first puts data in the URL, the second (-d) in a POST body.'],
      check: async (ctx) => {
        const runs = scriptRuns(ctx);
        const withQuery = runs.filter((r) => (r.env?.QUERY_STRING ?? '') !== '').at(-1);
        const withBody = runs.filter((r) => r.method === 'POST' && Number(r.env?.CONTENT_LENGTH ?? 0) > 0).at(-1);
        if (!withQuery || !withBody) {
          return fail({
            message: !withQuery
              ? 'No script has been run with a query string in this step yet.'
              : 'No script has been given a POST body in this step yet.',
            saw: sawRequests(cgiRequests(ctx)),
            expected: 'a GET with ?name=…, and a POST with a body (curl -d)',
          });
        }
        return pass(
          `${withQuery.script} got QUERY_STRING="${withQuery.env!.QUERY_STRING}", and ${withBody.script} got ` +
            `${withBody.env!.CONTENT_LENGTH} bytes on stdin (CONTENT_LENGTH=${withBody.env!.CONTENT_LENGTH}, ` +
            `CONTENT_TYPE=${withBody.env!.CONTENT_TYPE ?? 'unset'}).`,
        );
      },
    },
    {
      id: 'any-language',
      kind: 'probe',
      title: 'Any language will do',
      text: 'steps/any-language.md',
      requires: ['python3'],
      commands: [
        "curl -s -d 'name=Ada&lang=en' {{cgi.url}}/cgi-bin/echo.py",
        "curl -s -F name=Ada -F 'note=hi there' {{cgi.url}}/cgi-bin/echo.py",
        "curl -s -d 'name=Ada&lang=en' {{cgi.url}}/cgi-bin/echo.mjs",
      ],
      hints: ['If echo.py fails with 500, read the reason: the #! line asks for python3 on the PATH.'],
      check: async (ctx) => {
        const runs = scriptRuns(ctx);
        const python = runs.find((r) => r.script?.endsWith('.py'));
        const node = runs.find((r) => r.script?.endsWith('.mjs'));
        if (!python || !node) {
          return fail({
            message: `The ${python ? 'Node' : 'Python'} script has not answered in this step yet.`,
            saw: sawRequests(cgiRequests(ctx)),
            expected: 'echo.py and echo.mjs, each answered 200',
          });
        }
        return pass(
          `Python (pid ${python.pid}, ${python.livedMs} ms) and Node (pid ${node.pid}, ${node.livedMs} ms) answered ` +
            'through the same interface: environment in, stdout out. Note how long each process lived.',
        );
      },
    },
    {
      id: 'the-answer',
      kind: 'probe',
      title: "What a script's answer can be",
      text: 'steps/the-answer.md',
      commands: ['curl -si {{cgi.url}}/cgi-bin/redirect-here.sh', 'curl -si {{cgi.url}}/cgi-bin/redirect-away.sh'],
      hints: ['Run both commands: one redirect the server follows itself, one it hands to the client.'],
      check: async (ctx) => {
        const requests = cgiRequests(ctx);
        const local = requests.filter((r) => (r.redirects?.length ?? 0) > 0 && r.status === 200).at(-1);
        const client = requests.filter((r) => r.response === 'client-redirect' && r.status === 302).at(-1);
        if (!local || !client) {
          return fail({
            message: !local
              ? 'The server has not followed a local redirect in this step yet.'
              : 'The server has not answered a client redirect (302) in this step yet.',
            saw: sawRequests(requests),
            expected: 'redirect-here.sh served by another script (200), and redirect-away.sh answered 302',
          });
        }
        return pass(
          `${local.target} was answered by ${local.script} (pid ${local.pid}) after a local redirect to ` +
            `${local.redirects!.join(', ')}: two processes, one response. ${client.target} became 302 Found ` +
            `with Location: ${client.responseHeaders?.find(([n]) => n.toLowerCase() === 'location')?.[1] ?? '?'}.`,
        );
      },
    },
    {
      id: 'order',
      kind: 'edit',
      title: 'A script that answers exactly',
      text: 'steps/order.md',
      watch: 'cgi-bin/order',
      commands: ["curl -si -d 'qty=3' '{{cgi.url}}/cgi-bin/order?item=tea'"],
      hints: [
        'Start with REQUEST_METHOD: anything but POST gets "Status: 405 Method Not Allowed" and "Allow: POST".',
        'The item is in QUERY_STRING; qty is in the body: read exactly CONTENT_LENGTH bytes from stdin.',
        'Header lines first (Status, Content-Type, X-Order), then an empty line, then "3 x tea".',
      ],
      timeoutMs: editTimeout(3),
      check: checkOrder,
      solve: async (ctx) => {
        await copyFile(new URL('./solutions/order.sh', import.meta.url), join(ctx.workspace, 'cgi-bin', 'order'));
        await ctx.run("curl -si -d 'qty=3' '{{cgi.url}}/cgi-bin/order?item=tea'");
      },
    },
    {
      id: 'broken-scripts',
      kind: 'drill',
      title: 'Three scripts that cannot answer',
      text: 'steps/broken-scripts.md',
      commands: [
        'curl -si {{cgi.url}}/cgi-bin/no-run-bit.sh',
        'curl -si {{cgi.url}}/cgi-bin/wrong-interpreter.sh',
        'curl -si {{cgi.url}}/cgi-bin/no-header.sh',
      ],
      hints: ["Each answer carries the server's reason in its body; the lab log has it too."],
      check: async (ctx) => {
        const requests = cgiRequests(ctx);
        const refused = requests.find((r) => r.status === 403 && /not executable/.test(r.error ?? ''));
        const notStarted = requests.find((r) => r.status === 500 && /could not be started/.test(r.error ?? ''));
        const badOutput = requests.find((r) => r.status === 502 && r.response === 'bad-output');
        const missing = [
          refused ? null : '403 for a script without its run bit (no-run-bit.sh)',
          notStarted ? null : '500 for a script whose interpreter is missing (wrong-interpreter.sh)',
          badOutput ? null : '502 for a script that prints no header (no-header.sh)',
        ].filter((m): m is string => m !== null);
        if (missing.length) {
          return fail({
            message: `Still to see: ${missing.join('; ')}.`,
            saw: sawRequests(requests, 4),
            expected: 'the three failures, one for each script',
          });
        }
        return pass(
          '403: the server would not run it. 500: the kernel could not start it. 502: it ran, but its answer broke the rules.',
          [`403 ${refused!.error}`, `500 ${notStarted!.error}`, `502 ${badOutput!.error}`],
        );
      },
    },
    {
      id: 'process-cost',
      kind: 'answer',
      title: 'What a process per request costs',
      text: 'steps/process-cost.md',
      commands: costCommands,
      hints: [
        'Subtract: the average for hello.sh minus the average for /resident, in milliseconds.',
        'Both go through the same server, the same curl, the same connection setup: the difference is the process.',
      ],
      timeoutMs: 5000,
      check: checkCost,
      solve: solveCost,
    },
  ],
});
