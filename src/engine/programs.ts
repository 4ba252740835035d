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

export function resolvePath(path: string, lessonDir: string): string {
  if (path.startsWith('@servers/')) return join(serversDir, path.slice('@servers/'.length));
  return isAbsolute(path) ? path : join(lessonDir, path);
}

export function resolveProgram(program: Program, lessonDir: string, python: string): ResolvedProgram {
  const args = program.args ?? [];
  if ('node' in program) {
    const script = resolvePath(program.node, lessonDir);
    return { file: process.execPath, args: [script, ...args], ...missing(script) };
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
