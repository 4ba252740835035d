// Runs one step's check against what the lab observed. A check that passes or fails is the
// learner's result; a check that throws or hangs is the tutor's own fault, and says so.
import { crashNotes } from './check-helpers.js';
import { checkRequirement } from './requirements.js';
import type { CheckContext, CheckOutcome, CheckResult, SolveContext, Step } from './types.js';

const DEFAULT_TIMEOUT_MS = 5000;

export interface StepOutcome extends CheckOutcome {
  /** Requirements the step needs and this machine lacks (the step is skipped, not failed). */
  missing?: string[];
}

export async function runCheck(step: Step, context: Omit<CheckContext, 'signal'>): Promise<StepOutcome> {
  const base = { lesson: context.lesson, step: step.id };
  const missing = await missingRequirements(step);
  if (missing.length > 0) {
    return {
      ...base,
      status: 'fail',
      message: `This step needs what this machine does not have, so it is skipped.`,
      details: missing,
      missing,
    };
  }
  if (step.kind === 'read' || !step.check) {
    return { ...base, status: 'pass', message: 'Read: on to the next step.', details: [] };
  }
  if (step.kind === 'answer' && !context.answer) {
    return {
      ...base,
      status: 'fail',
      message: 'This step wants an answer: type it in, or pass it with --answer TEXT.',
      details: [],
    };
  }
  const timeoutMs = step.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    // Object.assign keeps the context's live getters (events, servers) live.
    const result = await Promise.race([step.check(Object.assign(context, { signal: controller.signal })), timeout]);
    if (result === 'timeout') {
      return {
        ...base,
        status: 'error',
        message: `The tutor's check for this step took longer than ${timeoutMs} ms and was stopped. This is the tutor's fault, not yours; try the check again.`,
        details: [],
      };
    }
    const crashes = result.status === 'fail' ? crashNotes(context.events) : [];
    if (crashes.length > 0) {
      // The server that should have seen the request died: that is the news, not "not seen yet".
      const said = crashes.map((note) => `${note[0]!.toUpperCase()}${note.slice(1)}.`).join(' ');
      return {
        ...base,
        status: 'fail',
        message: `${said} What it was handling then was lost: try the step again.`,
        details: [result.message, ...describe(result)],
      };
    }
    return { ...base, status: result.status, message: result.message, details: describe(result) };
  } catch (error) {
    return {
      ...base,
      status: 'error',
      message: `The tutor's check for this step failed with an error of its own (not your mistake): ${(error as Error)?.message ?? String(error)}`,
      details: [],
    };
  } finally {
    clearTimeout(timer);
  }
}

function describe(result: CheckResult): string[] {
  const details: string[] = [];
  if (result.saw !== undefined) details.push(`The lab saw: ${result.saw}`);
  if (result.expected !== undefined) details.push(`Expected: ${result.expected}`);
  return [...details, ...(result.details ?? [])];
}

export async function missingRequirements(step: Step): Promise<string[]> {
  if (!step.requires?.length) return [];
  const statuses = await Promise.all(step.requires.map(checkRequirement));
  return statuses.filter((s) => !s.ok).map((s) => `${s.id}: ${s.detail}`);
}

/** Run a shown command in a shell, as a learner would type it. */
export async function runShown(
  command: string,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): ReturnType<SolveContext['run']> {
  // Loaded on first use: only the walk test and solutions run shown commands.
  const { execa } = await import('execa');
  const result = await execa(command, {
    shell: '/bin/sh',
    reject: false,
    timeout: options.timeoutMs ?? 30000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env ?? {},
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
