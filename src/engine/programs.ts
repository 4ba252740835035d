// Turns a ServerSpec's program ({ node: … } / { python: … } / { command: … }) into the command line
// to spawn. Paths are relative to the lesson folder; `@servers/` is the tutor's shared servers folder.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { serversDir } from './paths.js';
import type { Program } from './types.js';

export interface ResolvedProgram {
  file: string;
  args: string[];
  /** Set when the program file does not exist. */
  problem?: string;
}

/** V8 flags for Node lab servers.
 * - `--max-semi-space-size=2`: Node 20 lets a process's young generation grow to 16 MB per
 *   semi-space, and a lab server under a learner's load test keeps what it grew: about 96 MB RSS
 *   after 5 s of wrk on the reverse proxy, 80 MB with 2 MB semi-spaces, at the same requests/s
 *   and CPU per request (measured side by side; README, Performance). An idle server is
 *   unchanged (45 MB, most of it the node binary's shared pages).
 * - `--single-threaded-gc`: a lab under load has every core busy (the load tool, the proxy, its
 *   backends, the tutor), and a server collects its young generation about a hundred times a
 *   second. V8 does each collection with helper threads, and waking them (a futex and a context
 *   switch on the other core, every time) cost more than the work they shared: the reverse proxy
 *   spent 4–9 µs less CPU a request without them (README, Performance, issue 14). */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--single-threaded-gc'];

export function resolvePath(path: string, lessonDir: string): string {
  if (path.startsWith('@servers/')) return join(serversDir, path.slice('@servers/'.length));
  return isAbsolute(path) ? path : join(lessonDir, path);
}

export function resolveProgram(program: Program, lessonDir: string, python: string): ResolvedProgram {
  const args = program.args ?? [];
  if ('node' in program) {
    const script = resolvePath(program.node, lessonDir);
    return { file: process.execPath, args: [...NODE_FLAGS, script, ...args], ...missing(script) };
  }
  if ('python' in program) {
    const script = resolvePath(program.python, lessonDir);
    // -u: unbuffered, so the lab log shows lines as they are printed.
    return { file: python, args: ['-u', script, ...args], ...missing(script) };
  }
  return { file: program.command, args };
}

function missing(script: string): { problem?: string } {
  return existsSync(script) ? {} : { problem: `program ${script} does not exist` };
}
