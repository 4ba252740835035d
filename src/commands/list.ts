// `gateway-tutor list`: every lesson, its progress, and whether this machine can run it.
import stringWidth from 'string-width';
import { Progress } from '../engine/progress.js';
import { lessonAvailability, startProbes } from '../engine/requirements.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { listedLessons } from './lesson-cards.js';
import { paint, printJson } from './output.js';

export async function list(values: CliValues, _args: string[]): Promise<number> {
  startProbes('list'); // python3, curl… answer while the lessons load (cli.ts started them already)
  const lessons = await listedLessons(values);
  const progress = await Progress.open(resolveWorkspace(values.workspace));
  if (progress.warning) process.stderr.write(`warning: ${progress.warning}\n`);
  const rows = await Promise.all(
    lessons.map(async (lesson) => {
      const availability = await lessonAvailability(lesson);
      const passed = progress.passed(lesson.id).filter((id) => lesson.steps.some((s) => s.id === id)).length;
      return { lesson, availability, passed };
    }),
  );
  if (values.json) {
    printJson(
      rows.map(({ lesson, availability, passed }) => ({
        id: lesson.id,
        title: lesson.title,
        steps: lesson.steps.length,
        passed,
        requires: lesson.requires,
        available: availability.available,
        ...(availability.missing.length ? { missing: availability.missing } : {}),
      })),
    );
    return 0;
  }
  const idWidth = Math.max(...rows.map((r) => stringWidth(r.lesson.id)));
  const titleWidth = Math.max(...rows.map((r) => stringWidth(r.lesson.title)));
  for (const { lesson, availability, passed } of rows) {
    const helped = lesson.steps.filter((s) => progress.isHelped(lesson.id, s.id)).length;
    const count = `${passed}/${lesson.steps.length} passed${helped ? ` (${helped} with help)` : ''}`;
    const state =
      passed === lesson.steps.length ? paint.green(`${count}, done`) : passed > 0 ? count : paint.dim(count);
    process.stdout.write(
      `${String(lesson.order).padStart(2)}. ${pad(lesson.id, idWidth)}  ${pad(lesson.title, titleWidth)}  ${state}\n`,
    );
    if (!availability.available)
      for (const missing of availability.missing)
        process.stdout.write(`    ${paint.yellow(`cannot run here: needs ${missing.id}`)} (${missing.why})\n`);
  }
  const steps = rows.reduce((n, r) => n + r.lesson.steps.length, 0);
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const done = rows.filter((r) => r.passed === r.lesson.steps.length).length;
  process.stdout.write(paint.dim(`${done}/${rows.length} lessons done, ${passed}/${steps} steps passed.\n`));
  return 0;
}

/** `text` padded to `width` terminal columns. */
function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}
