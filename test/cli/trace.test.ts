// One request's journey, end to end: the lifecycle lab started as a script would (`lab --json`),
// one curl-like request through its reverse proxy, and then every hop's trace events for that
// request — from two processes (the Node proxy, the Python ASGI server and the app it runs) — in
// the `lab --json` stream, complete and put in journey order; `trace` prints the same journey.
import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyOf, tracedRequestIds, type TraceEvent } from '../../src/engine/journey.js';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';

const HOPS = ['proxy', 'asgi', 'logging', 'compression', 'cors', 'auth', 'authz', 'body', 'handler'];

/** `lab LESSON --json` as a script runs it: every line it prints, parsed, and each server's URL
 * once it is ready. */
async function jsonLab(lesson: string, workspace: string) {
  const lines: Record<string, unknown>[] = [];
  const child = execa(process.execPath, [binPath, 'lab', lesson, '--json'], {
    env: commandEnv(workspace),
    reject: false,
    buffer: false,
  });
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  const ready = (await waitFor(() => lines.find((l) => l.event === 'ready'), 'the ready line', 20_000)) as {
    servers: { name: string; url: string }[];
  };
  const url = (name: string) => ready.servers.find((s) => s.name === name)!.url;
  return { child, lines, url };
}

describe('trace events of the lifecycle lab', () => {
  const workspace = tempDir('trace');
  let lines: Record<string, unknown>[] = [];
  let child: ResultPromise;
  let proxy = '';

  beforeAll(async () => {
    const lab = await jsonLab('lifecycle', workspace);
    ({ child, lines } = lab);
    proxy = lab.url('proxy');
  }, 30_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    await child;
  });

  const tracesOf = (id: string) =>
    lines.filter((l) => l.event === 'trace' && l.requestId === id) as unknown as TraceEvent[];
  const tutor = (args: string[]) =>
    execa(process.execPath, [binPath, ...args], { env: commandEnv(workspace), reject: false });

  it('for one request, every hop reports in order, from both processes, in lab --json', async () => {
    // Given the lab, when one request with a token goes through the proxy
    const response = await fetch(`${proxy}/api/notes`, { headers: { authorization: 'Bearer reader' } });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id')!;
    // Then the proxy's answer comes last, and by then every hop has reported
    // (The proxy's own hop, depth 0, comes in its request event, written once its answer is out:
    // under load that line can arrive after the app's, whose hops alone make a complete journey.)
    await waitFor(() => {
      const journey = journeyOf(lines as never, id);
      return journey?.complete && journey.hops[0]?.depth === 0;
    }, 'every hop to report');
    const events = tracesOf(id);
    expect(new Set(events.map((e) => e.server))).toEqual(new Set(['proxy', 'app']));
    // Each hop: received, passed on (all but the handler), answered, in the order it wrote them.
    // The proxy writes no `received` (its passed-on says it too) and carries its trace events in
    // its request event, filed by the tutor as trace events right after it (trace.mjs).
    const expected = (hop: string) =>
      hop === 'handler'
        ? ['received', 'answered']
        : hop === 'proxy'
          ? ['passed-on', 'answered']
          : ['received', 'passed-on', 'answered'];
    for (const hop of HOPS) {
      const phases = events.filter((e) => e.hop === hop).map((e) => e.phase);
      expect(phases, hop).toEqual(expected(hop));
    }
    const request = lines.find((l) => l.event === 'request' && l.server === 'proxy' && l.requestId === id)!;
    const proxySeqs = events.filter((e) => e.hop === 'proxy').map((e) => e.seq);
    expect(proxySeqs).toEqual([(request.seq as number) + 1, (request.seq as number) + 2]);
    // And put together, the journey goes in through every hop and back out in reverse
    const journey = journeyOf(lines as never, id)!;
    const order = journey.events.map((e) => `${e.hop}:${e.phase}`);
    expect(order).toEqual([
      ...HOPS.slice(0, -1).flatMap((hop) =>
        expected(hop)
          .slice(0, -1)
          .map((phase) => `${hop}:${phase}`),
      ),
      'handler:received',
      ...[...HOPS].reverse().map((hop) => `${hop}:answered`),
    ]);
    expect(journey.hops.map((h) => h.depth)).toEqual(HOPS.map((_, i) => i));
    expect(journey.answeredBy?.hop).toBe('handler');
    // Each hop's time in all covers the hops within it (each measured on its own clock)
    for (let i = 1; i < journey.hops.length; i++)
      expect(journey.hops[i - 1]!.totalMs!).toBeGreaterThanOrEqual(journey.hops[i]!.totalMs!);
    expect(journey.hops[0]!.added.map(([name]) => name)).toContain('X-Request-Id');
  });

  it('a request refused by authentication stops there, and trace prints who answered and why', async () => {
    const response = await fetch(`${proxy}/api/notes`);
    expect(response.status).toBe(401);
    const id = response.headers.get('x-request-id')!;
    const journey = await waitFor(() => {
      const seen = journeyOf(lines as never, id);
      return seen?.complete ? seen : undefined;
    }, 'every hop to report');
    expect(journey.hops.map((h) => h.hop)).toEqual(HOPS.slice(0, HOPS.indexOf('auth') + 1));
    expect(journey.answeredBy).toMatchObject({ hop: 'auth', answer: 'early', status: 401, why: '401: no token' });

    // (Without an id, trace shows the latest traced request: this one, unless something else
    // reached the lab's port since — then that one, and this request is asked for by its id.)
    const latest = await tutor(['trace', 'lifecycle']);
    expect(latest.exitCode).toBe(0);
    expect(latest.stdout).toContain(`request ${tracedRequestIds(lines as never).at(-1)}`);
    const shown = latest.stdout.startsWith(`request ${id}\n`) ? latest : await tutor(['trace', 'lifecycle', id]);
    expect(shown.stdout).toContain(`request ${id}`);
    expect(shown.stdout).toMatch(/5\. auth \[app\] .* answered 401 itself: no token/);
    expect(shown.stdout).toContain('answered by: auth (401: no token)');
    // And, hop by hop, what each saw: the proxy's header changes, the scope and the ASGI events
    expect(shown.stdout).toMatch(/^ {5}\+ X-Request-Id: /m);
    expect(shown.stdout).toContain('what proxy received:');
    // (The proxy's trace events came in its request event; the lab took them off it once filed.)
    expect(shown.stdout).not.toMatch(/^\s*trace: /m);
    expect(shown.stdout).toContain('ASGI scope: what the app was called with:');
    expect(shown.stdout).toContain("path: '/api/notes'");
    expect(shown.stdout).toMatch(
      /ASGI events: receive\(\) and send\(\), in order:\n\s+→ send\(\) +http\.response\.start {2}status=401/,
    );
  });

  it('shows a request by its number in the log, and the same detail as JSON', async () => {
    const response = await fetch(`${proxy}/api/notes`, { headers: { authorization: 'Bearer reader' } });
    const id = response.headers.get('x-request-id')!;
    // (The proxy's own hop, depth 0, comes in its request event, written once its answer is out:
    // under load that line can arrive after the app's, whose hops alone make a complete journey.)
    await waitFor(() => {
      const journey = journeyOf(lines as never, id);
      return journey?.complete && journey.hops[0]?.depth === 0;
    }, 'every hop to report');
    // numbered as the tutor's log numbers them: without the lab's own health checks
    const requests = lines.filter((l) => l.event === 'request' && !l.healthCheck);
    const number = requests.findIndex((l) => l.requestId === id) + 1;
    const shown = await tutor(['trace', 'lifecycle', `#${number}`, '--json']);
    expect(shown.exitCode).toBe(0);
    const journey = JSON.parse(shown.stdout);
    expect(journey).toMatchObject({ requestId: id, traced: true, complete: true, answeredBy: 'handler' });
    expect(journey.hops.map((h: { hop: string }) => h.hop)).toEqual(HOPS);
    expect(journey.hops[1].request.scope.path).toBe('/api/notes');
  });

  it('a static file has a one-hop journey; an unknown id is a usage error that lists the ids', async () => {
    const response = await fetch(`${proxy}/static/index.html`);
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id')!;
    await waitFor(() => tracesOf(id).some((e) => e.phase === 'answered-early'), 'the proxy answered');
    const shown = await tutor(['trace', 'lifecycle', id, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ requestId: id, answeredBy: 'proxy', hops: [{ hop: 'proxy' }] });
    const unknown = await tutor(['trace', 'lifecycle', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(id);
  });
});

describe('trace in a lab no hop traces (http-basics)', () => {
  const workspace = tempDir('trace-basics');
  let lines: Record<string, unknown>[] = [];
  let child: ResultPromise;
  let origin = '';

  beforeAll(async () => {
    const lab = await jsonLab('http-basics', workspace);
    ({ child, lines } = lab);
    origin = lab.url('origin');
  }, 30_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    await child;
  });

  it('prints the journey of the latest request: one hop, what it received and answered', async () => {
    // Given a request the origin saw, with no trace id
    const response = await fetch(`${origin}/`, { headers: { 'x-mine': 'hello' } });
    expect(response.status).toBe(200);
    await waitFor(() => lines.some((l) => l.event === 'request'), 'the request event');
    // When the learner traces it
    const shown = await execa(process.execPath, [binPath, 'trace', 'http-basics'], {
      env: commandEnv(workspace),
      reject: false,
    });
    // Then it is the one-hop journey of request #1 in the log, with what the origin saw
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain('request #1 (no hop traced it)');
    expect(shown.stdout).toMatch(/^0\. origin \[origin\] .* answered 200$/m);
    expect(shown.stdout).toContain('what origin received:');
    expect(shown.stdout).toMatch(/x-mine: hello/i);
    expect(shown.stdout).toContain('answered by: origin');
    // And a number past the log is a usage error that says how many there are
    const missing = await execa(process.execPath, [binPath, 'trace', 'http-basics', '9'], {
      env: commandEnv(workspace),
      reject: false,
    });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('1 to 1');
  });
});
