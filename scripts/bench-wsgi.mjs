#!/usr/bin/env node
// Requests per second of the lab's WSGI server against Gunicorn (sync workers), same worker count,
// same hello app, same machine, same run: the ratio is what matters, not the absolute numbers.
//   node scripts/bench-wsgi.mjs [--workers 2] [--rounds 3] [--seconds 3] [--connections 8] [--close]
//                               [--no-validate] [--wrk-threads 1]
// Keep-alive: wrk keeps its connections open and sends request after request on each. The lab
// server keeps them (HTTP/1.1 persistent connections); Gunicorn's sync workers answer with
// "Connection: close" and close after every response, so against Gunicorn wrk opens a new
// connection per request. With --close wrk asks for "Connection: close" on every request, so both
// sides pay a connection per request: the comparison of the request work alone.
//
// The lab server is started as the tutor starts it: by the engine's Lab (`gateway-tutor lab`), from
// a one-lesson pack written here whose ServerSpec runs wsgi_server.py on the hello app with this
// bench's arguments. So its events go through the tutor, which reads and checks every one (its CPU
// is printed too). Gunicorn is a peer and is started here. Both run under the same Python (the one
// that can import gunicorn).
//
// On a shared machine req/s moves with everyone else's work; CPU time per request does much less.
// So each round also reads, from /proc, the user+system time of every process of each server
// (master and workers) and divides it by the requests wrk counted. Prints e.g.
//   wsgi rps: lab 5300 gunicorn 6200 ratio 0.85 (wrk -t1, 2 workers, 16 connections, ...)
//   wsgi cpu per request: lab 180 µs gunicorn 250 µs (tutor reading the lab's events: 40 µs)
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'wrk-threads': { type: 'string', default: '1' },
    'no-validate': { type: 'boolean', default: false },
    close: { type: 'boolean', default: false },
  },
});
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const wrkThreads = Number(values['wrk-threads']);

const HELLO = `def app(environ, start_response):
    body = b'Hello, World!'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`;

function hasModule(python, module) {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}
const candidates = [process.env.PYTHON, 'python3', 'python', '/usr/bin/python3'].filter(Boolean);
const gunicornPython = candidates.find((p) => hasModule(p, 'gunicorn'));
// A fair race: both servers run under the same interpreter (Gunicorn's, when there is one).
const python = gunicornPython ?? candidates.find((p) => hasModule(p, 'wsgiref'));
if (!python) {
  console.log('wsgi rps: skipped (no python3 found; set PYTHON)');
  process.exit(0);
}
if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error) {
  console.log('wsgi rps: skipped (needs wrk: apt-get install wrk)');
  process.exit(0);
}
const pythonVersion = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], {
  encoding: 'utf8',
}).stdout.trim();

const work = mkdtempSync(join(tmpdir(), 'gt-bench-wsgi-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

/** A lesson pack of one lesson, `wsgi-bench`: the WSGI lesson's server (its event family too), on
 * the hello app with this bench's arguments. Built lessons are JavaScript, so it reads the built
 * WSGI lesson (npm run bench builds first). */
function writePack() {
  const dir = join(work, 'lessons', '01-wsgi-bench');
  mkdirSync(join(dir, 'starter'), { recursive: true });
  writeFileSync(join(dir, 'starter', 'hello.py'), HELLO);
  writeFileSync(join(dir, 'bench.md'), '# The WSGI benchmark\n');
  const args = ['--app', 'hello:app', '--workers', String(workers)];
  if (values['no-validate']) args.push('--no-validate');
  const wsgiLesson = pathToFileURL(join(root, 'dist', 'lessons', '06-wsgi', 'lesson.js')).href;
  writeFileSync(
    join(dir, 'lesson.mjs'),
    `import wsgi from ${JSON.stringify(wsgiLesson)};
const spec = wsgi.servers.find((server) => server.name === 'wsgi');
export default {
  id: 'wsgi-bench',
  title: 'WSGI benchmark',
  summary: 'the lab WSGI server on a hello app, for scripts/bench-wsgi.mjs',
  layer: wsgi.layer,
  requires: ['python3'],
  servers: [{ ...spec, port: 0, program: { python: '@servers/python/wsgi_server.py', args: ${JSON.stringify(args)} } }],
  steps: [{ id: 'bench', kind: 'read', title: 'Bench', text: 'bench.md' }],
};
`,
  );
  return join(work, 'lessons');
}

/** `gateway-tutor --lessons PACK lab wsgi-bench --json`; resolves with the tutor's process, the
 * server's pid and URL. Event lines are counted, so we know the tutor got every request's event. */
function startLab(pack) {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/gateway-tutor.js'),
      '--lessons',
      pack,
      'lab',
      'wsgi-bench',
      '--json',
      '--workspace',
      join(work, 'ws'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHON: python } },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lab = { child, pid: 0, url: '', requestEvents: 0, stderr: () => stderr };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the lab exited with ${code} before it was ready:\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"event":"request"')) lab.requestEvents++;
      else if (line.startsWith('{"event":"ready"')) {
        const server = JSON.parse(line).servers[0];
        Object.assign(lab, { pid: server.pid, url: `${server.url}/` });
        resolve(lab);
      }
    });
  });
}

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
    if (child.exitCode !== null) throw new Error(`gunicorn exited with code ${child.exitCode}`);
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

/** Gunicorn, the peer: sync workers, the same count, the same app file. */
async function startGunicorn() {
  const port = await freePort();
  const child = spawn(
    gunicornPython,
    [
      '-m',
      'gunicorn',
      '-w',
      String(workers),
      '-b',
      `127.0.0.1:${port}`,
      '--chdir',
      join(work, 'ws', 'wsgi-bench'),
      'hello:app',
    ],
    { stdio: 'ignore' },
  );
  children.push(child);
  await waitForPort(port, child);
  return { pid: child.pid, url: `http://127.0.0.1:${port}/` };
}

/** User+system CPU seconds of a process and all its descendants (Linux /proc; NaN elsewhere);
 * a negative pid: of that process alone. */
function cpuSeconds(pid) {
  const alone = pid < 0;
  pid = Math.abs(pid);
  const stats = new Map();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
        // After "pid (comm) ": state ppid ... utime is field 14 of the whole line, stime 15.
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        /* gone meanwhile */
      }
    }
  } catch {
    return Number.NaN;
  }
  let ticks = 0;
  const family = [pid];
  while (family.length) {
    const current = family.pop();
    ticks += stats.get(current)?.ticks ?? 0;
    if (alone) break;
    for (const [other, stat] of stats) if (stat.ppid === current) family.push(other);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** One wrk run; with the CPU the servers spent on it. Asynchronous on purpose: this process keeps
 * reading the lab's event lines while wrk runs, as a learner's tutor does. */
async function runWrk(label, url, pids) {
  const close = values.close ? ['-H', 'Connection: close'] : [];
  const before = pids.map(cpuSeconds);
  const { stdout: out } = await execFileAsync('wrk', [
    `-t${wrkThreads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    ...close,
    url,
  ]);
  const cpu = pids.map((pid, i) => cpuSeconds(pid) - before[i]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rate || !total) throw new Error(`wrk printed no rate:\n${out}`);
  if (/Non-2xx|Socket errors/.test(out))
    console.error(`warning: errors during the run against ${label} (${url}):\n${out}`);
  const requests = Number(total[1]);
  return { rps: Number(rate[1]), requests, cpuPerRequest: cpu.map((c) => (c / requests) * 1e6) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadBefore = loadavg()[0];
const lab = await startLab(writePack());
const guni = gunicornPython ? await startGunicorn() : null;
// Warm up both (imports, first-request checks), then take turns going first in each round.
await runWrk('the lab', lab.url, []);
if (guni) await runWrk('gunicorn', guni.url, []);
const labRuns = [];
const guniRuns = [];
for (let i = 0; i < rounds; i++) {
  const measureLab = async () => labRuns.push(await runWrk('the lab', lab.url, [lab.pid, -lab.child.pid]));
  const measureGuni = async () => guni && guniRuns.push(await runWrk('gunicorn', guni.url, [guni.pid]));
  if (i % 2 === 0) {
    await measureLab();
    await measureGuni();
  } else {
    await measureGuni();
    await measureLab();
  }
}
const labRps = Math.round(median(labRuns.map((r) => r.rps)));
const us = (n) => `${Math.round(n)} µs`;
const note =
  `(wrk -t${wrkThreads}, ${workers} workers, ${connections} connections, median of ${rounds}×${seconds}s, ` +
  `${guni ? 'both under' : 'lab under'} ${python} ${pythonVersion}` +
  `${values['no-validate'] ? ', without wsgiref.validate' : ''}, ` +
  `${values.close ? 'Connection: close on every request' : 'keep-alive (the lab keeps connections, Gunicorn closes them)'}, ` +
  `load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)})`;
const labCpu = median(labRuns.map((r) => r.cpuPerRequest[0]));
const tutorCpu = median(labRuns.map((r) => r.cpuPerRequest[1]));
if (guni) {
  const guniRps = Math.round(median(guniRuns.map((r) => r.rps)));
  const guniCpu = median(guniRuns.map((r) => r.cpuPerRequest[0]));
  console.log(`wsgi rps: lab ${labRps} gunicorn ${guniRps} ratio ${(labRps / guniRps).toFixed(2)} ${note}`);
  console.log(
    `wsgi cpu per request: lab ${us(labCpu)} gunicorn ${us(guniCpu)} ratio ${(guniCpu / labCpu).toFixed(2)} ` +
      `(user+system of master and workers; the tutor reading the lab's events: ${us(tutorCpu)} more)`,
  );
} else {
  console.log(`wsgi rps: lab ${labRps} gunicorn skipped (no Python here can import gunicorn) ${note}`);
  console.log(`wsgi cpu per request: lab ${us(labCpu)} (the tutor reading its events: ${us(tutorCpu)} more)`);
}
// Every request the lab served reached the tutor as an event (warm-up included), or we say so.
const served = labRuns.reduce((sum, r) => sum + r.requests, 0);
const deadline = Date.now() + 2000; // the last batch of events may still be on its way
while (lab.requestEvents < served && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
if (lab.requestEvents < served)
  console.error(`warning: wrk counted ${served} requests, the tutor saw only ${lab.requestEvents} request events`);
if (lab.stderr()) console.error(`the lab said on stderr:\n${lab.stderr()}`);
process.exit(0);
