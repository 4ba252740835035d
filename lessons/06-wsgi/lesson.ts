// Lesson 6: WSGI (PEP 3333). The lab is a pre-fork WSGI server in standard-library Python
// (src/servers/python/wsgi_server.py) serving the learner's <workspace>/wsgi/app.py, and Flask's
// flask_app.py under /flask. Probe and answer checks read what the server reported (worker pids,
// start and end times); edit checks call the learner's app over HTTP and quote the server's
// explanation when the app breaks a rule of PEP 3333.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, header, pass, sawRequests } from '../../src/engine/check-helpers.js';
import {
  defineLesson,
  labServers,
  type ContextOf,
  type LabEventOf,
  type SolveContextOf,
} from '../../src/engine/types.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { editTimeout, get, type Fetched } from './app-client.js';

const SLOW_SECONDS = 1;

const servers = labServers([
  {
    name: 'wsgi',
    role: 'WSGI server (pre-fork, 2 workers)',
    events: wsgiEvents,
    program: {
      python: '@servers/python/wsgi_server.py',
      // /_check/middleware: the middleware step's probe (probes/middleware_probe.py), which calls
      // the learner's add_header directly, where HTTP alone cannot see exc_info or the iterable.
      args: [
        '--app',
        'app:app',
        '--mount',
        '/flask=flask_app:app',
        '--mount',
        '/_check/middleware=@lesson/probes/middleware_probe:app',
        '--workers',
        '2',
        '--timeout',
        '30',
        // Each request event carries the environ the server built for the app (the journey view shows it).
        '--report-environ',
      ],
    },
    port: 8600,
  },
]);
type Ctx = ContextOf<typeof servers>;
type WsgiRequest = LabEventOf<typeof wsgiEvents, 'request'>;

function solution(name: string): Promise<string> {
  return readFile(new URL(`./solutions/${name}`, import.meta.url), 'utf8');
}

async function writeApp(ctx: SolveContextOf<typeof servers>, name: string): Promise<void> {
  await writeFile(join(ctx.workspace, 'app.py'), await solution(name));
}

/** The request events of the WSGI server, optionally only those whose path starts with prefix. */
function wsgiRequests(ctx: Ctx, prefix = ''): WsgiRequest[] {
  return ctx.requests('wsgi').filter((r) => (r.target ?? '').startsWith(prefix));
}

/** Headers curl sends by itself (and the body's): the learner's own header is any other. */
const CURL_HEADERS = new Set(['host', 'user-agent', 'accept', 'content-length', 'content-type', 'expect']);

/** The environ key a request header lands on (PEP 3333, after CGI): HTTP_ + upper case, "-" as "_". */
function environKey(name: string): string {
  return `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
}

/** "HTTP_X_SHELL_PID=4242", "HTTP_X_SHELL_PID = '4242'", "HTTP_X_SHELL_PID: 4242" → key and value. */
export function parseEnvironAnswer(answer: string): { key: string | undefined; value: string } {
  const match = /(HTTP_[A-Za-z0-9_]+)['"\]]*\s*[=:]?\s*(.*)$/.exec(answer.trim());
  if (!match) return { key: undefined, value: '' };
  const value = match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  return { key: match[1]!.toUpperCase(), value };
}

/** When the server answered 500, its body starts with the explanation (or the traceback). */
export function serverExplanation(response: Pick<Fetched, 'status' | 'body'>): string[] {
  if (response.status !== 500) return [];
  const body = response.body.trim();
  // A plain exception in the app: the body is the bare traceback, whose first lines are the
  // server's own frames. What the learner needs is the last line (the exception) and where in
  // their file it was raised: the last frame in app.py, with its line of code.
  if (body.startsWith('Traceback')) {
    const lines = body.split('\n');
    const exception = lines.at(-1)!.trim();
    // The learner's own file first (an error inside json or urllib is their call's fault).
    const inApp = lines.map((line) => /^\s*File ".*\/app\.py"/.test(line)).lastIndexOf(true);
    const frame = inApp >= 0 ? inApp : lines.map((line) => /^\s*File "/.test(line)).lastIndexOf(true);
    const where = frame >= 0 ? /File "([^"]*)", line (\d+)/.exec(lines[frame]!) : null;
    const code = frame >= 0 ? lines[frame + 1]?.trim() : undefined;
    return [
      where ? `${exception}, at ${where[1]!.split('/').at(-1)} line ${where[2]}${code ? `: ${code}` : ''}` : exception,
    ];
  }
  const [first = ''] = body.split('\n\nTraceback');
  return first.trim().split('\n').slice(0, 6);
}

function quote(response: Fetched): string {
  const contentType = response.headers.get('content-type') ?? 'no Content-Type';
  return `${response.status}, ${contentType}, body ${JSON.stringify(response.body.slice(0, 120))}`;
}

function randomName(): string {
  const names = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Margaret', 'Dennis', 'Frances'];
  return `${names[Math.floor(Math.random() * names.length)]}${Math.floor(Math.random() * 900 + 100)}`;
}

/** Is /hello?name=… answered exactly as the step asks? Returns the failure, or null. */
async function helloProblem(ctx: Ctx) {
  const name = randomName();
  const cases: [string, string][] = [
    [`/hello?name=${name}`, name],
    ['/hello', 'world'],
  ];
  for (const [path, who] of cases) {
    const answer = await get(ctx, path);
    if (!answer.ok) return answer.problem;
    const { response } = answer;
    const explanation = serverExplanation(response);
    if (response.status === 500) {
      return fail({
        message: `GET ${path} made your app fail, so the server answered 500.`,
        saw: explanation[0] ?? quote(response),
        expected: `200 OK with {"hello": "${who}"}`,
        details: explanation.length > 1 ? explanation.slice(1) : undefined,
      });
    }
    if (response.status !== 200) {
      return fail({
        message: `GET ${path} answered ${response.status}.`,
        saw: quote(response),
        expected: 'status "200 OK"',
      });
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
      return fail({
        message: `GET ${path} says its body is "${contentType || 'nothing'}".`,
        saw: quote(response),
        expected: 'Content-Type: application/json',
      });
    }
    const cache = response.headers.get('cache-control') ?? '';
    if (!hasDirective(cache, 'no-store')) {
      return fail({
        message: `GET ${path} has ${cache ? `Cache-Control: ${cache}` : 'no Cache-Control header'}.`,
        saw: quote(response),
        expected: 'Cache-Control: no-store',
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // A Content-Length smaller than the body: the server sends no more than declared (PEP 3333),
      // so the JSON arrives cut off. Say so, or the learner hunts for a bug in json.dumps.
      const declared = response.headers.get('content-length');
      const cut = declared !== null && Number(declared) === Buffer.byteLength(response.body);
      return fail({
        message: `GET ${path} is not valid JSON.`,
        saw: quote(response),
        expected: `{"hello": "${who}"}`,
        details: cut
          ? [
              `Your Content-Length says ${declared} bytes, and a server sends no more than that: if the body is longer, the rest is cut off. Compute it from the encoded body: ("Content-Length", str(len(body))).`,
            ]
          : undefined,
      });
    }
    const ok =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.keys(parsed).length === 1 &&
      (parsed as Record<string, unknown>).hello === who;
    if (!ok) {
      return fail({
        message: `GET ${path} returned JSON, but not the asked object.`,
        saw: response.body.slice(0, 200),
        expected: `{"hello": "${who}"}`,
      });
    }
  }
  return null;
}

/** What the probe (probes/middleware_probe.py) found when it called the learner's add_header. */
interface ProbeReport {
  found?: boolean;
  error?: string;
  header?: string | null;
  excInfo?: 'kept' | 'dropped' | 'not-called';
  sameIterable?: boolean;
  streamed?: boolean;
  closed?: boolean;
  bodyIntact?: boolean;
  headerError?: string;
  excInfoError?: string;
  bodyError?: string;
}

/** The probe's report, or undefined when it could not be had (the check then says less). */
async function probeReport(ctx: Ctx): Promise<ProbeReport | undefined> {
  const answer = await get(ctx, '/_check/middleware');
  if (!answer.ok) return undefined;
  try {
    return JSON.parse(answer.response.body) as ProbeReport;
  } catch {
    return undefined;
  }
}

/** Does add_header keep exc_info and hand back the inner iterable? Returns the failure, or null. */
async function middlewareProblem(ctx: Ctx) {
  const answer = await get(ctx, '/_check/middleware');
  if (!answer.ok) return answer.problem;
  let report: ProbeReport;
  try {
    report = JSON.parse(answer.response.body) as ProbeReport;
  } catch {
    return fail({
      message: 'The check could not test add_header on its own.',
      saw: quote(answer.response),
      expected: 'a JSON report from /_check/middleware',
    });
  }
  if (!report.found) {
    return fail({
      message: report.error
        ? `app.py did not load for the check: ${report.error}`
        : 'app.py has no function add_header.',
      saw: report.error ?? 'no add_header in app.py',
      expected: 'def add_header(app): … returning a wrapper, and app = add_header(app) at the end',
    });
  }
  const raised = report.headerError ?? report.excInfoError ?? report.bodyError;
  if (raised) {
    return fail({
      message: `Your add_header failed when the check wrapped a small test app with it: ${raised}`,
      saw: raised,
      expected: 'a wrapper that works for any WSGI app, not only this one',
    });
  }
  if (report.excInfo !== 'kept') {
    return fail({
      message:
        report.excInfo === 'dropped'
          ? "Your middleware loses exc_info: when the app replaces its headers after an error, start_response(status, headers, sys.exc_info()), your start_response calls the server's without it, and a server must refuse a second call that has none (PEP 3333)."
          : "Your middleware did not pass the app's second start_response call (the one with exc_info) on to the server.",
      saw: `exc_info ${report.excInfo ?? 'unknown'}`,
      expected: 'def start(status, headers, exc_info=None): return start_response(status, headers + […], exc_info)',
    });
  }
  if (!report.sameIterable && (!report.streamed || !report.closed || !report.bodyIntact)) {
    const what = !report.bodyIntact
      ? 'changes the body'
      : !report.streamed
        ? 'reads the whole body into one piece before it answers, so a body the app streams piece by piece waits until the last piece'
        : "never calls the inner iterable's close(), so the app's clean-up (closing files, ending a database transaction) never runs";
    return fail({
      message: `Your middleware does not return the inner app's iterable: it ${what}.`,
      saw: `same iterable: no; streamed: ${report.streamed ? 'yes' : 'no'}; close() passed on: ${report.closed ? 'yes' : 'no'}`,
      expected: 'return inner(environ, start_with_header): the iterable itself',
    });
  }
  return null;
}

/** Does a Cache-Control value list this directive? ("private, No-Store" lists no-store.) */
export function hasDirective(cacheControl: string, directive: string): boolean {
  return cacheControl.split(',').some((part) => part.split('=')[0]!.trim().toLowerCase() === directive);
}

/** The time span of a set of requests as the server saw them, in seconds. */
function span(requests: WsgiRequest[]): number {
  const starts = requests.map((r) => Number(r.start));
  const ends = requests.map((r) => Number(r.end));
  return (Math.max(...ends) - Math.min(...starts)) / 1000;
}

export default defineLesson({
  id: 'wsgi',
  title: 'WSGI: Python behind the gateway',
  summary: 'PEP 3333: app(environ, start_response), a pre-fork server, middleware, and Flask on the same server.',
  layer: 'gateway',
  requires: ['python3', 'curl'],
  servers,
  steps: [
    {
      id: 'calling-convention',
      kind: 'read',
      title: 'A calling convention, not a protocol',
      text: 'steps/calling-convention.md',
    },
    {
      id: 'which-worker',
      kind: 'probe',
      title: 'Which worker answered?',
      text: 'steps/which-worker.md',
      commands: ['curl -si {{wsgi.url}}/'],
      hints: ['Run the command: `-i` shows the response headers, where X-Worker-Pid names the worker.'],
      check: async (ctx) => {
        const answered = wsgiRequests(ctx).filter((r) => r.status === 200 && typeof r.pid === 'number');
        const last = answered.at(-1);
        if (!last) {
          return fail({
            message: 'The WSGI server has not answered a request in this step yet.',
            saw: sawRequests(wsgiRequests(ctx)),
            expected: `a GET ${ctx.url('wsgi')}/ answered 200`,
          });
        }
        const pids = [...new Set(answered.map((r) => r.pid))];
        return pass(
          `Worker ${String(last.pid)} answered (X-Worker-Pid: ${header(last.responseHeaders, 'x-worker-pid') ?? '?'}).` +
            (pids.length > 1
              ? ` Over your ${answered.length} requests, workers ${pids.join(' and ')} both answered (whichever won accept(), not in strict turns).`
              : ' Run it a few more times: the other worker answers too, sometimes.'),
        );
      },
    },
    {
      id: 'environ-header',
      kind: 'answer',
      title: 'Your header inside environ',
      text: 'steps/environ-header.md',
      commands: ['curl -s -H "X-Shell-Pid: $$" {{wsgi.url}}/environ'],
      hints: [
        'Header names become environ keys: upper case, "-" turned into "_", and HTTP_ in front.',
        'Answer with the key and the value on its line, for example HTTP_SOMETHING=1234.',
      ],
      check: async (ctx) => {
        // Any header of the learner's own counts, as the step says: X-Shell-Pid is the example.
        // A name with "_" that the lab's server left out of environ (droppedHeaders) cannot be found there.
        const own = wsgiRequests(ctx, '/environ').flatMap((r) =>
          r.headers
            .filter(([name]) => !CURL_HEADERS.has(name.toLowerCase()))
            .map(([name, value]): [string, string, boolean] => [
              name,
              value,
              Array.isArray(r.droppedHeaders) && r.droppedHeaders.includes(name),
            ]),
        );
        const answer = ctx.answer ?? '';
        const { key, value } = parseEnvironAnswer(answer);
        if (own.length === 0) {
          return fail({
            message: 'The server has not seen a request to /environ with a header of your own in this step.',
            saw: sawRequests(wsgiRequests(ctx)),
            expected: 'curl -H "X-Shell-Pid: $$" …/environ (or any header of your own)',
          });
        }
        // Headers the server left out of environ cannot be the answer: name the others.
        const kept = own.filter(([, , dropped]) => !dropped);
        const names = [...new Set((kept.length ? kept : own).map(([name]) => name))].join(', ');
        const matching = own.filter(([name, , dropped]) => !dropped && environKey(name) === key);
        if (!key || matching.length === 0) {
          const dropped = own.find(([name, , wasDropped]) => wasDropped && environKey(name) === key);
          // "X-Shell-Pid=4242": the header's own name, not the key environ files it under.
          const asSent = own.find(([name]) => answer.toLowerCase().startsWith(name.toLowerCase()));
          return fail({
            message: dropped
              ? `${dropped[0]} has a "_" in its name, so the server left it out of environ: send it with "-" instead.`
              : key
                ? `${key} is not where your header went.`
                : asSent
                  ? `${asSent[0]} is the header's name on the wire; environ files it under another key.`
                  : 'Your answer names no environ key.',
            saw: answer || 'an empty answer',
            expected: `the environ key of your header (${names}) and its value, like HTTP_…=1234`,
          });
        }
        const values = [...new Set(matching.map(([, v]) => v))];
        if (!values.includes(value)) {
          return fail({
            message: 'Right key. Now the value: the one on that line of the environ dump.',
            saw: value ? `${value}` : 'no value',
            expected: `one of the values the server saw: ${values.join(', ')}`,
          });
        }
        return pass(`Yes: ${matching[0]![0]} arrived as environ["${key}"] = '${value}'. CGI's rule, kept by WSGI.`);
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run('curl -s -H "X-Shell-Pid: $$" {{wsgi.url}}/environ');
        const line = stdout.split('\n').find((l) => l.startsWith('HTTP_X_SHELL_PID')) ?? '';
        return line.replace(/\s*=\s*/, '=').replace(/'/g, '');
      },
    },
    {
      id: 'hello-json',
      kind: 'edit',
      title: 'Answer /hello with JSON',
      text: 'steps/hello-json.md',
      watch: 'app.py',
      commands: ['curl -si "{{wsgi.url}}/hello?name=Ada"'],
      hints: [
        'The body must be bytes inside an iterable: return [body], with body = json.dumps(...).encode("utf-8").',
        'Headers are a list of (name, value) tuples of str: [("Content-Type", "application/json"), ("Cache-Control", "no-store")].',
        'urllib.parse.parse_qs(environ["QUERY_STRING"]) gives {"name": ["Ada"]}.',
      ],
      timeoutMs: editTimeout(2),
      check: async (ctx) => {
        const problem = await helloProblem(ctx);
        return (
          problem ??
          pass('/hello answers 200 OK with application/json, Cache-Control: no-store and the right JSON, for any name.')
        );
      },
      solve: async (ctx) => {
        await writeApp(ctx, 'app_hello.py');
        await ctx.run('curl -si "{{wsgi.url}}/hello?name=Ada"');
      },
    },
    {
      id: 'middleware',
      kind: 'edit',
      title: 'A middleware adds a header',
      text: 'steps/middleware.md',
      watch: 'app.py',
      commands: ['curl -si {{wsgi.url}}/nowhere'],
      hints: [
        'A middleware is a function that takes an app and returns a new app with the same signature.',
        'Give the inner app your own start_response, which appends the header and calls the real one (pass exc_info on).',
        'At the bottom of app.py: app = add_header(app).',
      ],
      timeoutMs: editTimeout(6),
      check: async (ctx) => {
        const paths: [string, number][] = [
          ['/', 200],
          ['/nowhere', 404],
          ['/hello?name=Mw', 200],
        ];
        for (const [path, status] of paths) {
          const answer = await get(ctx, path);
          if (!answer.ok) return answer.problem;
          const { response } = answer;
          const explanation = serverExplanation(response);
          if (response.status !== status) {
            return fail({
              message: `GET ${path} answered ${response.status}; your middleware should not change the status.`,
              saw: explanation[0] ?? quote(response),
              expected: `${status}, as the app alone answers`,
              details: explanation.length > 1 ? explanation.slice(1) : undefined,
            });
          }
          const value = response.headers.get('x-middleware');
          if (value === null) {
            // add_header may be written and right, only never applied to the app the server runs.
            const report = await probeReport(ctx);
            if (report?.found && report.header === 'wsgi-tutor') {
              return fail({
                message: `GET ${path} came back without X-Middleware, though your add_header adds it: the server still calls the app without the wrapper.`,
                saw: quote(response),
                expected: 'app = add_header(app) at the end of app.py, after def app',
              });
            }
          }
          if (value !== 'wsgi-tutor') {
            return fail({
              message: `GET ${path} came back ${value === null ? 'without X-Middleware' : `with X-Middleware: ${value}`}.`,
              saw: quote(response),
              expected: 'X-Middleware: wsgi-tutor on every response (/, /hello, even a 404)',
            });
          }
        }
        const inside = await middlewareProblem(ctx);
        if (inside) return inside;
        const problem = await helloProblem(ctx);
        if (problem) return { ...problem, message: `The header is there, but /hello broke: ${problem.message}` };
        return pass(
          "Every response, even the 404, carries X-Middleware: wsgi-tutor, and the app's own headers are intact.",
        );
      },
      solve: async (ctx) => {
        await writeApp(ctx, 'app_middleware.py');
        await ctx.run('curl -si {{wsgi.url}}/nowhere');
      },
    },
    {
      id: 'two-rounds',
      kind: 'answer',
      title: 'Four slow requests, two workers',
      text: 'steps/two-rounds.md',
      commands: ["for i in 1 2 3 4; do curl -s -o /dev/null -w '%{time_total}s\\n' {{wsgi.url}}/slow & done; wait"],
      hints: [
        'Each curl prints how long it waited in total. Look at the largest number.',
        "Two workers take two requests at a time; the other two wait in the listening socket's queue.",
      ],
      timeoutMs: 10000,
      check: async (ctx) => {
        const slow = wsgiRequests(ctx, '/slow').filter((r) => r.status === 200 && r.start !== undefined);
        if (slow.length < 4) {
          return fail({
            message: `The server has answered ${slow.length} /slow request${slow.length === 1 ? '' : 's'} in this step.`,
            saw: sawRequests(wsgiRequests(ctx)),
            expected: 'four /slow requests sent at the same time',
          });
        }
        const batch = slow.slice(-4);
        const pids = new Set(batch.map((r) => r.pid));
        const sorted = [...batch].sort((a, b) => Number(a.start) - Number(b.start));
        const firstEnd = Math.min(...sorted.map((r) => Number(r.end)));
        const secondRound = sorted.filter((r) => Number(r.start) >= firstEnd - 50);
        // Two rounds means two at a time: requests that ran side by side on different workers.
        // Four sent one after another never overlap, and take four seconds, not two.
        const overlapping = sorted.filter((a, i) =>
          sorted.some(
            (b, j) =>
              i !== j &&
              a.pid !== b.pid &&
              Number(a.start) < Number(b.end) - 50 &&
              Number(b.start) < Number(a.end) - 50,
          ),
        );
        if (secondRound.length === 0 || pids.size < 2 || overlapping.length < 2) {
          return fail({
            message:
              overlapping.length < 2
                ? 'The last four /slow requests ran one after another, not at the same time.'
                : 'The last four /slow requests did not run as two rounds on two workers.',
            saw: `workers ${[...pids].join(', ')}; ${overlapping.length} ran alongside another; ${secondRound.length} started after the first finished`,
            expected: 'four requests sent together (note the & after curl, and the wait at the end)',
          });
        }
        const observed = span(batch);
        const low = Math.max(SLOW_SECONDS * 1.5, observed * 0.8);
        const high = observed * 1.3 + 0.3;
        const given = Number(/\d+(?:[.,]\d+)?/.exec(ctx.answer ?? '')?.[0]?.replace(',', '.'));
        if (!Number.isFinite(given) || given < low || given > high) {
          return fail({
            message: 'That is not how long the slowest request took.',
            saw: ctx.answer ? `${ctx.answer}` : 'no answer',
            expected: `a number of seconds; the server saw the four take ${observed.toFixed(2)}s from first start to last end`,
          });
        }
        // Say what each worker ran, as the server reported it (not what a perfect run would show).
        const perWorker = [...pids].map((pid) => `${String(pid)} ran ${batch.filter((r) => r.pid === pid).length}`);
        return pass(
          `Right: about ${observed.toFixed(1)}s. Worker ${perWorker.join(', worker ')} of the four /slow requests, one after the other; ` +
            `${secondRound.length} waited for a free worker. A sync worker handles one request at a time.`,
        );
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run(
          "for i in 1 2 3 4; do curl -s -o /dev/null -w '%{time_total}s\\n' {{wsgi.url}}/slow & done; wait",
        );
        const times = stdout
          .split('\n')
          .map((l) => Number.parseFloat(l))
          .filter((n) => Number.isFinite(n));
        return `${Math.max(...times).toFixed(2)}`;
      },
    },
    {
      id: 'flask',
      kind: 'probe',
      title: 'Flask on the same server',
      text: 'steps/flask.md',
      requires: ['flask'],
      commands: ['curl -s "{{wsgi.url}}/flask/hello?name=Ada"'],
      hints: ['The server mounts flask_app.py under /flask: the URL must start with /flask/.'],
      check: async (ctx) => {
        const flask = wsgiRequests(ctx, '/flask');
        const ok = flask.filter((r) => r.status === 200 && r.app === 'flask_app:app');
        if (ok.length === 0) {
          const last = flask.at(-1);
          return fail({
            message: last
              ? `The Flask app answered ${last.status ?? 'nothing'}.`
              : 'The server has not seen a request under /flask in this step.',
            saw: last?.error ? String(last.error).split('\n')[0] : sawRequests(wsgiRequests(ctx)),
            expected: 'a request under /flask/ answered 200 by flask_app:app',
          });
        }
        // SCRIPT_NAME as the server reported it in its environ summary (--report-environ).
        const scriptName = ok[0]!.environ?.SCRIPT_NAME;
        return pass(
          `Flask answered ${ok[0]!.target} in worker ${String(ok[0]!.pid)}: the same server, the same app(environ, start_response) call.` +
            (typeof scriptName === 'string' ? ` Flask saw SCRIPT_NAME=${JSON.stringify(scriptName)}.` : ''),
        );
      },
    },
    {
      id: 'under-gunicorn',
      kind: 'read',
      title: 'The same app under Gunicorn',
      text: 'steps/under-gunicorn.md',
    },
  ],
});
