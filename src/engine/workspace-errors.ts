// The learner's machine saying no: a read-only or full disk, a folder where a file should be, no
// permission. These are not bugs in the tutor, so they never show a stack trace: they become a
// TutorError that says what happened to which file and what to do, with exit code 4
// (EXIT.workspace, documented in --help and the README).
import { dirname } from 'node:path';
import { EXIT, TutorError } from './errors.js';

const CAUSES: Record<string, (path: string) => [string, string]> = {
  EROFS: (path) => [
    `${dirname(path)} is on a read-only file system`,
    'Use a folder you can write to: --workspace DIR (or GATEWAY_TUTOR_WORKSPACE=DIR).',
  ],
  EACCES: (path) => [
    `you do not have permission to write ${path}`,
    `Give yourself write access (ls -ld ${dirname(path)}), or use another folder with --workspace DIR.`,
  ],
  ENOSPC: () => ['the disk is full', 'Free some space (df -h shows where), then try again.'],
  EDQUOT: () => ['your disk quota is used up', 'Free some space, then try again.'],
  EISDIR: (path) => [
    `${path} is a folder, where the tutor keeps a file`,
    `Move that folder aside (mv ${path} ${path}.aside), then try again.`,
  ],
  ENOTDIR: (path) => [
    `a file stands where the tutor needs a folder, on the way to ${path}`,
    'Move that file aside, or use another folder with --workspace DIR.',
  ],
};
CAUSES.EPERM = CAUSES.EACCES!;
// mkdir on a path that is a file (--workspace naming a file): the same mistake as ENOTDIR, one level up.
CAUSES.EEXIST = (path) => [
  `${path} is a file, where the tutor needs a folder`,
  'Move that file aside, or use another folder with --workspace DIR.',
];

/** The codes that mean "the workspace cannot be written", not "the tutor has a bug". */
export function isWorkspaceProblem(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in CAUSES;
}

/**
 * A TutorError for a failed file operation, or the error unchanged when it is not one of the
 * machine's refusals above. `what` says what was being done: "Your progress could not be saved".
 */
export function workspaceError(error: unknown, what: string, path?: string): unknown {
  if (!isWorkspaceProblem(error)) return error;
  const where = path ?? error.path ?? 'the workspace';
  const [cause, hint] = CAUSES[error.code!]!(where);
  return new TutorError(`${what}: ${cause}.`, hint, EXIT.workspace);
}
