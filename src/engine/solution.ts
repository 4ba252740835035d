// A step's solution, shown when a learner asks for it after the hints. For an edit step it is the
// lesson's solution as a diff against the learner's own file: the step's solve() (what the walk
// test runs) writes it into a scratch copy of the workspace, so the learner's file is untouched.
// For an answer step, solve() finds this lab run's answer by running the shown commands. For a
// probe or drill step the solution is the commands themselves.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineDiff, type DiffLine } from './line-diff.js';
import type { LabHandle, SolveContext, Step } from './types.js';

export type Solution =
  | { kind: 'answer'; answer: string }
  | { kind: 'diff'; file: string; diff: DiffLine[] }
  | { kind: 'commands'; commands: string[] }
  | { kind: 'none'; why: string };

/** The real Lab can give a solve() its context; a LabHandle in tests may not. */
type Solvable = LabHandle & { solveContext?(stepId: string, env: Record<string, string>): SolveContext };

const SOLVE_DEADLINE_MS = 15_000;

export async function findSolution(lab: Solvable, step: Step, lessonWorkspace: string): Promise<Solution> {
  const commands = (step.commands ?? []).map((c) => lab.fill(c, 'command'));
  if (step.kind === 'edit' && step.watch && step.solve && lab.solveContext) {
    const scratch = await mkdtemp(join(tmpdir(), 'gt-solution-'));
    try {
      await cp(lessonWorkspace, scratch, { recursive: true }).catch(() => {});
      const ctx = sandboxed(lab.solveContext(step.id, env()), scratch);
      await withDeadline(step.solve(ctx)).catch(() => {}); // only the file it wrote matters
      const solution = await readFile(join(scratch, step.watch), 'utf8');
      const theirs = await readFile(join(lessonWorkspace, step.watch), 'utf8').catch(() => '');
      return { kind: 'diff', file: join(lessonWorkspace, step.watch), diff: lineDiff(theirs, solution) };
    } catch (error) {
      return { kind: 'none', why: `the solution file could not be made: ${(error as Error).message}` };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  if (step.kind === 'answer' && step.solve && lab.solveContext) {
    const ctx = lab.solveContext(step.id, env());
    const noControl = Object.assign(ctx, { control: async () => {} });
    try {
      const answer = await withDeadline(step.solve(noControl));
      if (typeof answer === 'string' && answer) return { kind: 'answer', answer };
    } catch (error) {
      return { kind: 'none', why: `finding the answer failed: ${(error as Error).message}` };
    }
    return { kind: 'none', why: 'the lesson has no way to find this answer for you' };
  }
  if (commands.length > 0) return { kind: 'commands', commands };
  return { kind: 'none', why: 'this step has nothing to solve: read it and go on' };
}

/** solve() writing into `scratch`, running nothing and stopping nothing. */
function sandboxed(ctx: SolveContext, scratch: string): SolveContext {
  return Object.assign(ctx, {
    workspace: scratch,
    run: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    control: async () => {},
  });
}

function env(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

function withDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('it took too long')), SOLVE_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
