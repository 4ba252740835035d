// The WSGI lab server against real peers: the lesson's apps (starter and solutions) must give the
// same responses under Gunicorn as under the lab server, and the lab server must run a Flask app
// correctly. The lab server is started by the engine's Lab, as the tutor starts it; Gunicorn is a
// peer. Needs a Python that imports gunicorn and flask (CI: apt-get install python3-gunicorn
// python3-flask, seen by /usr/bin/python3); skipped with the reason otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LabEventOf } from '../../src/engine/types.js';
import { lessonWorkspace } from '../../src/engine/workspace.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { tempDir } from '../helpers/env.js';
import { typedEvents } from '../helpers/events.js';
import { freePort } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';

const root = join(import.meta.dirname, '..', '..');
const lessonDir = join(root, 'lessons/06-wsgi');

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
const python = pythonWith(['gunicorn', 'flask']);
// The Lab runs Python lab servers with $PYTHON: make it the one that has the peers.
if (python) process.env.PYTHON = python;
const skipReason = 'no Python here imports both gunicorn and flask (apt-get install python3-gunicorn python3-flask)';

interface Running {
  url: string;
  stop: () => Promise<void>;
}

interface LabRunning extends Running {
  /** The lab server's request events, typed by its family (wsgi-events.ts). */
  requests: () => LabEventOf<typeof wsgiEvents, 'request'>[];
}

/** The lesson's WSGI lab, started by the engine's Lab as the tutor starts it, on a free port.
 * `files` are put in the lesson's workspace first (the starter fills in the rest); `args`, when
 * given, replace the lesson's server arguments. */
async function startLab(files: Record<string, string>, args?: string[]): Promise<LabRunning> {
  const lesson = (await loadCatalog()).find('wsgi');
  if (!lesson) throw new Error('the wsgi lesson did not load');
  const workspace = tempDir('wsgi-interop');
  const folder = lessonWorkspace(workspace, lesson.id);
  mkdirSync(folder, { recursive: true });
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(folder, name));
  const servers = lesson.servers.map((server) => (args ? { ...server, program: { ...server.program, args } } : server));
  const lab = await Lab.start({ ...lesson, servers }, { workspace, control: false, preferredPorts: false });
  return {
    url: lab.url('wsgi'),
    stop: () => lab.teardown(),
    requests: () => typedEvents(lab, { wsgi: wsgiEvents }).requests('wsgi'),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The real `gunicorn` CLI (a peer, nothing of ours) over `workspace`. */
async function startGunicorn(workspace: string): Promise<Running> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    python!,
    ['-m', 'gunicorn', '-w', '2', '-b', `127.0.0.1:${port}`, '--chdir', workspace, 'app:app'],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`gunicorn exited (${child.exitCode}):\n${log}`);
      return accepts(port);
    },
    'gunicorn to accept connections',
    20_000,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Framing and identity headers differ by design between two servers; everything else must match.
const SERVER_OWNED = new Set([
  'date',
  'server',
  'connection',
  'transfer-encoding',
  'content-length',
  'x-worker-pid',
  'keep-alive',
]);

async function request(url: string, init?: RequestInit): Promise<Seen> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (SERVER_OWNED.has(name)) return;
    // Werkzeug builds Allow from a set, whose order changes from process to process.
    headers[name] = name === 'allow' ? value.split(/,\s*/).sort().join(', ') : value;
  });
  // Pids differ between runs and servers.
  const body = (await response.text().catch(() => '')).replace(/\b\d{2,7}\b/g, 'N');
  return { status: response.status, headers, body };
}

const REQUESTS: [string, RequestInit?][] = [
  ['/'],
  ['/hello?name=Ada'],
  ['/hello'],
  ['/nowhere'],
  ['/flask/'],
  ['/flask/hello?name=Grace'],
  [
    '/flask/form',
    { method: 'POST', body: 'a=1&b=two+words', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  ],
  ['/flask/nowhere'],
  ['/flask/hello', { method: 'DELETE' }],
  ['/flask/boom'],
];

describe.skipIf(!python)(
  `WSGI: lab server and Gunicorn give the same responses${python ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    for (const variant of ['starter', 'app_hello.py', 'app_middleware.py']) {
      describe(`the lesson's ${variant === 'starter' ? 'starter app' : `solution ${variant}`}`, () => {
        let lab: Running | undefined;
        let gunicorn: Running | undefined;
        beforeAll(async () => {
          const workspace = tempDir('wsgi-interop-gunicorn');
          for (const file of ['app.py', 'flask_app.py'])
            copyFileSync(join(lessonDir, 'starter', file), join(workspace, file));
          const app = variant === 'starter' ? undefined : join(lessonDir, 'solutions', variant);
          if (app) copyFileSync(app, join(workspace, 'app.py'));
          // Gunicorn serves only app:app; Flask is compared separately below, mounted by the lab.
          [lab, gunicorn] = await Promise.all([startLab(app ? { 'app.py': app } : {}), startGunicorn(workspace)]);
        }, 30_000);
        afterAll(async () => {
          await Promise.all([lab?.stop(), gunicorn?.stop()]);
        });

        for (const [path, init] of REQUESTS.filter(([p]) => !p.startsWith('/flask'))) {
          it(`${init?.method ?? 'GET'} ${path}`, async () => {
            const [ours, theirs] = await Promise.all([
              request(lab!.url + path, init),
              request(gunicorn!.url + path, init),
            ]);
            if (ours.status === 500 && ours.body.includes('PEP N')) {
              // The starter breaks PEP 3333 on purpose (it returns a str). The lab explains it with a
              // 500; Gunicorn cannot deliver it either: an error page, or headers and no body.
              expect(theirs.status >= 500 || theirs.body === '', JSON.stringify(theirs)).toBe(true);
              return;
            }
            if (theirs.status >= 500) {
              expect(ours.status).toBe(500);
              return;
            }
            expect(ours).toEqual(theirs);
          });
        }
      });
    }

    describe('a Flask app on the lab server', () => {
      let lab: LabRunning | undefined;
      let gunicorn: Running | undefined;
      beforeAll(async () => {
        // Under Gunicorn, the Flask app is mounted the standard way: Werkzeug's dispatcher sends
        // /flask to it (with SCRIPT_NAME=/flask), as the lab's --mount does.
        const mountApp = `from werkzeug.middleware.dispatcher import DispatcherMiddleware\nfrom flask_app import app as flask_app\nimport app_main\napp = DispatcherMiddleware(app_main.app, {'/flask': flask_app})\n`;
        const gunicornWorkspace = tempDir('wsgi-flask-gunicorn');
        copyFileSync(join(lessonDir, 'starter', 'flask_app.py'), join(gunicornWorkspace, 'flask_app.py'));
        copyFileSync(join(lessonDir, 'starter', 'app.py'), join(gunicornWorkspace, 'app_main.py'));
        writeFileSync(join(gunicornWorkspace, 'app.py'), mountApp);
        [lab, gunicorn] = await Promise.all([startLab({}), startGunicorn(gunicornWorkspace)]);
      }, 30_000);
      afterAll(async () => {
        await Promise.all([lab?.stop(), gunicorn?.stop()]);
      });

      for (const [path, init] of REQUESTS.filter(([p]) => p.startsWith('/flask'))) {
        it(`${init?.method ?? 'GET'} ${path} as under Gunicorn`, async () => {
          const [ours, theirs] = await Promise.all([
            request(lab!.url + path, init),
            request(gunicorn!.url + path, init),
          ]);
          expect(ours).toEqual(theirs);
        });
      }

      it('routes, JSON, form posts and errors come out right', async () => {
        const hello = await request(`${lab!.url}/flask/hello?name=Grace`);
        expect(hello.status).toBe(200);
        expect(JSON.parse(hello.body)).toEqual({ hello: 'Grace', script_name: '/flask' });
        const form = await request(`${lab!.url}/flask/form`, REQUESTS.find(([p]) => p === '/flask/form')![1]);
        expect(JSON.parse(form.body)).toEqual({ fields: { a: '1', b: 'two words' } });
        expect((await request(`${lab!.url}/flask/nowhere`)).status).toBe(404);
        expect((await request(`${lab!.url}/flask/hello`, { method: 'DELETE' })).status).toBe(405);
        expect((await request(`${lab!.url}/flask/boom`)).status).toBe(500);
        // Flask answered the error itself: the server kept running and reported the request.
        expect((await request(`${lab!.url}/flask/`)).status).toBe(200);
        const reported = lab!.requests().filter((e) => e.app === 'flask_app:app');
        expect(reported.length).toBeGreaterThan(0);
      });
    });
  },
);

describe.skipIf(!python)(
  `WSGI: --engine gunicorn speaks the lab protocol${python ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let lab: LabRunning | undefined;
    afterAll(() => lab?.stop());
    it('reports ready and each request with the worker pid and its times', async () => {
      // The lab's Python side with Gunicorn as its engine (wsgi_server.py --engine gunicorn).
      lab = await startLab({}, ['--engine', 'gunicorn']);
      const running = lab;
      const response = await fetch(`${running.url}/`);
      const pid = Number(response.headers.get('x-worker-pid'));
      expect(pid).toBeGreaterThan(0);
      await response.text();
      const event = await waitFor(() => running.requests()[0], 'the request event');
      expect(event).toMatchObject({ method: 'GET', target: '/', status: 200, pid, engine: 'gunicorn' });
      expect(Number(event.end)).toBeGreaterThanOrEqual(Number(event.start));
      // The Lab started it only once it reported ready (its ready event is the signal).
    });
  },
);
