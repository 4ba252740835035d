#!/usr/bin/env node
// Requests per second of the lab's ASGI server against Uvicorn: the same hello app, the same
// connections, the same Python, the same machine, the same run; the ratio is what matters.
//   node scripts/bench-asgi.mjs [--rounds 5] [--seconds 3] [--connections 8]
// The lab server runs as a learner runs it, inside `gateway-tutor lab asgi` (the tutor reads and
// validates every event it writes, so that cost is counted); Uvicorn runs from its own command line
// in its fastest everyday setting (no access log). Needs wrk and a Python that imports uvicorn.
// Prints e.g.
//   asgi rps: lab 9800 uvicorn 4100 ratio 2.39 (target >= 1.5; wrk, 8 connections, median of 5×3s, …)
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
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

/** `gateway-tutor lab asgi --json` over a workspace whose app.py is the hello app. */
function startLab(workspace) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/gateway-tutor.js'), 'lab', 'asgi', '--json'], {
      env: { ...process.env, PYTHON: python, GATEWAY_TUTOR_WORKSPACE: workspace, GATEWAY_TUTOR_ASGI_ENGINE: 'lab' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => reject(new Error(`lab exited with ${code}: ${stderr}`)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event !== 'ready') return;
      // From here on, one line per request: drained unread, so this script costs the race nothing.
      lines.close();
      child.stdout.resume();
      resolve({ child, url: event.servers[0].url, pid: event.servers[0].pid });
    });
  });
}

async function wrk(url) {
  const { stdout } = await execFileAsync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, url]);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`wrk printed no rate:\n${stdout}`);
  return Number(match[1]);
}

/** CPU seconds a process has used (user + system), from /proc; null where there is no /proc. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

/** Requests per second, and requests per CPU second of the server (what each request costs it). */
async function measure(url, pid) {
  const before = cpuSeconds(pid);
  const started = performance.now();
  const rps = await wrk(url);
  const elapsed = (performance.now() - started) / 1000;
  const after = cpuSeconds(pid);
  const perCpuSecond =
    before === null || after === null || after === before ? null : (rps * elapsed) / (after - before);
  return { rps, perCpuSecond };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const workspace = mkdtempSync(join(tmpdir(), 'gt-bench-asgi-'));
mkdirSync(join(workspace, 'asgi'));
writeFileSync(join(workspace, 'asgi', 'app.py'), HELLO);
const uvicornDir = mkdtempSync(join(tmpdir(), 'gt-bench-uvicorn-'));
writeFileSync(join(uvicornDir, 'app.py'), HELLO);
const children = [];
try {
  const lab = await startLab(workspace);
  children.push(lab.child);
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

  const runs = { lab: [], uvicorn: [] };
  for (let i = 0; i < rounds; i++) {
    // Interleaved, each going first in turn, so both see the same machine.
    const order = i % 2 === 0 ? ['lab', 'uvicorn'] : ['uvicorn', 'lab'];
    for (const who of order) {
      runs[who].push(
        who === 'lab' ? await measure(`${lab.url}/`, lab.pid) : await measure(`http://127.0.0.1:${port}/`, uvicorn.pid),
      );
    }
  }
  const labRates = runs.lab.map((r) => r.rps);
  const uvicornRates = runs.uvicorn.map((r) => r.rps);
  const labRps = Math.round(median(labRates));
  const uvicornRps = Math.round(median(uvicornRates));
  const perCpu = (who) => {
    const values = runs[who].map((r) => r.perCpuSecond).filter((v) => v !== null);
    return values.length ? Math.round(median(values)) : null;
  };
  const [pythonVersion, uvicornVersion, h11Version] = versions.split(' ');
  console.log(
    `asgi rps: lab ${labRps} uvicorn ${uvicornRps} ratio ${(labRps / uvicornRps).toFixed(2)} (target >= 1.5; ` +
      `wrk, ${connections} connections, median of ${rounds}×${seconds}s; lab inside \`gateway-tutor lab asgi\`, ` +
      `Uvicorn ${uvicornVersion} with h11 ${h11Version}, no access log; both under ${python} ${pythonVersion})`,
  );
  console.log(
    `  lab rounds: ${labRates.map(Math.round).join(' ')}; uvicorn rounds: ${uvicornRates.map(Math.round).join(' ')}`,
  );
  const [labCpu, uvicornCpu] = [perCpu('lab'), perCpu('uvicorn')];
  if (labCpu && uvicornCpu) {
    // On a busy machine req/s follows the scheduler's share; requests per CPU second do not.
    console.log(
      `  requests per CPU second of the server: lab ${labCpu} uvicorn ${uvicornCpu} ratio ${(labCpu / uvicornCpu).toFixed(2)}`,
    );
  }
} finally {
  for (const child of children) {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
  rmSync(workspace, { recursive: true, force: true });
  rmSync(uvicornDir, { recursive: true, force: true });
}
