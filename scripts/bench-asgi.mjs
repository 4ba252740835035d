#!/usr/bin/env node
// Requests per second of the lab's ASGI server against Uvicorn: the same hello app, the same
// connections, the same Python, the same machine, the same run; the ratio is what matters.
//   node scripts/bench-asgi.mjs [--rounds 5] [--seconds 3] [--connections 8] [--against REV]
// The lab server runs as a learner runs it, inside `gateway-tutor lab asgi` (the tutor reads and
// validates every event it writes, so that cost is counted); Uvicorn runs from its own command line
// in its fastest everyday setting (no access log). Needs wrk and a Python that imports uvicorn.
//
// On a shared machine req/s follows who else runs; the CPU a request costs does much less. So each
// round also reads from /proc the user+system time of the lab server, of the tutor alone (reading
// and checking the server's events) and of Uvicorn, and divides it by the requests wrk counted.
// `--against REV` adds a third contender: the ASGI server as it was at git revision REV (its
// src/servers/python files, run by the same tutor from a one-lesson pack), measured in turn with
// the others, so that a change is judged old against new on the same machine at the same time.
// Prints e.g.
//   asgi rps: lab 9800 uvicorn 4100 ratio 2.39 (target >= 1.5; wrk, 8 connections, median of 5×3s, …)
//   asgi cpu per request: lab 80 µs (+ the tutor 30 µs) uvicorn 115 µs ratio 1.44 (…)
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { cpuUs } from './proc-stats.mjs';

const execFileAsync = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    against: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const HELLO = `async def app(scope, receive, send):
    if scope['type'] != 'http':
        raise RuntimeError('no lifespan here')
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain'), (b'content-length', b'13')]})
    await send({'type': 'http.response.body', 'body': b'Hello, World!'})
`;

const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
const python = candidates.find((p) => spawnSync(p, ['-c', 'import uvicorn'], { stdio: 'ignore' }).status === 0);
if (!python) {
  console.log('asgi rps: skipped (no Python here imports uvicorn; apt-get install python3-uvicorn)');
  process.exit(0);
}
if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error) {
  console.log('asgi rps: skipped (wrk is not installed; apt-get install wrk)');
  process.exit(0);
}
const versions = spawnSync(
  python,
  ['-c', 'import platform, uvicorn, h11; print(platform.python_version(), uvicorn.__version__, h11.__version__)'],
  { encoding: 'utf8' },
).stdout.trim();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`uvicorn exited with code ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A lesson pack of one lesson, `asgi-old`: the ASGI lesson's server spec (its event family too)
 * running the Python files of git revision `rev`, copied into the pack. */
function writeOldPack(work, rev) {
  const dir = join(work, 'lessons', '01-asgi-old');
  const old = join(dir, 'old');
  mkdirSync(old, { recursive: true });
  const archive = execFileSync('git', ['-C', root, 'archive', rev, 'src/servers/python'], { maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', old, '--strip-components=3'], { input: archive });
  writeFileSync(join(dir, 'bench.md'), '# The ASGI benchmark, old server\n');
  const asgiLesson = pathToFileURL(join(root, 'dist', 'lessons', '07-asgi', 'lesson.js')).href;
  writeFileSync(
    join(dir, 'lesson.mjs'),
    `import asgi from ${JSON.stringify(asgiLesson)};
const spec = asgi.servers.find((server) => server.name === 'asgi');
export default {
  id: 'asgi-old', title: 'ASGI benchmark (old server)', summary: 'the ASGI server at ${rev}, for scripts/bench-asgi.mjs',
  layer: asgi.layer, requires: ['python3'],
  servers: [{ ...spec, port: 0, program: { python: 'old/asgi_server.py', args: ['--app', 'app:app'] } }],
  steps: [{ id: 'bench', kind: 'read', title: 'Bench', text: 'bench.md' }],
};
`,
  );
  return join(work, 'lessons');
}

/** `gateway-tutor lab LESSON --json` over a workspace whose app.py is the hello app. Request event
 * lines are counted (a prefix test, cheap), so we know the tutor got every request's event. */
function startLab(workspace, lesson, pack) {
  mkdirSync(join(workspace, lesson), { recursive: true });
  writeFileSync(join(workspace, lesson, 'app.py'), HELLO);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/gateway-tutor.js'), ...(pack ? ['--lessons', pack] : []), 'lab', lesson, '--json'],
      {
        env: { ...process.env, PYTHON: python, GATEWAY_TUTOR_WORKSPACE: workspace, GATEWAY_TUTOR_ASGI_ENGINE: 'lab' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => reject(new Error(`lab exited with ${code}: ${stderr}`)));
    const lab = { child, requestEvents: 0 };
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"event":"request"')) lab.requestEvents++;
      else if (line.startsWith('{"event":"ready"')) {
        const server = JSON.parse(line).servers[0];
        resolve(Object.assign(lab, { url: `${server.url}/`, pids: [server.pid, child.pid] }));
      }
    });
  });
}

/** One wrk run: its rate and the requests it counted. Asynchronous on purpose: this process keeps
 * reading the lab's event lines while wrk runs. */
async function wrk(url) {
  const { stdout } = await execFileAsync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, url]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  if (!rate || !total) throw new Error(`wrk printed no rate:\n${stdout}`);
  if (/Non-2xx|Socket errors/.test(stdout)) console.error(`warning: errors during a run against ${url}:\n${stdout}`);
  return { rps: Number(rate[1]), requests: Number(total[1]) };
}

/** CPU seconds a process itself has used (user + system); NaN where there is none. */
const cpuSeconds = (pid) => cpuUs(pid) / 1e6;

/** Requests per second, and µs of CPU per request of each process in `pids`. */
async function measure(url, pids) {
  const before = pids.map(cpuSeconds);
  const { rps, requests } = await wrk(url);
  const cpu = pids.map((pid, i) => ((cpuSeconds(pid) - before[i]) / requests) * 1e6);
  return { rps, requests, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'gt-bench-asgi-'));
const uvicornDir = join(work, 'uvicorn');
mkdirSync(uvicornDir);
writeFileSync(join(uvicornDir, 'app.py'), HELLO);
const children = [];
const loadBefore = loadavg()[0];
try {
  const contenders = {};
  contenders.lab = await startLab(join(work, 'ws'), 'asgi');
  children.push(contenders.lab.child);
  if (values.against) {
    contenders.old = await startLab(join(work, 'ws-old'), 'asgi-old', writeOldPack(work, values.against));
    children.push(contenders.old.child);
  }
  const port = await freePort();
  const uvicorn = spawn(
    python,
    [
      '-m',
      'uvicorn',
      '--app-dir',
      uvicornDir,
      '--port',
      String(port),
      '--log-level',
      'warning',
      '--no-access-log',
      'app:app',
    ],
    // Its own session, as the tutor gives every lab server (detached): under Linux's autogroup
    // scheduler a session is a scheduling group, and on a busy machine that decides who gets the CPU.
    { stdio: 'ignore', detached: true },
  );
  children.push(uvicorn);
  await waitForPort(port, uvicorn);
  contenders.uvicorn = { url: `http://127.0.0.1:${port}/`, pids: [uvicorn.pid] };

  // Warm up each (imports, first-request work), then take turns, each going first in turn, so all
  // see the same machine.
  const names = Object.keys(contenders);
  for (const name of names) await wrk(contenders[name].url);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const name of order) runs[name].push(await measure(contenders[name].url, contenders[name].pids));
  }
  const rps = (name) => Math.round(median(runs[name].map((r) => r.rps)));
  const cpu = (name, k) => Math.round(median(runs[name].map((r) => r.cpu[k])));
  const [pythonVersion, uvicornVersion, h11Version] = versions.split(' ');
  const load = `load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
  console.log(
    `asgi rps: lab ${rps('lab')} uvicorn ${rps('uvicorn')} ratio ${(rps('lab') / rps('uvicorn')).toFixed(2)} ` +
      `(target >= 1.5; wrk, ${connections} connections, median of ${rounds}×${seconds}s; lab inside ` +
      `\`gateway-tutor lab asgi\`, Uvicorn ${uvicornVersion} with h11 ${h11Version}, no access log; both under ` +
      `${python} ${pythonVersion}; ${load})`,
  );
  for (const name of names) console.log(`  ${name} rounds: ${runs[name].map((r) => Math.round(r.rps)).join(' ')}`);
  console.log(
    `asgi cpu per request: lab ${cpu('lab', 0)} µs (+ the tutor reading its events ${cpu('lab', 1)} µs) ` +
      `uvicorn ${cpu('uvicorn', 0)} µs ratio ${(cpu('uvicorn', 0) / cpu('lab', 0)).toFixed(2)} ` +
      `(user+system from /proc, median of the rounds)`,
  );
  if (contenders.old) {
    console.log(
      `  against ${values.against}: old server ${rps('old')} req/s, ${cpu('old', 0)} µs (+ the tutor ` +
        `${cpu('old', 1)} µs) a request; per round, new/old µs: ` +
        runs.lab.map((r, i) => `${Math.round(r.cpu[0])}/${Math.round(runs.old[i].cpu[0])}`).join(' '),
    );
  }
  // Every request a lab served reached its tutor as an event (warm-up included), or we say so.
  for (const name of names.filter((n) => contenders[n].child)) {
    const lab = contenders[name];
    const served = runs[name].reduce((sum, r) => sum + r.requests, 0);
    const deadline = Date.now() + 2000; // the last batch of events may still be on its way
    while (lab.requestEvents < served && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (lab.requestEvents < served)
      console.error(
        `warning: wrk counted at least ${served} requests to ${name}, its tutor saw ${lab.requestEvents} events`,
      );
  }
} finally {
  for (const child of children) {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
  rmSync(work, { recursive: true, force: true });
}
