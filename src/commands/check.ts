// `gateway-tutor check LESSON [STEP]`: ask the running lab (in the TUI or `lab`, in any terminal)
// to judge a step against what it observed, and print the verdict.
import { callLab, findRunningLab } from '../engine/control.js';
import { EXIT } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { tutorCommand } from '../engine/tutor-command.js';
import type { CheckOutcome, LoadedLesson } from '../engine/types.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, paint, printJson } from './output.js';
import { noLabError, stepFor } from './steps.js';

export async function check(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'check');
  const stepId = args[1] ? stepFor(lesson, args[1]).id : undefined;
  const workspace = resolveWorkspace(values.workspace);
  const record = await findRunningLab(workspace, lesson.id);
  if (!record) throw noLabError(lesson, workspace, 'check against');
  const outcome = await callLab<CheckOutcome & { missing?: string[]; progressError?: string }>(record, '/check', {
    ...(stepId ? { step: stepId } : {}),
    ...(values.answer !== undefined ? { answer: values.answer } : {}),
  });
  if (values.json) {
    printJson({
      lesson: outcome.lesson,
      step: outcome.step,
      status: outcome.status,
      message: outcome.message,
      details: outcome.details,
    });
  } else {
    const title = lesson.steps.find((s) => s.id === outcome.step)?.title ?? outcome.step;
    const mark =
      outcome.status === 'pass'
        ? paint.green('✔ pass')
        : outcome.status === 'fail'
          ? paint.red('✘ not yet')
          : paint.yellow('! error');
    process.stdout.write(`${mark}  ${lesson.id} / ${outcome.step}: ${title}\n${outcome.message}\n`);
    for (const detail of outcome.details) process.stdout.write(`  ${detail}\n`);
    if (outcome.status === 'pass')
      process.stdout.write(paint.dim(`${await whatNext(lesson, workspace, outcome.step)}\n`));
  }
  if (outcome.missing?.length) return EXIT.missing;
  if (outcome.progressError) return EXIT.workspace; // passed, but not written down: say so
  return outcome.status === 'pass' ? EXIT.ok : EXIT.failed;
}

/** After a pass: the first step still open after the one just passed, else the first open one
 * before it (the lab recorded the pass before answering), or that the lesson is done. Never "the
 * last step" while steps are open, and not step 1 (a read step, "got it" only in the TUI) when
 * the learner is on step 4. */
export async function whatNext(lesson: LoadedLesson, workspace: string, passed?: string): Promise<string> {
  const progress = await Progress.open(workspace);
  const isOpen = (s: { id: string }) => !progress.isPassed(lesson.id, s.id);
  const from = lesson.steps.findIndex((s) => s.id === passed) + 1;
  const later = lesson.steps.findIndex((s, i) => i >= from && isOpen(s));
  const open = later >= 0 ? later : lesson.steps.findIndex(isOpen);
  const tutor = tutorCommand(workspace);
  if (open < 0) return `Every step of ${lesson.id} has passed: the lesson is done. \`${tutor} list\` shows the others.`;
  const step = lesson.steps[open]!;
  return `Next: step ${open + 1}, ${step.title} (\`${tutor} show ${lesson.id} ${open + 1}\`).`;
}
