// `npm run bench`: medians of what a learner waits for (the CLI starting, a lab getting ready, a
// check answering), then each lesson's own benchmark against its real peer, measured in the same
// run. Numbers, not guesses; the tests never assert on time.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'gateway-tutor.js');
const workspace = mkdtempSync(join(tmpdir(), 'gt-bench-'));
const env = { ...process.env, GATEWAY_TUTOR_WORKSPACE: workspace, NO_COLOR: '1' };
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

const version = median(Array.from({ length: RUNS }, () => time(() => cli('--version'))));
console.log(`  --version                 ${ms(version)}`);
const list = median(Array.from({ length: RUNS }, () => time(() => cli('list'))));
console.log(`  list                      ${ms(list)}`);

const readyTimes = [];
for (let i = 0; i < RUNS; i++) {
  const { child, ms: took } = await startLab('http-basics');
  readyTimes.push(took);
  await stopLab(child);
}
console.log(`  lab http-basics ready     ${ms(median(readyTimes))}   (command start to ready line; target < 300 ms)`);

const { child, ready } = await startLab('http-basics');
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

// Each lesson's own benchmark against its real peer, when that lesson has one.
for (const script of [
  'bench-tui.mjs',
  'bench-reverse-proxy.mjs',
  'bench-wsgi.mjs',
  'bench-asgi.mjs',
  'bench-sync-vs-async.mjs',
  'bench-fastcgi.mjs',
]) {
  const path = join(root, 'scripts', script);
  if (!existsSync(path)) continue;
  console.log('');
  await new Promise((resolve) => spawn(process.execPath, [path], { stdio: 'inherit' }).on('exit', resolve));
}
