// The source of a lab server's program, for the TUI's source view: learners read the proxy or the
// WSGI worker a lesson is about from wherever the tutor is installed (src/servers in a checkout,
// dist/servers in the package), never from a path in the repository.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { resolvePath } from './programs.js';
import type { LoadedLesson } from './types.js';

export interface ServerSource {
  server: string;
  /** Where the file is on this machine. */
  path: string;
  /** The file's text, or why it could not be read. */
  text: string;
  ok: boolean;
}

export function serverSource(lesson: LoadedLesson, server: string): ServerSource {
  const spec = lesson.servers.find((s) => s.name === server);
  if (!spec) return { server, path: '', text: `The ${lesson.id} lab has no server "${server}".`, ok: false };
  const program = spec.program;
  if ('command' in program)
    return {
      server,
      path: program.command,
      text: `${server} runs ${basename(program.command)}, a program installed on this machine, not one of the tutor's: its source is not shipped here.`,
      ok: false,
    };
  const path = resolvePath('node' in program ? program.node : program.python, lesson.dir);
  try {
    return { server, path, text: readFileSync(path, 'utf8'), ok: true };
  } catch (error) {
    return { server, path, text: `Could not read ${path}: ${(error as Error).message}`, ok: false };
  }
}
