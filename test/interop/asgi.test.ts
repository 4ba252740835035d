// The ASGI lab server against real peers: the lesson's apps (starter and solutions) must answer
// the same under plain Uvicorn as under the lab server; the lab server must run a Starlette app
// (routes, a WebSocket endpoint, lifespan state); and the `websockets` library's client must be
// able to talk to it. Needs a Python that imports uvicorn, starlette and websockets (CI: apt-get
// install python3-uvicorn python3-starlette python3-websockets, seen by /usr/bin/python3);
// skipped with the reason otherwise. Lab servers are started by the engine's Lab, as always.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/engine/lab.js';
import type { LoadedLesson } from '../../src/engine/types.js';
import { asgiEvents } from '../../src/servers/python/asgi-events.js';
import { tempDir } from '../helpers/env.js';
import { typedEvents } from '../helpers/events.js';
import { waitFor } from '../helpers/processes.js';

const root = join(import.meta.dirname, '..', '..');
const lessonDir = join(root, 'lessons/07-asgi');
const fixtures = join(root, 'test/fixtures/asgi');

function pythonWith(modules: string[]): string | undefined {
  for (const candidate of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c))) {
    try {
      execFileSync(candidate, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}
const python = pythonWith(['uvicorn', 'starlette', 'websockets']);
// The Lab runs Python lab servers with $PYTHON: make it the one that has the peers.
if (python) process.env.PYTHON = python;
const skipReason = 'no Python here imports uvicorn, starlette and websockets (apt-get install python3-uvicorn …)';

const labs: Lab[] = [];
afterAll(async () => {
  await Promise.all(labs.map((lab) => lab.teardown()));
});

/** A lab of one ASGI server over a workspace holding `files` (app.py first of all). */
async function asgiLab(files: Record<string, string>, engine: 'lab' | 'uvicorn' = 'lab'): Promise<string> {
  return (await asgiLabOf(files, engine)).url('asgi');
}

async function asgiLabOf(files: Record<string, string>, engine: 'lab' | 'uvicorn'): Promise<Lab> {
  const dir = tempDir('asgi-interop-lesson');
  mkdirSync(join(dir, 'starter'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'starter', name), source);
  const lesson: LoadedLesson = {
    id: 'asgi-interop',
    title: 'ASGI interop',
    summary: 'for tests',
    layer: 'gateway',
    requires: ['python3'],
    servers: [
      {
        name: 'asgi',
        role: 'ASGI server',
        events: asgiEvents,
        program: { python: '@servers/python/asgi_server.py', args: ['--app', 'app:app'] },
        port: 0,
        env: { GATEWAY_TUTOR_ASGI_ENGINE: engine },
      },
    ],
    steps: [{ id: 'intro', kind: 'read', title: 'Intro', text: 'intro.md' }],
    dir,
    order: 99,
    texts: { intro: '# Intro' },
  };
  const lab = await Lab.start(lesson, { workspace: tempDir('asgi-interop-ws'), control: false, preferredPorts: false });
  labs.push(lab);
  return lab;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Plain Uvicorn (its own command line, nothing of ours) over a folder holding app.py. */
async function plainUvicorn(app: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = tempDir('asgi-interop-uvicorn');
  copyFileSync(app, join(dir, 'app.py'));
  const port = await freePort();
  const child = spawn(
    python!,
    ['-m', 'uvicorn', '--app-dir', dir, '--port', String(port), '--log-level', 'warning', 'app:app'],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`uvicorn exited (${child.exitCode}):\n${log}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Seen {
  status: number;
  type: string | null;
  body: string;
}

async function see(url: string): Promise<Seen> {
  const response = await fetch(url, { signal: AbortSignal.timeout(8000) });
  // Times of day and random ids differ by nature; the shape must not.
  const body = (await response.text()).replace(/\d/g, '#').replace(/[0-9a-f#]{8}/g, 'id');
  return { status: response.status, type: response.headers.get('content-type'), body };
}

async function wsReply(url: string, text: string): Promise<string> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('open', () => socket.send(text));
    socket.on('message', (data) => {
      resolve(data.toString());
      socket.close();
    });
    socket.on('error', reject);
  });
}

const PATHS = ['/', '/sleep', '/report', '/events', '/countdown?from=3', '/nope'];

describe.skipIf(!python)(`ASGI lab server against real peers${python ? '' : ` (skipped: ${skipReason})`}`, () => {
  for (const app of [
    'starter/app.py',
    'solutions/app_report.py',
    'solutions/app_countdown.py',
    'solutions/app_upper.py',
  ]) {
    it(`${app} answers the same under plain Uvicorn as under the lab server`, async () => {
      const source = readFileSync(join(lessonDir, app), 'utf8');
      const labUrl = await asgiLab({ 'app.py': source });
      const uvicorn = await plainUvicorn(join(lessonDir, app));
      try {
        const [fromLab, fromUvicorn] = await Promise.all([
          Promise.all(PATHS.map((path) => see(labUrl + path))),
          Promise.all(PATHS.map((path) => see(uvicorn.url + path))),
        ]);
        for (const [i, path] of PATHS.entries()) expect(fromLab[i], path).toEqual(fromUvicorn[i]);
        // The scope: the same keys with the same meaning (client ports differ; Uvicorn 0.17 has no state).
        const [labScope, uvicornScope] = await Promise.all(
          [labUrl, uvicorn.url].map(
            async (url) => (await fetch(`${url}/scope?x=1`)).json() as Promise<Record<string, unknown>>,
          ),
        );
        for (const key of [
          'type',
          'http_version',
          'method',
          'scheme',
          'path',
          'raw_path',
          'query_string',
          'root_path',
          'asgi',
        ]) {
          expect(labScope![key], key).toEqual(uvicornScope![key]);
        }
        const wsUrl = (url: string) => `${url.replace('http', 'ws')}/echo`;
        expect(await wsReply(wsUrl(labUrl), 'Quiet words')).toBe(await wsReply(wsUrl(uvicorn.url), 'Quiet words'));
      } finally {
        await uvicorn.stop();
      }
    }, 30_000);
  }

  it('GATEWAY_TUTOR_ASGI_ENGINE=uvicorn runs the app in Uvicorn with the same reports: requests, stalls, WebSockets, state', async () => {
    const lab = await asgiLabOf({ 'app.py': readFileSync(join(lessonDir, 'starter/app.py'), 'utf8') }, 'uvicorn');
    const url = lab.url('asgi');
    const seen = () => typedEvents(lab, { asgi: asgiEvents });
    expect(await (await fetch(`${url}/state`)).json()).toHaveProperty('boot_id');
    expect(await (await fetch(`${url}/report`)).text()).toBe('report ready\n');
    expect(await wsReply(`${url.replace('http', 'ws')}/echo`, 'same')).toBe('same');
    const until = (what: string, find: () => unknown) => waitFor(find, what, 5000);
    await until('a request event from uvicorn', () =>
      seen()
        .requests('asgi')
        .find((e) => e.engine === 'uvicorn' && e.target === '/state'),
    );
    await until('a stall in /report at time.sleep', () =>
      seen()
        .eventsOf('asgi', 'stall')
        .find((e) => e.target === '/report' && String(e.where).includes('time.sleep')),
    );
    await until('a WebSocket session on /echo', () =>
      seen()
        .eventsOf('asgi', 'websocket')
        .find((e) => e.path === '/echo' && e.messagesOut === 1),
    );
  }, 30_000);

  it('runs a Starlette app: routes, JSON bodies, streaming, a WebSocket endpoint and lifespan state', async () => {
    const url = await asgiLab({ 'app.py': readFileSync(join(fixtures, 'starlette_app.py'), 'utf8') });
    expect(await (await fetch(`${url}/hello?name=Ada`)).json()).toEqual({ hello: 'Ada' });
    expect(await (await fetch(`${url}/items/42`)).json()).toEqual({ id: 42, type: 'int' });
    expect((await fetch(`${url}/items/x`)).status).toBe(404);
    const posted = await fetch(`${url}/echo`, { method: 'POST', body: JSON.stringify({ a: [1, 2] }) });
    expect(await posted.json()).toEqual({ got: { a: [1, 2] }, length: 11 });
    expect((await fetch(`${url}/echo`)).status).toBe(405);
    const streamed = await fetch(`${url}/stream`);
    expect(streamed.headers.get('transfer-encoding')).toBe('chunked');
    expect(await streamed.text()).toBe('part 0\npart 1\npart 2\n');
    expect(await (await fetch(`${url}/state`)).text()).toBe('connected');
    expect(await wsReply(`${url.replace('http', 'ws')}/ws`, 'from starlette')).toBe('FROM STARLETTE');
  }, 30_000);

  it("the websockets library's client talks to the lab server: text, binary, fragments, ping, close codes", async () => {
    const url = await asgiLab({ 'app.py': readFileSync(join(fixtures, 'ws_app.py'), 'utf8') });
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        python!,
        [join(fixtures, 'websockets_client.py'), url.replace('http', 'ws')],
        { timeout: 20_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    expect(JSON.parse(stdout)).toEqual({
      text: 'HELLO',
      binary: [2, 1, 0],
      fragmented: 'FRAGMENTED',
      pong: true,
      client_close: [4001, 'done here'],
      server_close: [4000, 'closing now'],
      too_big: 1009,
      refused: 403,
    });
  }, 30_000);
});
