#!/usr/bin/env node
// The table the sync-vs-async lesson teaches, measured: the lesson's lab (started by the tutor's
// own `lab` command, so by the engine's Lab), then `gateway-tutor bench` on GET /db (100 ms of
// waiting) of each server at the same concurrency, a few rounds each; medians, and each server's
// requests/s as a ratio of the one-worker server's, all from this one run.
//   node scripts/bench-sync-vs-async.mjs [--connections 10] [--seconds 2] [--rounds 3]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'gateway-tutor.js');
const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
  },
});
const workspace = mkdtempSync(join(tmpdir(), 'gt-bench-sva-'));
const env = { ...process.env, GATEWAY_TUTOR_WORKSPACE: workspace, NO_COLOR: '1' };

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

/** `lab sync-vs-async --json` until its ready line; null when the lesson cannot run here. */
function startLab() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'lab', 'sync-vs-async', '--json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ child: null, why: `lab exited with ${code}: ${stderr.trim()}` }));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event === 'ready') resolve({ child, ready: event });
    });
  });
}

const { child, ready, why } = await startLab();
if (!child) {
  console.log(`sync-vs-async: skipped (${why})`);
  process.exit(0);
}
child.removeAllListeners('exit'); // the start is over: from now on an exit is the stop we ask for
const stopped = new Promise((resolve) => child.on('exit', resolve));

const rows = [];
try {
  for (const server of ready.servers) {
    const rates = [];
    const p95s = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const args = ['bench', `${server.url}/db`, '-c', values.connections, '-d', values.seconds, '--json'];
      const { stdout } = await run(process.execPath, [bin, ...args], { env });
      const report = JSON.parse(stdout);
      rates.push(report.requestsPerSecond);
      p95s.push(report.latencyMs.p95);
    }
    rows.push({ name: server.name, role: server.role, rps: median(rates), p95: median(p95s) });
  }
} finally {
  child.kill('SIGTERM');
  await stopped;
  rmSync(workspace, { recursive: true, force: true });
}

const base = rows.find((r) => r.name === 'sync-1')?.rps ?? rows[0].rps;
console.log(
  `sync-vs-async: GET /db (waits 100 ms), ${values.connections} connections, ${values.seconds} s × ` +
    `${values.rounds} rounds per server, medians`,
);
console.log(
  `  ${'server'.padEnd(9)}${'what'.padEnd(36)}${'req/s'.padStart(8)}${'p95 ms'.padStart(9)}${'× sync-1'.padStart(10)}`,
);
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(9)}${r.role.padEnd(36)}${r.rps.toFixed(1).padStart(8)}${Math.round(r.p95)
      .toString()
      .padStart(9)}${(r.rps / base).toFixed(2).padStart(10)}`,
  );
}
