#!/usr/bin/env node
// Requests per second of the lab's WSGI server against Gunicorn (sync workers), same worker count,
// same hello app, same machine, same run: the ratio is what matters, not the absolute numbers.
//   node scripts/bench-wsgi.mjs [--workers 2] [--rounds 3] [--seconds 3] [--connections 8] [--close]
// Keep-alive: wrk keeps its connections open and sends request after request on each. The lab
// server keeps them (HTTP/1.1 persistent connections); Gunicorn's sync workers answer with
// "Connection: close" and close after every response, so against Gunicorn wrk opens a new
// connection per request. With --close wrk asks for "Connection: close" on every request, so both
// sides pay a connection per request: the comparison of the request work alone.
// Uses wrk when installed (apt-get install wrk), else a small Node load loop. Both servers run
// under the same Python (the one that can import gunicorn). Prints e.g.
//   wsgi rps: lab 12000 gunicorn 27000 ratio 0.44 (wrk, 2 workers, ..., both under /usr/bin/python3 3.11.2)
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import http from 'node:http';

const execFileAsync = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'no-validate': { type: 'boolean', default: false },
    close: { type: 'boolean', default: false },
  },
});
const workers = Number(values.workers);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

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
const pythonVersion = spawnSync(python, ['-c', 'import platform; print(platform.python_version())'], {
  encoding: 'utf8',
}).stdout.trim();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, label) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited with code ${child.exitCode}`);
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

function hasWrk() {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

// Asynchronous on purpose: this process keeps draining the lab's event pipe while wrk runs.
async function runWrk(url) {
  const close = values.close ? ['-H', 'Connection: close'] : [];
  const { stdout: out } = await execFileAsync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, ...close, url]);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(`wrk printed no rate:\n${out}`);
  return Number(match[1]);
}

async function runNodeLoad(url) {
  const agent = new http.Agent({ keepAlive: !values.close, maxSockets: connections });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (Date.now() < deadline) {
      await new Promise((resolve) => {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', resolve);
      });
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  return done / seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'gt-bench-wsgi-'));
writeFileSync(join(dir, 'hello.py'), HELLO);
const children = [];
try {
  const labPort = await freePort();
  const labArgs = [
    join(root, 'src/servers/python/wsgi_server.py'),
    '--app',
    'hello:app',
    '--workers',
    String(workers),
    '--workspace',
    dir,
    '--port',
    String(labPort),
  ];
  if (values['no-validate']) labArgs.push('--no-validate');
  // Events go to a pipe we drain, as under the tutor (fd 3), so their cost is counted.
  const lab = spawn(python, labArgs, {
    stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, GT_EVENTS_FD: '3' },
  });
  lab.stdio[3].resume();
  children.push(lab);
  await waitForPort(labPort, lab, 'the lab server');

  let guniPort = null;
  if (gunicornPython) {
    guniPort = await freePort();
    const guni = spawn(
      gunicornPython,
      ['-m', 'gunicorn', '-w', String(workers), '-b', `127.0.0.1:${guniPort}`, '--chdir', dir, 'hello:app'],
      { stdio: 'ignore' },
    );
    children.push(guni);
    await waitForPort(guniPort, guni, 'gunicorn');
  }

  const tool = hasWrk() ? 'wrk' : 'node';
  const measure = (port) =>
    tool === 'wrk' ? runWrk(`http://127.0.0.1:${port}/`) : runNodeLoad(`http://127.0.0.1:${port}/`);
  const labRates = [];
  const guniRates = [];
  for (let i = 0; i < rounds; i++) {
    // interleaved, so both see the same machine load,
    const lab = async () => labRates.push(await measure(labPort)); // and each goes first in
    const guni = async () => {
      if (guniPort) guniRates.push(await measure(guniPort));
    }; // turn
    if (i % 2 === 0) {
      await lab();
      await guni();
    } else {
      await guni();
      await lab();
    }
  }
  const labRps = Math.round(median(labRates));
  const note =
    `(${tool}, ${workers} workers, ${connections} connections, median of ${rounds}×${seconds}s, ` +
    `${gunicornPython ? 'both under' : 'lab under'} ${python} ${pythonVersion}` +
    `${values['no-validate'] ? ', without wsgiref.validate' : ''}, ` +
    `${values.close ? 'Connection: close on every request' : 'keep-alive (the lab keeps connections, Gunicorn closes them)'})`;
  if (guniPort) {
    const guniRps = Math.round(median(guniRates));
    console.log(`wsgi rps: lab ${labRps} gunicorn ${guniRps} ratio ${(labRps / guniRps).toFixed(2)} ${note}`);
  } else {
    console.log(`wsgi rps: lab ${labRps} gunicorn skipped (no Python here can import gunicorn) ${note}`);
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
