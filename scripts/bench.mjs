// `npm run bench`: medians of what a learner waits for (the CLI starting, a lab getting ready, a
// check answering), then each lesson's own benchmark against its real peer, measured in the same
// run. Numbers, not guesses; the tests never assert on time.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { childrenOf } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'gateway-tutor.js');
const workspace = mkdtempSync(join(tmpdir(), 'gt-bench-'));
// The tutor remembers its requirement probes between runs (src/engine/probe-cache.ts): in a cache
// folder of the bench's own, emptied before each run measured "cold".
const cacheHome = join(workspace, '.cache-home');
const coldCacheHome = join(workspace, '.cache-home-cold');
const env = { ...process.env, GATEWAY_TUTOR_WORKSPACE: workspace, NO_COLOR: '1', XDG_CACHE_HOME: cacheHome };
const forget = () => rmSync(coldCacheHome, { recursive: true, force: true });
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const ms = (value) => `${value.toFixed(1)} ms`;

function time(fn) {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function timeAsync(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function cli(...args) {
  return execFileSync(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Start `lab LESSON --json`; resolve with the child and its ready line, and the time it took. */
function startLab(lesson) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'lab', lesson, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => reject(new Error(`lab exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event === 'ready') resolve({ child, ready: event, ms: performance.now() - started });
    });
  });
}

function stopLab(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

console.log(`gateway-tutor bench (${RUNS} runs each, median; node ${process.version})`);

/** The figures of issue 14's table, printed together at the end: [figure, value, peer, ratio, target]. */
const table = [];

// The CLI figures, each run of each taken in turn (node, --version, list…), so that a burst of
// other work on the machine falls on all of them alike.
function interleaved(commands) {
  const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, run] of Object.entries(commands)) times[name].push(time(() => run()));
  return Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
}
// python3 as a shim: a shell script that finds the interpreter and execs it, as pyenv installs
// one (pyenv's own does far more per call: `pyenv exec` runs several more programs), and pyenv's
// real shim when this machine has one.
const python3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
const shims = mkdtempSync(join(tmpdir(), 'gt-bench-shim-'));
writeFileSync(join(shims, 'python3'), `#!/bin/sh\nset -e\nexec ${python3} "$@"\n`);
chmodSync(join(shims, 'python3'), 0o755);
const withPath = (dir) => {
  const shimEnv = { ...env, PATH: `${dir}:${env.PATH}` };
  delete shimEnv.PYTHON;
  return shimEnv;
};
const pyenvShims = join(process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/', '.pyenv'), 'shims');
const hasPyenv = existsSync(join(pyenvShims, 'python3'));
const quiet =
  (args, runEnv = env, cold = false) =>
  () => {
    if (cold) forget();
    execFileSync(process.execPath, [bin, ...args], {
      env: cold ? { ...runEnv, XDG_CACHE_HOME: coldCacheHome } : runEnv,
      stdio: 'ignore',
    });
  };
const cliTimes = interleaved({
  node: () => execFileSync(process.execPath, ['-e', '0'], { stdio: 'ignore' }),
  version: quiet(['--version']),
  list: quiet(['list']),
  doctor: quiet(['doctor']),
  ...(python3
    ? {
        shimList: quiet(['list'], withPath(shims)),
        shimListCold: quiet(['list'], withPath(shims), true),
        shimDoctor: quiet(['doctor'], withPath(shims)),
      }
    : {}),
  ...(hasPyenv
    ? {
        pyenvList: quiet(['list'], withPath(pyenvShims)),
        pyenvListCold: quiet(['list'], withPath(pyenvShims), true),
        pyenvDoctor: quiet(['doctor'], withPath(pyenvShims)),
      }
    : {}),
});
rmSync(shims, { recursive: true, force: true });
const nodeStart = cliTimes.node;
const ratio = (value) => `${(value / nodeStart).toFixed(2)}× node -e 0`;
console.log(`  node -e 0                 ${ms(nodeStart)}`);
console.log(`  --version                 ${ms(cliTimes.version)}   ${ratio(cliTimes.version)}`);
console.log(`  list                      ${ms(cliTimes.list)}   ${ratio(cliTimes.list)}`);
console.log(`  doctor                    ${ms(cliTimes.doctor)}   ${ratio(cliTimes.doctor)}`);
if (python3) {
  console.log(`  list, python3 a shim      ${ms(cliTimes.shimList)}   ${ratio(cliTimes.shimList)}`);
  console.log(`    its first run (nothing remembered)  ${ms(cliTimes.shimListCold)}   ${ratio(cliTimes.shimListCold)}`);
  console.log(
    `  doctor, python3 a shim    ${ms(cliTimes.shimDoctor)}   ${ratio(cliTimes.shimDoctor)}   (doctor always probes)`,
  );
  for (const [what, key] of [
    ['`list`', 'shimList'],
    ['`list`, its first run (no probe remembered),', 'shimListCold'],
    ['`doctor` (always probes afresh)', 'shimDoctor'],
  ])
    table.push([
      `${what} when \`python3\` is a shell-script shim`,
      ms(cliTimes[key]),
      `node -e 0 ${ms(nodeStart)}`,
      cliTimes[key] / nodeStart,
      '≤ 2',
    ]);
}
if (hasPyenv) {
  console.log(`  list, pyenv's own shim    ${ms(cliTimes.pyenvList)}   ${ratio(cliTimes.pyenvList)}`);
  console.log(
    `    its first run (nothing remembered)  ${ms(cliTimes.pyenvListCold)}   ${ratio(cliTimes.pyenvListCold)}`,
  );
  console.log(
    `  doctor, pyenv's own shim  ${ms(cliTimes.pyenvDoctor)}   ${ratio(cliTimes.pyenvDoctor)}   (doctor always probes)`,
  );
  for (const [what, key] of [
    ["`list` when `python3` is pyenv's own shim", 'pyenvList'],
    ["`list` with pyenv's shim, its first run (no probe remembered)", 'pyenvListCold'],
    ["`doctor` (always probes afresh) with pyenv's shim", 'pyenvDoctor'],
  ])
    table.push([what, ms(cliTimes[key]), `node -e 0 ${ms(nodeStart)}`, cliTimes[key] / nodeStart, '≤ 2']);
}

const readyTimes = [];
for (let i = 0; i < RUNS; i++) {
  const { child, ms: took } = await startLab('http-basics');
  readyTimes.push(took);
  await stopLab(child);
}
console.log(`  lab http-basics ready     ${ms(median(readyTimes))}   (command start to ready line; target < 300 ms)`);

const { child, ready } = await startLab('http-basics');
// Memory with the lab open: the tutor's process (the engine, the supervisor) and each lab server.
// RSS counts the pages of the node binary that every Node process shares (about 35 MB here); PSS
// splits shared pages among the processes that map them, so it is what one more server costs.
const pssMb = (pid) => {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
};
const rssMb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
};
if (existsSync('/proc/self/status')) {
  const tutorRss = rssMb(child.pid);
  const servers = childrenOf(child.pid).map((pid) => ({
    pid,
    rss: rssMb(pid),
    pss: pssMb(pid),
    cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'),
  }));
  const nodeServers = servers.filter((server) => server.cmd[0] === process.execPath);
  const serverRss = nodeServers.length ? Math.max(...nodeServers.map((server) => server.rss)) : Number.NaN;
  const serverPss = nodeServers.length ? Math.max(...nodeServers.map((server) => server.pss)) : Number.NaN;
  const tutorPss = pssMb(child.pid);
  console.log(
    `  lab http-basics RSS       tutor ${tutorRss.toFixed(1)} MB, ${nodeServers.length} Node lab server(s) up to ${serverRss.toFixed(1)} MB each (PSS: tutor ${tutorPss.toFixed(1)} MB, server ${serverPss.toFixed(1)} MB)`,
  );
  table.push([
    'tutor RSS, headless (`lab http-basics`: the engine without the UI)',
    `${tutorRss.toFixed(1)} MB (PSS ${tutorPss.toFixed(1)} MB)`,
    '',
    Number.NaN,
    '≤ 80 MB',
  ]);
  table.push([
    'each Node lab server RSS (http-basics, under `lab`)',
    `${serverRss.toFixed(1)} MB (PSS ${serverPss.toFixed(1)} MB)`,
    '',
    Number.NaN,
    '≤ 40 MB',
  ]);
}
const record = JSON.parse(readFileSync(join(workspace, '.labs', 'http-basics.json'), 'utf8'));
await fetch(`${ready.servers[0].url}/`);
const endpoint = [];
for (let i = 0; i < RUNS; i++) {
  endpoint.push(
    await timeAsync(async () => {
      const response = await fetch(`${record.control}/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${record.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ step: 'verbose-get' }),
      });
      await response.json();
    }),
  );
}
const command = median(
  Array.from({ length: RUNS }, () => time(() => cli('check', 'http-basics', 'verbose-get', '--json'))),
);
console.log(`  check (lab round trip)    ${ms(median(endpoint))}`);
console.log(`  check (whole command)     ${ms(command)}   (target < 100 ms)`);
await stopLab(child);
rmSync(workspace, { recursive: true, force: true });

// Each lesson's own benchmark against its real peer, when that lesson has one; some several times.
const BENCH_ARGS = {
  'bench-reverse-proxy.mjs': [['--connections', '16']],
  'bench-wsgi.mjs': [
    ['--connections', '16'],
    ['--connections', '8'],
    ['--connections', '16', '--close'],
    ['--connections', '8', '--close'],
  ],
};

/** Run a bench script, showing its output as it comes; resolves with that output. */
function runAndEcho(path, args) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('exit', () => resolve(out));
  });
}

/** Pick the figures out of a bench script's output. */
function collect(script, args, out) {
  const connections = args[args.indexOf('--connections') + 1];
  if (script === 'bench-reverse-proxy.mjs') {
    const m = /reverse-proxy rps: lab (\d+) nginx (\d+) ratio/.exec(out);
    if (m)
      table.push([
        `reverse proxy req/s / nginx-light (1 worker each, ${connections} connections)`,
        m[1],
        `nginx ${m[2]}`,
        m[1] / m[2],
        '≥ 0.5',
      ]);
  }
  if (script === 'bench-wsgi.mjs') {
    const m = /wsgi rps: lab (\d+) gunicorn (\d+) ratio/.exec(out);
    // CPU per request (user+system of each server's processes) moves much less with the machine's
    // load than req/s; the tutor's share (reading the lab's events) is said apart.
    const cpu = /wsgi cpu per request: lab (\d+) µs gunicorn (\d+) µs.*events: (\d+) µs/.exec(out);
    const how = args.includes('--close') ? 'Connection: close' : 'keep-alive';
    if (m)
      table.push([
        `WSGI req/s / Gunicorn sync (${connections} connections, ${how})`,
        cpu ? `${m[1]} (${cpu[1]} µs CPU a request, + ${cpu[3]} µs in the tutor)` : m[1],
        cpu ? `gunicorn ${m[2]} (${cpu[2]} µs)` : `gunicorn ${m[2]}`,
        m[1] / m[2],
        '≥ 1.2',
      ]);
  }
  if (script === 'bench-tui.mjs') {
    // The key's answer, not the first paint: see bench-tui.mjs. The peer is `node` starting and
    // printing a line in the same pty, as `node -e 0` is the scale.
    const frame = /first frame whose keys work\s+median ([\d.]+) ms/.exec(out);
    const node = /bare node start, same pty\s+median ([\d.]+) ms/.exec(out);
    const cpu = /its CPU time by then\s+median ([\d.]+) ms \(main thread ([\d.]+) ms/.exec(out);
    if (frame && node)
      table.push([
        'first frame whose keys work (`?` typed as the map appears, until its answer is drawn)',
        cpu ? `${frame[1]} ms (CPU ${cpu[1]} ms, ${cpu[2]} on the main thread)` : `${frame[1]} ms`,
        `node start ${node[1]} ms`,
        frame[1] / node[1],
        '≤ 2.5',
      ]);
    const tutor = /memory, http-basics open\s+tutor RSS ([\d.]+) MB \(PSS ([\d.]+) MB; peak RSS ([\d.]+) MB\)/.exec(
      out,
    );
    const server = /each Node lab server \(\d+\)\s+RSS ([\d.]+) MB \(PSS ([\d.]+) MB; peak RSS ([\d.]+) MB\)/.exec(out);
    if (tutor)
      table.push([
        'tutor RSS, the TUI with the http-basics lab open (in a pty)',
        `${tutor[1]} MB (PSS ${tutor[2]} MB; ${tutor[3]} MB at its peak while opening)`,
        '',
        Number.NaN,
        '≤ 80 MB',
      ]);
    if (server)
      table.push([
        'each Node lab server RSS (http-basics, opened in the TUI)',
        `${server[1]} MB (PSS ${server[2]} MB)`,
        '',
        Number.NaN,
        '≤ 40 MB',
      ]);
  }
}

// BENCH_LESSONS=0 stops here: the CLI figures only, in a few seconds.
for (const script of process.env.BENCH_LESSONS === '0'
  ? []
  : [
      'bench-tui.mjs',
      'bench-reverse-proxy.mjs',
      'bench-wsgi.mjs',
      'bench-asgi.mjs',
      'bench-sync-vs-async.mjs',
      'bench-fastcgi.mjs',
    ]) {
  const path = join(root, 'scripts', script);
  if (!existsSync(path)) continue;
  for (const args of BENCH_ARGS[script] ?? [[]]) {
    console.log('');
    const out = await runAndEcho(path, args);
    collect(script, args, out);
  }
}

console.log('');
console.log(`issue 14's figures (median of several runs each; ratio against the peer of the same run)`);
console.log('| figure | value | peer | ratio | target |');
console.log('| --- | --- | --- | --- | --- |');
for (const [figure, value, peer, ratio, target] of table)
  console.log(`| ${figure} | ${value} | ${peer} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} | ${target} |`);
