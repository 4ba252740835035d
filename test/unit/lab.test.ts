// The lab supervisor with real child processes: readiness, a busy preferred port, servers that
// fail to start, events in order, stop/start, and teardown that leaves no process behind.
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fail, pass, serverChanges } from '../../src/engine/check-helpers.js';
import { TutorError } from '../../src/engine/errors.js';
import { Lab } from '../../src/engine/lab.js';
import { backendEvents, reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import type { LabEventOf, RequestEvent, ServerStateEvent } from '../../src/engine/types.js';
import type { tinyEvents } from '../fixtures/tiny-events.js';
import { tempDir } from '../helpers/env.js';
import { tinyLesson } from '../helpers/lessons.js';
import { alive, commandLine, descendants, survivors, waitFor } from '../helpers/processes.js';

const labs: Lab[] = [];
async function start(lesson = tinyLesson(), options: Partial<Parameters<typeof Lab.start>[1]> = {}): Promise<Lab> {
  const lab = await Lab.start(lesson, { workspace: tempDir('lab-ws'), control: false, ...options });
  labs.push(lab);
  return lab;
}

/** Start a lab that must fail; resolve with the error it gave. */
function startFailure(lesson: ReturnType<typeof tinyLesson>): Promise<TutorError> {
  return Lab.start(lesson, { workspace: tempDir('lab-ws'), control: false }).then(
    async (lab) => {
      await lab.teardown();
      throw new Error('the lab started, but it should have failed');
    },
    (error: TutorError) => error,
  );
}

afterEach(async () => {
  await Promise.all(labs.splice(0).map((lab) => lab.teardown()));
});

describe('Lab', () => {
  it('starts every server, waits for ready, and reports requests as events in order', async () => {
    // Given a lab with two servers
    const lab = await start(tinyLesson({ servers: [{}, {}] }));
    const [one, two] = lab.servers();
    expect(one!.state).toBe('up');
    expect(two!.state).toBe('up');
    expect(alive(one!.pid!)).toBe(true);

    // When each is asked something
    expect(await (await fetch(`${one!.url}/a`)).text()).toContain('tiny-1');
    // (each server reports a request when its response closes, which may come after fetch returns:
    // wait for the first report, or the second server's could overtake it)
    await waitFor(() => lab.events().length >= 1, 'the first event');
    expect(await (await fetch(`${two!.url}/b`)).text()).toContain('tiny-2');

    // Then the lab has both requests, numbered, from the right servers
    await waitFor(() => lab.events().length >= 2, 'two events');
    const [first, second] = lab.events();
    expect(first).toMatchObject({ event: 'request', server: 'tiny-1', method: 'GET', target: '/a', status: 200 });
    expect(second).toMatchObject({ event: 'request', server: 'tiny-2', target: '/b' });
    // (the tutor's log numbers the learner's requests across servers: #1, #2)
    expect([first, second].map((e) => (e as RequestEvent).number)).toEqual([1, 2]);
    expect(second!.seq).toBeGreaterThan(first!.seq);
  });

  it.each([
    // The proxy's family declares what it carries: a request whose items are no phases is dropped whole.
    [
      'the reverse proxy (it declares trace events)',
      reverseProxyEvents,
      ['def', 'ghi'],
      ['def', 'ghi'],
      1,
      'wrote an event the tutor dropped',
    ],
    // A backend's declares no trace events: what it carries is dropped, its requests are kept.
    [
      'a backend (it declares none)',
      backendEvents,
      ['abc', 'def', 'ghi'],
      [],
      5,
      'carried a trace event the tutor dropped',
    ],
  ] as const)(
    'files only real trace events that a request event of %s carries',
    async (_name, events, kept, filed, dropped, said) => {
      // Given a server whose request events carry trace items of every wrong shape
      const program = { node: join(import.meta.dirname, '..', 'fixtures', 'carried-trace-server.mjs') };
      const lab = await start(tinyLesson({ servers: [{ events, program }] }));
      await waitFor(() => lab.dropped.length === dropped, `${dropped} dropped`);
      await waitFor(() => lab.events().filter((e) => e.event === 'request').length === kept.length, 'the requests');
      // Then the requests kept are numbered from 1 and carry no trace field any more
      const requests = lab.events().filter((e) => e.event === 'request') as (RequestEvent & { requestId: string })[];
      expect(requests.map((r) => [r.requestId, r.number, (r as { trace?: unknown }).trace])).toEqual(
        kept.map((id, i) => [id, i + 1, undefined]),
      );
      // And only items that are trace events of the family are filed, as trace events of their request
      const traces = lab.events().filter((e) => e.event !== 'request');
      expect(traces.map((e) => [e.event, (e as { requestId?: unknown }).requestId])).toEqual(
        filed.map((id) => ['trace', id]),
      );
      // And the rest are dropped, saying why, in the server's log
      expect(lab.logs('tiny-1').join('\n')).toContain(said);
    },
  );

  it('falls back to a free port when the preferred one is busy, and fills commands with the real one', async () => {
    // Given the preferred port is taken by someone else
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    try {
      // When the lab starts
      const lab = await start(tinyLesson({ servers: [{ port: busy }] }));
      // Then it runs elsewhere, and placeholders say where
      const server = lab.servers()[0]!;
      expect(server.port).not.toBe(busy);
      expect(lab.fill('curl {{tiny-1.url}}/x')).toBe(`curl http://127.0.0.1:${server.port}/x`);
      expect(await (await fetch(server.url)).text()).toContain('tiny-1');
    } finally {
      blocker.close();
    }
  });

  it('takes a log line or an accepting port as the ready signal, for programs that cannot write events', async () => {
    const byLine = await start(
      tinyLesson({ servers: [{ env: { TINY_MODE: 'silent' }, ready: { line: /^tiny tiny-1 on \d+$/ } }] }),
    );
    expect(byLine.servers()[0]!.state).toBe('up');
    const byPort = await start(tinyLesson({ servers: [{ env: { TINY_MODE: 'silent' }, ready: 'listening' }] }));
    expect(await (await fetch(byPort.servers()[0]!.url)).text()).toContain('tiny-1');
  });

  it('explains a server that exits before it is ready, quoting its log', async () => {
    const error = await startFailure(tinyLesson({ servers: [{ env: { TINY_MODE: 'crash' } }] }));
    expect(error).toBeInstanceOf(TutorError);
    expect(error.message).toMatch(/"tiny-1" exited before it was ready \(exit code 1\)/);
    expect(error.hint).toContain('cannot open my config file');
  });

  it('gives up on a server that never says ready, and leaves nothing running', async () => {
    // Long enough for a loaded machine to start node and print its first line, which the hint quotes.
    const lesson = tinyLesson({ servers: [{ env: { TINY_MODE: 'silent' }, readyTimeoutMs: 3000 }] });
    const error = await startFailure(lesson);
    expect(error.message).toMatch(/did not become ready within 3000 ms/);
    expect(error.hint).toContain('tiny tiny-1 on');
    const tinyServers = () => descendants(process.pid).filter((pid) => commandLine(pid).includes('tiny-server.mjs'));
    expect(await survivors(tinyServers())).toEqual([]);
  });

  it('stops and starts one server, reporting both as events', async () => {
    const lab = await start();
    const before = lab.servers()[0]!;
    await lab.control('stop', 'tiny-1');
    expect(lab.servers()[0]).toMatchObject({ state: 'stopped', pid: null });
    expect(await survivors([before.pid!])).toEqual([]);
    await expect(fetch(before.url)).rejects.toThrow();

    await lab.control('start', 'tiny-1');
    const after = lab.servers()[0]!;
    expect(after.state).toBe('up');
    expect(after.pid).not.toBe(before.pid);
    expect(after.port).toBe(before.port);
    expect(
      lab
        .events()
        .filter((e) => e.event === 'server')
        .map((e) => (e as ServerStateEvent).state),
    ).toEqual(['stopped', 'up']);
  });

  it('runs two starts of one server one after the other, leaving exactly one copy', async () => {
    const lab = await start();
    await lab.control('stop', 'tiny-1');
    const before = descendants(process.pid).filter((pid) => commandLine(pid).includes('tiny-server.mjs'));
    await Promise.all([lab.control('start', 'tiny-1'), lab.control('start', 'tiny-1')]);
    const copies = descendants(process.pid).filter(
      (pid) => commandLine(pid).includes('tiny-server.mjs') && !before.includes(pid),
    );
    expect(copies).toEqual([lab.servers()[0]!.pid]);
    await lab.control('stop', 'tiny-1');
    expect(await survivors(copies)).toEqual([]);
  });

  it('marks a server that dies on its own as crashed', async () => {
    const lab = await start();
    const { pid } = lab.servers()[0]!;
    process.kill(pid!, 'SIGKILL');
    // (the supervisor then starts it again: see test/reliability/supervisor.test.ts)
    const crash = await waitFor(
      () => serverChanges(lab.events()).find((e) => e.state === 'crashed'),
      'the crash to be noticed',
    );
    expect(crash.reason).toMatch(/SIGKILL/);
  });

  it("drops fd-3 lines that are not the server's events, says so in its log, and goes on", async () => {
    // Given a server that writes null, half a JSON object, a wrongly shaped and an unknown event
    const lesson = tinyLesson({ servers: [{ env: { TINY_MODE: 'bad-events' } }] });
    const lab = await start(lesson);
    // Then the lab is up, and only the well-formed event reached the event list
    await waitFor(() => lab.events().some((e) => e.event === 'workers'), 'the good event');
    expect(lab.events().map((e) => e.event)).toEqual(['workers']);
    const logs = lab.logs('tiny-1').filter((line) => line.includes('dropped'));
    expect(logs).toHaveLength(5);
    expect(logs.join('\n')).toMatch(/tiny-1 wrote an event the tutor dropped: not an event: null/);
    expect(logs.join('\n')).toMatch(/not JSON/);
    expect(logs.join('\n')).toMatch(/"workers" event: pids: expected an array/);
    expect(logs.join('\n')).toMatch(/unknown event "mystery"/);
    // And the server keeps serving, its requests still reported
    await fetch(`${lab.servers()[0]!.url}/after`);
    await waitFor(() => lab.events().some((e) => e.event === 'request'), 'the request event');
    expect(lab.servers()[0]!.state).toBe('up');
    expect(lab.dropped).toEqual(logs.map((line) => line.replace('[gateway-tutor] ', '')));
  });

  it("tears down the whole process tree, the servers' own children included", async () => {
    const lab = await start(tinyLesson({ servers: [{ env: { TINY_MODE: 'workers' } }] }));
    const event = await waitFor(() => lab.events().find((e) => e.event === 'workers'), 'workers event');
    const workers = (event as LabEventOf<typeof tinyEvents, 'workers'>).pids;
    const pids = [lab.servers()[0]!.pid!, ...workers];
    expect(pids.every(alive)).toBe(true);
    await lab.teardown();
    expect(await survivors(pids)).toEqual([]);
  });

  it('gives a check only the events since its step began, and fresh secrets each run', async () => {
    const lesson = tinyLesson({
      secrets: ['token'],
      steps: [
        {
          id: 'probe',
          kind: 'probe',
          title: 'Probe',
          text: 'probe.md',
          check: async (ctx) =>
            ctx.requests('tiny-1').some((r) => r.target === '/now')
              ? pass('seen')
              : fail({ message: 'not seen', saw: `${ctx.requests().length} requests`, expected: 'GET /now' }),
        },
      ],
    });
    const lab = await start(lesson);
    const url = lab.servers()[0]!.url;
    await fetch(`${url}/now`);
    await waitFor(() => lab.events().length === 1, 'first event');
    lab.beginStep('probe');
    const before = await lab.check('probe');
    expect(before).toMatchObject({
      status: 'fail',
      message: 'not seen',
      details: ['The lab saw: 0 requests', 'Expected: GET /now'],
    });
    await fetch(`${url}/now`);
    await waitFor(() => lab.events().length === 2, 'second event');
    expect((await lab.check('probe')).status).toBe('pass');

    const other = await start(lesson);
    expect(lab.secrets.token).toMatch(/^[0-9a-f]{8}$/);
    expect(other.secrets.token).not.toBe(lab.secrets.token);
  });

  it("reports a check that throws or hangs as the tutor's error, not the learner's failure", async () => {
    const lab = await start(
      tinyLesson({
        steps: [
          {
            id: 'throws',
            kind: 'probe',
            title: 'T',
            text: 't.md',
            check: async () => {
              throw new Error('boom');
            },
          },
          { id: 'hangs', kind: 'probe', title: 'H', text: 'h.md', timeoutMs: 100, check: () => new Promise(() => {}) },
        ],
      }),
    );
    expect(await lab.check('throws')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/not your mistake.*boom/),
    });
    expect(await lab.check('hangs')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/longer than 100 ms/),
    });
    await expect(lab.check('nope')).rejects.toThrow(/no step "nope"/);
  });
});
