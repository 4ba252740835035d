#!/usr/bin/env node
// Benchmark of the fastcgi lesson, two numbers from one run of its lab (started as a learner
// would, `gateway-tutor lab fastcgi --json`, so the engine's Lab owns every lab process):
//
// 1. Latency per request of CGI against FastCGI for the same handler: the lab's CGI server runs
//    cgi-bin/run-handler.py (a new Python process per request), the FastCGI front passes the
//    request to a resident process. Sequential requests, one at a time; medians and their ratio.
// 2. Requests per second of the lab's FastCGI front against nginx's fastcgi_pass, both in front
//    of the same lab app (2 Python processes), measured with wrk in alternating rounds; medians
//    and the ratio lab / nginx (target: at least 0.5). nginx runs one worker, the front is one
//    Node process: core for core. On a shared machine req/s follows the CPU each side spends per
//    request, so the bench also prints it (user + system time from /proc before and after each
//    round, per process): the front or nginx's worker, the app's processes behind it, and the
//    tutor reading the lab's events (`lab --json`, which this script drains unread).
//
//   node scripts/bench-fastcgi.mjs [--rounds 3] [--seconds 3] [--connections 8] [--requests 30]
//                                  [--no-latency]   (only the second number)
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { nginxConf } from './nginx-conf.mjs';
import { childrenOf, cpuUs } from './proc-stats.mjs';

const execFileAsync = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    requests: { type: 'string', default: '30' },
    'no-latency': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const sequential = Number(values.requests);

function which(program) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'gt-bench-fcgi-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

let labChild;
/** Stop the lab as Ctrl-C would, and wait until it is gone (its event lines stop with it). */
async function stopLab() {
  if (!labChild || labChild.exitCode !== null) return;
  const gone = new Promise((resolve) => labChild.once('exit', resolve));
  labChild.kill('SIGTERM');
  await gone;
}

/** `gateway-tutor lab fastcgi --json`: resolves with the servers of its ready line. */
function startLab() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'gateway-tutor.js'), 'lab', 'fastcgi', '--json'], {
      env: { ...process.env, GATEWAY_TUTOR_WORKSPACE: join(work, 'ws'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    labChild = child;
    child.once('exit', (code) => reject(new Error(`the lab exited with ${code} before it was ready`)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('{"event":"ready"')) return;
      const ready = JSON.parse(line);
      resolve(Object.fromEntries(ready.servers.map((s) => [s.name, s])));
      // From here on just drain its event lines (a full pipe would stall the lab), without
      // spending this machine's CPU on them: the benchmark measures the servers.
      lines.close();
      child.stdout.resume();
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function listening(port) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** nginx with fastcgi_pass to the lab app, sending the CGI variables the lab front sends. */
async function startNginx(nginx, appPort) {
  const prefix = join(work, 'nginx');
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir), { recursive: true });
  const port = await freePort();
  const params = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx',
    SERVER_PROTOCOL: '$server_protocol',
    SERVER_NAME: '$host',
    SERVER_ADDR: '$server_addr',
    SERVER_PORT: '$server_port',
    REMOTE_ADDR: '$remote_addr',
    REMOTE_PORT: '$remote_port',
    REQUEST_METHOD: '$request_method',
    REQUEST_URI: '$request_uri',
    SCRIPT_NAME: "''",
    PATH_INFO: '$uri',
    QUERY_STRING: '$query_string',
    CONTENT_TYPE: '$content_type',
    CONTENT_LENGTH: '$content_length',
  };
  const locations = `location / {
      fastcgi_pass backend;
      fastcgi_keep_conn on;
      ${Object.entries(params)
        .map(([name, value]) => `fastcgi_param ${name} ${value};`)
        .join('\n      ')}
    }`;
  writeFileSync(
    join(prefix, 'nginx.conf'),
    nginxConf({ prefix, port, upstream: `server 127.0.0.1:${appPort};`, locations }),
  );
  const child = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await listening(port);
  // nginx forks its worker after it listens: ask for it when measuring.
  return { url: `http://127.0.0.1:${port}`, workers: () => childrenOf(child.pid) };
}

/** Milliseconds per request, one request at a time (after a few to warm up). */
async function latency(url) {
  for (let i = 0; i < 3; i++) await (await fetch(url)).arrayBuffer();
  const times = [];
  for (let i = 0; i < sequential; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * One wrk round: requests per second, and the CPU time per request (µs, user + system) of each
 * group of processes in `watch` ({ web: [pid], app: [pids] }), read from /proc before and after.
 * Asynchronous on purpose: this script keeps draining the lab's event pipe while wrk runs.
 * @param {string} wrk @param {string} url @param {Record<string, number[]>} [watch]
 */
async function wrkRound(wrk, url, watch = {}) {
  const before = Object.fromEntries(Object.entries(watch).map(([k, pids]) => [k, pids.map(cpuUs)]));
  const { stdout } = await execFileAsync(wrk, ['-t1', `-c${connections}`, `-d${seconds}s`, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  if (errors) throw new Error(`${url}: ${errors} non-2xx answers under load`);
  if (/Socket errors/.test(stdout)) console.error(`warning: socket errors during the run against ${url}:\n${stdout}`);
  /** @type {Record<string, number>} */
  const cpu = {};
  for (const [k, pids] of Object.entries(watch)) {
    cpu[k] = pids.map((pid, i) => cpuUs(pid) - before[k][i]).reduce((a, b) => a + b, 0) / requests;
  }
  return { rps, cpu };
}

process.on('uncaughtException', async (error) => {
  console.log(`fastcgi: failed: ${error.message}`);
  await stopLab();
  process.exit(1);
});
const servers = await startLab();
const frontUrl = `${servers.fastcgi.url}/`;
const cgiUrl = `${servers.cgi.url}/cgi-bin/run-handler.py`;

if (!values['no-latency']) {
  const cgiMs = await latency(cgiUrl);
  const fastcgiMs = await latency(frontUrl);
  console.log(
    `fastcgi latency: CGI ${cgiMs.toFixed(2)} ms, FastCGI ${fastcgiMs.toFixed(2)} ms per request ` +
      `(median of ${sequential}, same handler), CGI/FastCGI ${(cgiMs / fastcgiMs).toFixed(1)}`,
  );
}

const wrk = which('wrk');
const nginx = which('nginx');
if (!wrk || !nginx) {
  console.log(`fastcgi rps: skipped, needs ${[!wrk && 'wrk', !nginx && 'nginx'].filter(Boolean).join(' and ')}`);
} else {
  const nginxSide = await startNginx(nginx, new URL(servers.app.url).port);
  const nginxUrl = `${nginxSide.url}/`;
  const loadBefore = loadavg()[0];
  await wrkRound(wrk, frontUrl); // warm both up once
  await wrkRound(wrk, nginxUrl);
  // The app's workers are the manager's children; ask each round (the pool may replace one).
  const appPids = () => childrenOf(servers.app.pid);
  const tutor = [labChild.pid];
  const lab = [];
  const reference = [];
  for (let round = 0; round < rounds; round++) {
    lab.push(await wrkRound(wrk, frontUrl, { web: [servers.fastcgi.pid], app: appPids(), tutor }));
    reference.push(await wrkRound(wrk, nginxUrl, { web: nginxSide.workers(), app: appPids(), tutor }));
  }
  const rps = (list) => median(list.map((r) => r.rps));
  const cpu = (list, k) => `${Math.round(median(list.map((r) => r.cpu[k])))} µs`;
  const ratio = rps(lab) / rps(reference);
  console.log(
    `fastcgi rps: lab front ${rps(lab).toFixed(0)}, nginx fastcgi_pass ${rps(reference).toFixed(0)}, ` +
      `lab/nginx ${ratio.toFixed(2)} (target ≥ 0.5; wrk ${connections} connections, ${seconds} s × ${rounds} rounds, ` +
      'medians; the same lab app with 2 Python processes behind both)',
  );
  console.log(
    `  CPU per request (user+sys, medians): lab front ${cpu(lab, 'web')}, nginx worker ${cpu(reference, 'web')}; ` +
      `the app's processes behind the front ${cpu(lab, 'app')}, behind nginx ${cpu(reference, 'app')}; ` +
      `the tutor reading the events ${cpu(lab, 'tutor')} (front) and ${cpu(reference, 'tutor')} (nginx: the app's events only)`,
  );
  // When the run is CPU-bound (two cores, and wrk, the front or nginx, two app processes and the
  // tutor all busy), req/s follows the CPU all of a side spends per request; on a machine shared
  // with other work that sum moves less than req/s does.
  const side = (list) => median(list.map((r) => r.cpu.web + r.cpu.app + r.cpu.tutor));
  console.log(
    `  CPU per request, all of a side (front or nginx + app + tutor): lab ${Math.round(side(lab))} µs, ` +
      `nginx ${Math.round(side(reference))} µs, nginx/lab ${(side(reference) / side(lab)).toFixed(2)}`,
  );
  // On a busy machine every process gets a slice of the cores, and the one that does less per
  // request (nginx, in C) wins by more: say how busy it was.
  console.log(
    `  (load average ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores during the run)`,
  );
}
await stopLab();
process.exit(0);
