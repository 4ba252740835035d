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
 * Node writes every environment string and file name as UTF-8 text, but the environment holds
 * bytes: PATH_INFO for /a%C3 is the lone byte c3, which no string Node writes as UTF-8 can give.
 * When a value (or the file name) is not UTF-8, /bin/sh sets it: it gets each such value as
 * octal escapes in GT_RAW_<NAME>, turns them into the bytes with printf %b (the "x" keeps a
 * last newline from being cut), enters the script's folder and execs it: the same process, pid.
 * (Only a failure to exec then shows up differently: as sh's exit code 126/127 and its message.)
 */
const SET_BYTES_AND_EXEC = [
  'for name in $GT_RAW_NAMES; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh's ${...}, not a template
  '  eval "value=\\$GT_RAW_$name"; value=$(printf "%bx" "$value"); export "$name=${value%x}"; unset "GT_RAW_$name"',
  'done',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh's ${...}, not a template
  'file=$(printf "%bx" "$GT_RAW_FILE"); file=${file%x}; unset GT_RAW_NAMES GT_RAW_FILE',
  // (cd makes sh export PWD and OLDPWD: gone again, so the environment is the request's alone.)
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh's ${...}, not a template
  'cd "${file%/*}" && unset PWD OLDPWD && exec "$file" "$@"',
].join('\n');

/** A byte string (one character a byte) as Node will write it: UTF-8 text, when its bytes are UTF-8. */
function asText(/** @type {string} */ byteString) {
  const bytes = Buffer.from(byteString, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** Every byte as a \0NNN escape, which sh's printf %b turns back into that byte. */
const octal = (/** @type {string} */ byteString) =>
  [...Buffer.from(byteString, 'latin1')].map((byte) => `\\0${byte.toString(8).padStart(3, '0')}`).join('');

/**
 * How to start `file` with `env`, both byte strings: directly when all of it is UTF-8 (nearly
 * always), else through SET_BYTES_AND_EXEC.
 * @param {string} file @param {Record<string, string>} env @param {string[]} args
 */
export function command(file, env, args) {
  /** @type {Record<string, string>} */
  const textEnv = {};
  const raw = [];
  for (const [name, value] of Object.entries(env)) {
    const text = asText(value);
    if (text !== undefined) textEnv[name] = text;
    // sh evaluates the names of GT_RAW_NAMES (eval): only plain names may get there. Every
    // meta-variable's name is one (meta-variables.mjs leaves out headers whose names are not).
    else if (/^[A-Z][A-Z0-9_]*$/.test(name)) raw.push(name);
  }
  const textFile = asText(file);
  if (raw.length === 0 && textFile !== undefined) {
    return { program: textFile, args, env: textEnv, cwd: dirname(textFile) };
  }
  for (const name of raw) textEnv[`GT_RAW_${name}`] = octal(env[name]);
  textEnv.GT_RAW_NAMES = raw.join(' ');
  textEnv.GT_RAW_FILE = octal(file);
  return { program: '/bin/sh', args: ['-c', SET_BYTES_AND_EXEC, 'cgi-script', ...args], env: textEnv, cwd: '/' };
}

/**
 * Start `file`. Resolves once the process exists (with `child`), or with the reason it could not
 * start (a missing interpreter, a file the kernel will not execute). `file` and the values of
 * `env` are byte strings: the script gets exactly those bytes.
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
    const run = command(file, env, args);
    const child = spawn(run.program, run.args, {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
    const head = await readFile(Buffer.from(file, 'latin1'), { encoding: 'latin1' }).then((text) => text.slice(0, 300));
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
