// Benchmark: the lab reverse proxy versus nginx, both proxying the same lab backend, measured in
// the same run with wrk. Prints requests per second and p99 latency for each, and their ratio
// (lab / nginx for throughput, nginx / lab for latency: 1.0 means "as good as nginx").
//
//   node scripts/bench-reverse-proxy.mjs [--runs 3] [--duration 3] [--connections 32]
//
// Each measurement is the median of a few short runs, alternating lab and nginx so that noise
// from other work on the machine hits both alike. The lab proxy runs as it does in a lesson: its
// events go down a pipe that this script reads, as the tutor would.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const serversDir = existsSync(join(root, 'src/servers/reverse-proxy')) ? join(root, 'src/servers/reverse-proxy') : join(root, 'dist/servers/reverse-proxy');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
});
const runs = Number(values.runs);

function which(program) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

const wrk = which('wrk');
const nginx = which('nginx');
if (!wrk || !nginx) {
  console.log(`reverse-proxy: skipped, needs ${[!wrk && 'wrk', !nginx && 'nginx'].filter(Boolean).join(' and ')} (apt-get install wrk nginx-light)`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'gt-bench-rp-'));
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

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

/** Start a lab server with the protocol env; resolves with its ready event. */
function labServer(name, program, env) {
  const child = spawn(process.execPath, [join(serversDir, program)], {
    env: { ...process.env, GT_SERVER: name, GT_EVENTS_FD: '3', GT_WORKSPACE: join(work, 'ws'), GT_RUN_DIR: join(work, 'run'), GT_LESSON_DIR: join(root, 'lessons/03-reverse-proxy'), ...env },
    stdio: ['pipe', 'ignore', 'inherit', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    const lines = createInterface({ input: child.stdio[3] });
    lines.on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event !== 'ready') return;
      resolve(event);
      // From here on just drain the events (a full pipe would stall the server), without
      // spending this machine's CPU on parsing them: the benchmark measures the servers.
      lines.close();
      child.stdio[3].resume();
    });
  });
}

async function listening(port) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function startNginx(backendPort) {
  const prefix = join(work, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes 1;
daemon off;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream app { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await listening(port);
  return port;
}

/** One wrk run: requests per second and p99 latency in milliseconds. Asynchronous on purpose:
 * this script must keep draining the servers' event pipes while wrk runs, as the tutor does. */
async function measure(url) {
  const { stdout: out } = await promisify(execFile)(wrk, [`-t2`, `-c${values.connections}`, `-d${values.duration}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const [, amount, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(out) ?? [];
  const p99 = Number(amount) * { us: 0.001, ms: 1, s: 1000 }[unit];
  if (/Non-2xx|Socket errors/.test(out)) console.error(`warning: errors during the run against ${url}:\n${out}`);
  return { rps, p99 };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

const backendPort = await freePort();
await labServer('app-1', 'backend.mjs', { GT_PORT: String(backendPort) });
const backendUrl = `http://127.0.0.1:${backendPort}`;
const proxy = await labServer('proxy', 'proxy.mjs', { GT_PORT: '0', GT_URL_APP_1: backendUrl, RP_BACKENDS: 'app-1' });
const labUrl = `http://127.0.0.1:${proxy.port}/whoami`;
const nginxUrl = `http://127.0.0.1:${await startNginx(backendPort)}/whoami`;

// Warm both up (JIT, keep-alive pools), then alternate.
await measure(labUrl);
await measure(nginxUrl);
const lab = [];
const ref = [];
for (let run = 0; run < runs; run++) {
  lab.push(await measure(labUrl));
  ref.push(await measure(nginxUrl));
}
const labRps = median(lab.map((r) => r.rps));
const nginxRps = median(ref.map((r) => r.rps));
const labP99 = median(lab.map((r) => r.p99));
const nginxP99 = median(ref.map((r) => r.p99));
const fmt = (n) => (Math.round(n * 100) / 100).toString();
console.log(`reverse-proxy rps: lab ${Math.round(labRps)} nginx ${Math.round(nginxRps)} ratio ${fmt(labRps / nginxRps)}`);
console.log(`reverse-proxy p99: lab ${fmt(labP99)}ms nginx ${fmt(nginxP99)}ms ratio ${fmt(nginxP99 / labP99)}`);
process.exit(0);
