// Errors meant for people: what happened, what the tutor expected, what to try. The CLI prints
// `message` and `hint` and exits with `exitCode`; it never shows a stack trace for these.
export class TutorError extends Error {
  constructor(
    message: string,
    readonly hint: string = '',
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'TutorError';
  }
}

/** Exit codes of the contract (4: the workspace cannot be written: read-only, full, no permission). */
export const EXIT = { ok: 0, failed: 1, usage: 2, missing: 3, workspace: 4 } as const;

export function usageError(message: string, hint = ''): TutorError {
  return new TutorError(message, hint, EXIT.usage);
}
