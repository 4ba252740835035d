// Benchmark: the lab reverse proxy versus nginx, both proxying the same lab backends, measured in
// the same run with wrk. Prints requests per second and p99 latency for each, and their ratio
// (lab / nginx for throughput, nginx / lab for latency: 1.0 means "as good as nginx"), and the
// CPU time (user + system, from /proc) each process spent per request.
//
//   node scripts/bench-reverse-proxy.mjs [--runs 3] [--duration 3] [--connections 16] [--bare]
//
// Each measurement is the median of a few short runs (wrk -t1), alternating lab and nginx so that
// noise from other work on the machine hits both alike. The lab runs as it does in a lesson:
// started by `gateway-tutor lab reverse-proxy --json` (the engine's Lab), which reads and checks
// every event and prints it as a JSON line (this script drains them).
//
// What makes the comparison fair:
// - one process each: nginx with `worker_processes 1`, the lab proxy is one Node process (one
//   event loop). This compares the proxies core for core, not how many cores each can use;
// - the same backends (the lab's three backend.mjs, round robin), the same wrk load, keep-alive
//   everywhere: wrk to the proxy, and the proxy to the backends (nginx: HTTP/1.1 + `upstream
//   keepalive`; the lab proxy: keep-alive connections of its own, upstream.mjs);
// - the same work for the backend: nginx sends the same forwarding headers the lab proxy writes
//   (X-Forwarded-*, Forwarded, X-Request-Id, Via, the client's Host), so the backend parses and
//   reports the same requests behind either proxy;
// - the backends are not the bottleneck: one backend alone (wrk straight to app-1) is measured
//   too, and three of them serve behind either proxy.
// On a machine shared with other work, req/s follows the CPU every process of a side spends per
// request (proxy, backends, and the tutor reading the events), so those are printed as well; the
// proxy's own CPU time per request is the figure to judge a change of the proxy by.
// --bare adds four lines: small Node proxies, round robin over the same backends, with no
// features and no events, one on node:http's client (http.request + pipe), one on undici's Pools,
// one on a minimal keep-alive client over node:net (the design of the lab proxy's own client,
// upstream.mjs), all three behind node:http's server, and that node:net client behind a minimal
// server over node:net too (no node:http at all): what plain proxying costs here, and what
// node:http's server side costs of it. The proxies' system time (the kernel's share: system calls
// and the loopback TCP they drive) is printed beside their CPU time.
import { execFile, spawn } from 'node:child_process';
import { nginxConf } from './nginx-conf.mjs';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { childrenOf, cpuUs, systemUs } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/gateway-tutor.js');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    bare: { type: 'boolean', default: false },
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
  console.log(
    `reverse-proxy: skipped, needs ${[!wrk && 'wrk', !nginx && 'nginx'].filter(Boolean).join(' and ')} (apt-get install wrk nginx-light)`,
  );
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

/** `gateway-tutor lab reverse-proxy --json` in a scratch workspace; resolves with its ready line.
 * Its event lines are drained unread (a full pipe would stall the tutor, and so the lab). */
let tutorPid = 0;
function startLab() {
  const child = spawn(process.execPath, [bin, 'lab', 'reverse-proxy', '--json', '--workspace', join(work, 'ws')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  tutorPid = child.pid;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the lab exited with ${code} before it was ready`)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event !== 'ready') return;
      resolve(event);
      lines.close();
      child.stdout.resume();
    });
  });
}

async function listening(port) {
  for (let attempt = 0; attempt < 200; attempt++) {
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

async function startNginx(backendPorts) {
  const prefix = join(work, 'nginx');
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir), { recursive: true });
  const port = await freePort();
  const locations = `location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # What the lab proxy tells the backend (forwarding.mjs), so the backend does the same work.
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header Forwarded "for=$remote_addr;proto=$scheme;host=\\"$http_host\\"";
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header Via "1.1 nginx";
      proxy_set_header Accept-Encoding "";
      add_header X-Request-Id $request_id;
      add_header Via "1.1 nginx";
    }`;
  writeFileSync(
    join(prefix, 'nginx.conf'),
    nginxConf({
      prefix,
      port,
      upstream: backendPorts.map((p) => `server 127.0.0.1:${p};`).join(' '),
      keepalive: 64,
      locations,
    }),
  );
  const child = spawn(nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await listening(port);
  // nginx forks its worker after it listens: ask for it when measuring.
  return { port, workers: () => childrenOf(child.pid) };
}

/**
 * One wrk run: requests per second, p99 latency in milliseconds, and the CPU time per request
 * (µs, user + system) of the processes in `watch` ({ proxy: [pid], backends: [pids] }), read from
 * /proc before and after. Asynchronous on purpose: this script must keep draining the servers'
 * event pipes while wrk runs, as the tutor does.
 */
async function measure(url, watch = {}) {
  const before = Object.fromEntries(Object.entries(watch).map(([k, pids]) => [k, pids.map(cpuUs)]));
  const systemBefore = (watch.proxy ?? []).map(systemUs);
  const { stdout: out } = await promisify(execFile)(
    wrk,
    ['-t1', `-c${values.connections}`, `-d${values.duration}s`, '--latency', url],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const [, amount, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(out) ?? [];
  const p99 = Number(amount) * { us: 0.001, ms: 1, s: 1000 }[unit];
  if (/Non-2xx|Socket errors/.test(out)) console.error(`warning: errors during the run against ${url}:\n${out}`);
  /** @type {Record<string, number>} */
  const cpu = {};
  for (const [k, pids] of Object.entries(watch)) {
    const used = pids.map((pid, i) => cpuUs(pid) - before[k][i]).reduce((a, b) => a + b, 0);
    cpu[k] = used / requests;
  }
  // The proxy's system time: the kernel's share of its CPU.
  if (watch.proxy)
    cpu.proxySystem =
      watch.proxy.map((pid, i) => systemUs(pid) - systemBefore[i]).reduce((a, b) => a + b, 0) / requests;
  return { rps, p99, cpu };
}

// The keep-alive client both node:net floors use: idle sockets per backend, round robin; a
// backend socket that closes takes down the client side it was serving (a job's response, or
// the client socket).
const NET_POOL = `const backends = process.env.BACKEND_URLS.split(' ').map((url) => ({ url: new URL(url), idle: [] }));
let next = 0;
const HOP = /^(connection|keep-alive|transfer-encoding)$/i;
function take(backend) {
  const socket = backend.idle.pop();
  if (socket) return socket;
  const fresh = net.connect(Number(backend.url.port), backend.url.hostname);
  fresh.setNoDelay(true);
  fresh.on('data', onData);
  fresh.on('error', () => fresh.destroy());
  fresh.on('close', () => { const peer = fresh.job?.res ?? fresh.client; if (peer) peer.destroy(); const i = backend.idle.indexOf(fresh); if (i >= 0) backend.idle.splice(i, 1); });
  fresh.backend = backend;
  return fresh;
}`;

/** The floors for --bare: plain proxying, round robin over the same three backends, and nothing
 * else (no features, no events), with node:http's client, undici's Pools, and raw sockets. */
const BARE = {
  'node:http': `import http from 'node:http';
const backends = process.env.BACKEND_URLS.split(' ').map((url) => new URL(url));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let next = 0;
const server = http.createServer((req, res) => {
  const backend = backends[next++ % backends.length];
  const upstream = http.request({ host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
  undici: `import http from 'node:http';
import { Pool } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('undici')).href)};
const pools = process.env.BACKEND_URLS.split(' ').map((url) => new Pool(url, { pipelining: 1 }));
let next = 0;
const server = http.createServer((req, res) => {
  pools[next++ % pools.length].dispatch({ method: req.method, path: req.url, headers: req.rawHeaders, body: req.method === 'GET' ? null : req }, {
    onRequestStart() {},
    onResponseStart(controller, status) {
      const pairs = [];
      for (let i = 0; i < controller.rawHeaders.length; i += 2) {
        const name = String(controller.rawHeaders[i]);
        if (!/^(connection|keep-alive|transfer-encoding)$/i.test(name)) pairs.push(name, String(controller.rawHeaders[i + 1]));
      }
      res.writeHead(status, pairs);
    },
    onResponseData(controller, chunk) {
      if (!res.write(chunk)) { controller.pause(); res.once('drain', () => controller.resume()); }
    },
    onResponseEnd() { res.end(); },
    onResponseError() { res.destroy(); },
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
  'node:net': `import http from 'node:http';
import net from 'node:net';
// A minimal HTTP/1.1 keep-alive client over node:net: idle sockets per backend, the request head
// in one write, the response head parsed from bytes, Content-Length bodies only (enough for /whoami).
${NET_POOL}
function onData(chunk) {
  const job = this.job;
  if (!job) return this.destroy();
  let data = job.buffer ? Buffer.concat([job.buffer, chunk]) : chunk;
  if (job.left === undefined) {
    const end = data.indexOf('\\r\\n\\r\\n');
    if (end === -1) { job.buffer = data; return; }
    const lines = data.latin1Slice(0, end).split('\\r\\n');
    const status = Number(lines[0].slice(9, 12));
    const pairs = [];
    let length = -1;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      const name = lines[i].slice(0, colon);
      const value = lines[i].slice(colon + 1).trim();
      if (name.length === 14 && name.toLowerCase() === 'content-length') length = Number(value);
      if (!HOP.test(name)) pairs.push(name, value);
    }
    job.res.writeHead(status, pairs);
    job.left = length;
    data = data.subarray(end + 4);
    job.buffer = null;
  }
  if (data.length > 0) { job.res.write(data); job.left -= data.length; }
  if (job.left <= 0) { job.res.end(); this.job = null; this.backend.idle.push(this); }
}
const server = http.createServer((req, res) => {
  const backend = backends[next++ % backends.length];
  const socket = take(backend);
  socket.job = { res, left: undefined, buffer: null };
  let head = req.method + ' ' + req.url + ' HTTP/1.1\\r\\n';
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP.test(raw[i])) head += raw[i] + ': ' + raw[i + 1] + '\\r\\n';
  socket.write(head + 'Connection: keep-alive\\r\\n\\r\\n');
  req.resume();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
  'node:net both sides': `import net from 'node:net';
// The node:net client above behind a minimal HTTP/1.1 server over node:net (no node:http at all):
// the request head parsed from bytes, the answer's head and body written in one call. GET without
// a body only, one request at a time per connection (enough for wrk on /whoami).
${NET_POOL}
function onData(chunk) {
  const client = this.client;
  if (!client) return this.destroy();
  let data = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
  let out = '';
  if (this.left === undefined) {
    const end = data.indexOf('\\r\\n\\r\\n');
    if (end === -1) { this.buffer = data; return; }
    const lines = data.latin1Slice(0, end).split('\\r\\n');
    out = lines[0] + '\\r\\n';
    let length = -1;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      const name = lines[i].slice(0, colon);
      const value = lines[i].slice(colon + 1).trim();
      if (name.length === 14 && name.toLowerCase() === 'content-length') length = Number(value);
      if (!HOP.test(name)) out += name + ': ' + value + '\\r\\n';
    }
    out += 'Connection: keep-alive\\r\\n\\r\\n';
    this.left = length;
    data = data.subarray(end + 4);
    this.buffer = null;
  }
  this.left -= data.length;
  if (out !== '') {
    if (data.length > 0) { client.cork(); client.write(out, 'latin1'); client.write(data); client.uncork(); }
    else client.write(out, 'latin1');
  } else if (data.length > 0) client.write(data);
  if (this.left <= 0) { this.client = null; this.left = undefined; this.backend.idle.push(this); client.busy = false; }
}
function onRequest(chunk) {
  const data = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
  const end = data.indexOf('\\r\\n\\r\\n');
  if (end === -1) { this.buffer = data; return; }
  this.buffer = null;
  const lines = data.latin1Slice(0, end).split('\\r\\n');
  const [method, target] = lines[0].split(' ');
  let head = method + ' ' + target + ' HTTP/1.1\\r\\n';
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    const name = lines[i].slice(0, colon);
    if (!HOP.test(name)) head += name + ': ' + lines[i].slice(colon + 1).trim() + '\\r\\n';
  }
  const backend = backends[next++ % backends.length];
  const socket = take(backend);
  socket.client = this;
  this.busy = true;
  socket.write(head + 'Connection: keep-alive\\r\\n\\r\\n', 'latin1');
}
const server = net.createServer((client) => {
  client.setNoDelay(true);
  client.on('data', onRequest);
  client.on('error', () => client.destroy());
});
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
};

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const fmt = (n) => (Math.round(n * 100) / 100).toString();
const us = (n) => `${Math.round(n)} µs`;

const ready = await startLab();
const serverUrl = (name) => ready.servers.find((server) => server.name === name).url;
const apps = ready.servers.filter((server) => server.name.startsWith('app-'));
const backendPorts = apps.map((server) => Number(new URL(server.url).port));
const backendPids = apps.map((server) => server.pid);
const proxyPid = ready.servers.find((server) => server.name === 'proxy').pid;
const labUrl = `${serverUrl('proxy')}/whoami`;
const nginxSide = await startNginx(backendPorts);
const nginxUrl = `http://127.0.0.1:${nginxSide.port}/whoami`;
/** @type {{ name: string, url: string, pid: number, results: any[] }[]} */
const bares = [];
for (const [name, source] of Object.entries(values.bare ? BARE : {})) {
  const file = join(work, `bare-${name.replace(':', '-')}.mjs`);
  writeFileSync(file, source);
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, PORT: String(port), BACKEND_URLS: apps.map((app) => app.url).join(' ') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  await listening(port);
  bares.push({ name, url: `http://127.0.0.1:${port}/whoami`, pid: child.pid, results: [] });
}

// Warm up (JIT, keep-alive pools), then alternate.
const loadBefore = loadavg()[0];
await measure(labUrl);
await measure(nginxUrl);
for (const bare of bares) await measure(bare.url);
// The backend alone, no proxy in front: wrk straight to app-1. Behind either proxy the three
// backends share the load, so one backend's rate is a floor for what they can serve together;
// if it were near the proxies' rates, the comparison would measure the backends, not the proxies.
const direct = await measure(`${serverUrl('app-1')}/whoami`, { backend: [backendPids[0]] });
const lab = [];
const ref = [];
for (let run = 0; run < runs; run++) {
  lab.push(await measure(labUrl, { proxy: [proxyPid], backends: backendPids, tutor: [tutorPid] }));
  ref.push(await measure(nginxUrl, { proxy: nginxSide.workers(), backends: backendPids, tutor: [tutorPid] }));
  for (const bare of bares) bare.results.push(await measure(bare.url, { proxy: [bare.pid], backends: backendPids }));
}
const summary = (list) => ({
  rps: median(list.map((r) => r.rps)),
  p99: median(list.map((r) => r.p99)),
  proxyCpu: median(list.map((r) => r.cpu.proxy)),
  proxySystem: median(list.map((r) => r.cpu.proxySystem)),
  backendCpu: median(list.map((r) => r.cpu.backends)),
  tutorCpu: median(list.map((r) => r.cpu.tutor)),
});
const labSum = summary(lab);
const nginxSum = summary(ref);
console.log(
  `reverse-proxy: wrk -t1 -c${values.connections} -d${values.duration}s GET /whoami, median of ${runs}; load average ${fmt(loadBefore)} → ${fmt(loadavg()[0])} on ${availableParallelism()} cores`,
);
console.log(
  '  both sides: one process (nginx worker_processes 1; the lab proxy one Node process started by the engine, its events read and checked by the tutor), ' +
    'round robin over the same three lab backends, keep-alive from wrk and to the backends (nginx: upstream keepalive 64, HTTP/1.1), the same forwarding headers',
);
console.log(
  `  backend alone (wrk straight to app-1): ${Math.round(direct.rps)} req/s, ${us(direct.cpu.backend)} CPU per request`,
);
console.log(
  `  CPU per request (user+sys): lab proxy ${us(labSum.proxyCpu)} (system ${us(labSum.proxySystem)}), nginx worker ${us(nginxSum.proxyCpu)} (system ${us(nginxSum.proxySystem)}); backends behind lab ${us(labSum.backendCpu)}, behind nginx ${us(nginxSum.backendCpu)}; the tutor reading the events ${us(labSum.tutorCpu)} (lab) and ${us(nginxSum.tutorCpu)} (nginx: the backends' events only)`,
);
console.log(
  `reverse-proxy rps: lab ${Math.round(labSum.rps)} nginx ${Math.round(nginxSum.rps)} ratio ${fmt(labSum.rps / nginxSum.rps)}`,
);
console.log(
  `reverse-proxy p99: lab ${fmt(labSum.p99)}ms nginx ${fmt(nginxSum.p99)}ms ratio ${fmt(nginxSum.p99 / labSum.p99)}`,
);
for (const bare of bares) {
  const sum = summary(bare.results);
  console.log(
    `reverse-proxy bare ${bare.name} proxy (round robin, nothing else): rps ${Math.round(sum.rps)} ratio ${fmt(sum.rps / nginxSum.rps)}, p99 ${fmt(sum.p99)}ms, CPU ${us(sum.proxyCpu)} per request (system ${us(sum.proxySystem)}; backends behind it ${us(sum.backendCpu)})`,
  );
}
// Stop the lab first and wait for it (it reports its servers stopping on the pipe we drain).
const labChild = children[0];
await new Promise((resolve) => {
  labChild.once('exit', resolve);
  labChild.kill('SIGTERM');
});
process.exit(0);
