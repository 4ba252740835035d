// Time to the first frame of the lesson map: spawn the built CLI on a pseudo-terminal (util-linux
// `script`, or tmux where it is missing), and stop the clock when the map's footer arrives on the
// terminal. Prints the median of several runs, next to a bare `node` start for scale.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'gateway-tutor.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const FRAME = 'Enter open'; // the map's footer: the frame is complete once it is on screen

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const has = (command) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Milliseconds from spawning `argv` on a pty until `text` appears in what it writes (and until
 * Ink's first frame, which ends its synchronized update, if `ink` is given). */
function viaScript(argv, env, text, ink) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.on('error', () => {}); // a program that exits by itself (node -e) closes the pty first
    let seen = '';
    let elapsed;
    let inkAt;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${text}" within 10 s:\n${seen}`));
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (elapsed === undefined && stripVTControlCharacters(seen).includes(text)) elapsed = performance.now() - started;
      if (inkAt === undefined && seen.includes('\x1b[?2026l')) inkAt = performance.now() - started;
      if (elapsed !== undefined && (!ink || inkAt !== undefined) && !child.stdin.writableEnded) {
        if (ink) ink.push(inkAt);
        child.stdin.end('q');
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (elapsed === undefined) reject(new Error(`exited before "${text}":\n${seen}`));
      else resolve(elapsed);
    });
  });
}

/** The same with tmux, polling the screen (coarser: each poll is a process). */
async function viaTmux(argv, env, text) {
  const socket = join(tmpdir(), `gt-bench-${process.pid}`);
  const tmux = (...args) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env });
  const started = performance.now();
  tmux('new-session', '-d', '-s', 'b', '-x', '100', '-y', '30', argv.map((a) => `'${a}'`).join(' '));
  try {
    for (;;) {
      if (tmux('capture-pane', '-p', '-t', 'b').includes(text)) return performance.now() - started;
      if (performance.now() - started > 10_000) throw new Error(`no "${text}" within 10 s`);
    }
  } finally {
    tmux('kill-server');
    rmSync(socket, { force: true });
  }
}

const workspace = mkdtempSync(join(tmpdir(), 'gt-bench-tui-'));
const env = { ...process.env, GATEWAY_TUTOR_WORKSPACE: workspace, TERM: 'xterm-256color' };
const measure = has('script') ? viaScript : viaTmux;
try {
  const map = [];
  const node = [];
  const ink = [];
  for (let i = 0; i < RUNS; i++) {
    map.push(await measure([process.execPath, bin], env, FRAME, measure === viaScript ? ink : undefined));
    node.push(await measure([process.execPath, '-e', 'console.log("ready")'], env, 'ready'));
  }
  const fmt = (v) => `${v.toFixed(1)} ms`;
  console.log(
    `tui: first frame of the lesson map  median ${fmt(median(map))}  (${RUNS} runs, ${measure === viaScript ? 'script pty' : 'tmux'}; min ${fmt(Math.min(...map))}, max ${fmt(Math.max(...map))})`,
  );
  if (ink.length) console.log(`     Ink's first frame (keys live)   median ${fmt(median(ink))}`);
  console.log(`     bare node start, same pty       median ${fmt(median(node))}`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
