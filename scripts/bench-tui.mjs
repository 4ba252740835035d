// Time to the first frame whose keys work: spawn the built CLI on a pseudo-terminal (util-linux
// `script`, or tmux where it is missing), press `?` the moment the lesson map's footer is on the
// terminal, and stop the clock when the help screen (the key's answer) is drawn. A frame drawn
// before the keys are live therefore earns nothing: the learner's key is answered when it is
// answered. The peer, in the same pty and the same run: a bare `node` that prints a line and
// answers one key in raw mode (and, for scale, `node -e 0`'s own start). Medians of several runs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.BENCH_TUI_BIN ?? join(root, 'bin', 'gateway-tutor.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const FRAME = 'Enter open'; // the map's footer: the frame is complete once it is on screen
const KEY = '?';
const ANSWER = 'choose a lesson'; // the help screen's first key line (`?` opens it)
// The peer: node's own start, one line, then one key answered, like the tutor's map.
const PEER = `process.stdin.setRawMode(true);process.stdout.write('ready\\n');process.stdin.once('data',()=>{process.stdout.write('got it\\n');process.exit(0)})`;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const has = (command) => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** CPU time (ms) the process `pid` has used so far, all its threads (V8's compiler and GC
 * helpers too) and its main thread alone, from /proc; undefined where /proc cannot say. On a
 * machine shared with other work this moves far less than the wall-clock figures. */
function cpuOf(pid) {
  try {
    const ms = (file) => Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6; // schedstat: ns on CPU
    let all = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) all += ms(`/proc/${pid}/task/${task}/schedstat`);
    return { all, main: ms(`/proc/${pid}/schedstat`) };
  } catch {
    return undefined;
  }
}

/** The process `script` runs the command in (its child; the shell execs the command). */
function childOf(pid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid)) return entry;
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** Milliseconds from spawning `argv` on a pty until `frame` is on it ({frame}), and, when `key`
 * is given, until `answer` appears after `key` was typed the moment the frame was seen ({answer}),
 * with the CPU time the command had used by then ({cpu}: at the answer, or at the frame). */
function viaScript(argv, env, { frame, key, answer }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.on('error', () => {}); // a program that exits by itself closes the pty first
    let seen = '';
    let framedAt;
    let answeredAt;
    let sentAt = 0; // where the output stood when the key was typed: the answer comes after it
    let cpu;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`no "${answeredAt === undefined && framedAt !== undefined ? answer : frame}" within 10 s:\n${seen}`),
      );
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      const text = stripVTControlCharacters(seen);
      if (framedAt === undefined && text.includes(frame)) {
        framedAt = performance.now() - started;
        if (!key) {
          cpu = cpuOf(childOf(child.pid));
          return child.stdin.end();
        }
        sentAt = text.length;
        child.stdin.write(key);
      }
      if (key && framedAt !== undefined && answeredAt === undefined && text.slice(sentAt).includes(answer)) {
        answeredAt = performance.now() - started;
        cpu = cpuOf(childOf(child.pid));
        child.stdin.end('\x03'); // Ctrl-C: quit
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (framedAt === undefined || (key && answeredAt === undefined))
        reject(new Error(`exited before "${framedAt === undefined ? frame : answer}":\n${seen}`));
      else resolve({ frame: framedAt, answer: answeredAt, cpu });
    });
  });
}

/** The same with tmux, polling the screen (coarser: each poll is a process). */
async function viaTmux(argv, env, { frame, key, answer }) {
  const socket = join(tmpdir(), `gt-bench-${process.pid}`);
  const tmux = (...args) => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env });
  const started = performance.now();
  const until = (text) => {
    for (;;) {
      if (tmux('capture-pane', '-p', '-t', 'b').includes(text)) return performance.now() - started;
      if (performance.now() - started > 10_000) throw new Error(`no "${text}" within 10 s`);
    }
  };
  tmux('new-session', '-d', '-s', 'b', '-x', '100', '-y', '30', argv.map((a) => `'${a}'`).join(' '));
  try {
    const framedAt = until(frame);
    if (!key) return { frame: framedAt };
    tmux('send-keys', '-t', 'b', '-l', key);
    return { frame: framedAt, answer: until(answer) };
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
  const keys = [];
  const peer = [];
  const bare = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const tutor = await measure([process.execPath, bin], env, { frame: FRAME, key: KEY, answer: ANSWER });
    map.push(tutor.frame);
    keys.push(tutor.answer);
    if (tutor.cpu) cpu.push(tutor.cpu);
    peer.push(
      (await measure([process.execPath, '-e', PEER], env, { frame: 'ready', key: 'x', answer: 'got it' })).answer,
    );
    bare.push((await measure([process.execPath, '-e', 'console.log("ready")'], env, { frame: 'ready' })).frame);
  }
  const fmt = (v) => `${v.toFixed(1)} ms`;
  console.log(
    `tui: first frame whose keys work     median ${fmt(median(keys))}  (${RUNS} runs, ${measure === viaScript ? 'script pty' : 'tmux'}; "${KEY}" typed as the map appears, until its answer is drawn; min ${fmt(Math.min(...keys))}, max ${fmt(Math.max(...keys))})`,
  );
  if (cpu.length > 0) {
    console.log(
      `     its CPU time by then            median ${fmt(median(cpu.map((c) => c.all)))} (main thread ${fmt(median(cpu.map((c) => c.main)))}; /proc, all threads)`,
    );
  }
  console.log(`     the lesson map first on screen  median ${fmt(median(map))}`);
  console.log(`     bare node, one key answered     median ${fmt(median(peer))}  (same pty)`);
  console.log(`     bare node start, same pty       median ${fmt(median(bare))}`);
  if (measure === viaScript && readdirSync('/proc').length > 0) await memory();
} finally {
  rmSync(workspace, { recursive: true, force: true });
}

/** The tutor's memory with the http-basics lesson open in a pty (its lab running), and each of its
 * lab servers', once the lab panel says the server is up. RSS
 * counts the node binary's pages that every Node process shares (about 35 MB); PSS shares them
 * out among the processes that map them, so it is what one more process costs. */
async function memory() {
  const status = (pid, field) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  const pss = (pid) => Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]) / 1024;
  const children = (pid) =>
    readdirSync('/proc').filter((entry) => {
      try {
        return (
          /^\d+$/.test(entry) &&
          readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid)
        );
      } catch {
        return false;
      }
    });
  const quoted = [process.execPath, bin, 'http-basics'].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${quoted}`, '/dev/null'], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let seen = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the http-basics lab was not up within 20 s:\n${seen}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString('utf8');
      if (/origin\s+http:\/\/127\.0\.0\.1:\d+\s+up/.test(stripVTControlCharacters(seen))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Sampled for 3 s: the figure is where it settles (the last sample); the peak comes while the
  // step text is first rendered and the lab's first events arrive.
  const peak = { tutor: { rss: 0, pss: 0 }, server: { rss: 0, pss: 0 } };
  const last = { tutor: { rss: 0, pss: 0 }, server: { rss: 0, pss: 0 } };
  let servers = 0;
  for (let i = 0; i < 30; i++) {
    const [tutor] = children(child.pid);
    const labServers = children(tutor).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(process.execPath),
    );
    servers = labServers.length;
    last.tutor = { rss: 0, pss: 0 };
    last.server = { rss: 0, pss: 0 };
    for (const [who, pid] of [['tutor', tutor], ...labServers.map((pid) => ['server', pid])]) {
      const now = { rss: status(pid, 'VmRSS'), pss: pss(pid) };
      peak[who] = { rss: Math.max(peak[who].rss, now.rss), pss: Math.max(peak[who].pss, now.pss) };
      last[who] = { rss: Math.max(last[who].rss, now.rss), pss: Math.max(last[who].pss, now.pss) };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.stdin.end('q');
  await new Promise((resolve) => child.on('exit', resolve));
  const mb = (v) => `${v.toFixed(1)} MB`;
  console.log(
    `tui: memory, http-basics open       tutor RSS ${mb(last.tutor.rss)} (PSS ${mb(last.tutor.pss)}; peak RSS ${mb(peak.tutor.rss)})`,
  );
  console.log(
    `     each Node lab server (${servers})      RSS ${mb(last.server.rss)} (PSS ${mb(last.server.pss)}; peak RSS ${mb(peak.server.rss)})`,
  );
}
