// Starting one script for one request: a new process, its own process group, the meta-variables
// as its whole environment, the request body on its stdin. When the request is over, the process
// is gone: that is CGI's defining cost, and its defining simplicity.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

/** Every script still running, so that none outlives the server (see killAll). */
const running = new Set();

/**
 * Start `file`. Resolves once the process exists (with `child`), or with the reason it could not
 * start (a missing interpreter, a file the kernel will not execute).
 * @param {{ file: string, env: Record<string, string>, args?: string[],
 *   onStderrLine?: (line: string, pid: number | undefined) => void }} options
 * @returns {Promise<{ ok: true, child: import('node:child_process').ChildProcessWithoutNullStreams, started: number }
 *   | { ok: false, reason: string }>}
 */
export function startScript({ file, env, args = [], onStderrLine }) {
  return new Promise((resolve) => {
    // detached: the script leads a process group of its own, so a timeout can stop it together
    // with anything it started (a `sleep` in a shell script), by signalling the group.
    // cwd: "the directory containing the script" (RFC 3875 §7.2).
    const child = spawn(file, args, { cwd: dirname(file), env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const started = performance.now();
    child.once('error', async (error) => resolve({ ok: false, reason: await whyNotStarted(file, error) }));
    child.once('spawn', () => {
      running.add(child);
      child.once('exit', () => running.delete(child));
      // stdin may be closed early by a script that never reads its body: that is allowed (§4.2).
      child.stdin.on('error', () => {});
      const lines = createInterface({ input: child.stderr, crlfDelay: Infinity });
      lines.on('line', (line) => onStderrLine?.(line.slice(0, 2000), child.pid));
      resolve({ ok: true, child, started });
    });
  });
}

/**
 * Stop a script and everything in its process group.
 * @param {import('node:child_process').ChildProcess} child
 */
export function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The server is stopping: no script may outlive it. Synchronous, so it also works in 'exit'. */
export function killAll() {
  for (const child of running) killGroup(child);
}

/** Turn a failed exec into a sentence: the file exists and has its run bit (that was checked),
 * so the usual culprit is the interpreter named on its first line. */
async function whyNotStarted(file, error) {
  let first = '';
  try {
    const head = await readFile(file, { encoding: 'latin1' }).then((text) => text.slice(0, 300));
    first = head.split('\n')[0] ?? '';
  } catch {
    /* say what we can */
  }
  if (error.code === 'ENOENT' && first.startsWith('#!')) {
    if (first.endsWith('\r')) {
      return `its first line "${first.slice(0, -1)}" ends with a carriage return (Windows line endings), so the kernel looks for an interpreter named "…\\r". Convert the file to LF line endings.`;
    }
    return `its #! line names an interpreter that does not exist: "${first.slice(2).trim()}"`;
  }
  if (error.code === 'ENOEXEC')
    return 'the kernel does not know how to run it: start it with a #! line such as #!/bin/sh';
  if (error.code === 'EACCES')
    return `permission denied when starting it (${first.startsWith('#!') ? `is ${first.slice(2).trim()} executable?` : 'no run bit?'})`;
  return `${error.code ?? 'error'}: ${error.message}`;
}
