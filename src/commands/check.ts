// `gateway-tutor check LESSON [STEP]`: ask the running lab (in the TUI or `lab`, in any terminal)
// to judge a step against what it observed, and print the verdict.
import { callLab, findRunningLab } from '../engine/control.js';
import { EXIT, usageError } from '../engine/errors.js';
import type { CheckOutcome } from '../engine/types.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, paint, printJson } from './output.js';

export async function check(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'check');
  const stepId = args[1];
  if (stepId && !lesson.steps.some((step) => step.id === stepId)) {
    throw usageError(
      `The ${lesson.id} lesson has no step "${stepId}".`,
      `Its steps: ${lesson.steps.map((s) => s.id).join(', ')}`,
    );
  }
  const record = await findRunningLab(resolveWorkspace(values.workspace), lesson.id);
  if (!record) {
    throw usageError(
      `No lab is running for ${lesson.id}, so there is nothing to check against.`,
      `Start it in another terminal with \`gateway-tutor lab ${lesson.id}\` (or open the lesson in the tutor: \`gateway-tutor ${lesson.id}\`), then run this again.`,
    );
  }
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
    if (outcome.status === 'pass') {
      const next = lesson.steps[lesson.steps.findIndex((s) => s.id === outcome.step) + 1];
      process.stdout.write(
        next ? paint.dim(`Next: ${next.id} (${next.title})\n`) : paint.dim('That was the last step of this lesson.\n'),
      );
    }
  }
  if (outcome.missing?.length) return EXIT.missing;
  if (outcome.progressError) return EXIT.workspace; // passed, but not written down: say so
  return outcome.status === 'pass' ? EXIT.ok : EXIT.failed;
}
