// `gateway-tutor list`: every lesson, its progress, and whether this machine can run it.
import { Progress } from '../engine/progress.js';
import { lessonAvailability } from '../engine/requirements.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { catalogFor, paint, printJson } from './output.js';

export async function list(values: CliValues, _args: string[]): Promise<number> {
  const catalog = await catalogFor(values);
  const progress = await Progress.open(resolveWorkspace(values.workspace));
  if (progress.warning) process.stderr.write(`warning: ${progress.warning}\n`);
  const rows = await Promise.all(
    catalog.lessons.map(async (lesson) => {
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
  for (const { lesson, availability, passed } of rows) {
    const state = !availability.available
      ? paint.yellow(`needs ${availability.missing.map((m) => m.id).join(', ')}`)
      : passed === lesson.steps.length
        ? paint.green('done')
        : passed > 0
          ? `${passed}/${lesson.steps.length} steps`
          : paint.dim(`${lesson.steps.length} steps`);
    process.stdout.write(
      `${String(lesson.order).padStart(2)}. ${lesson.id.padEnd(16)} ${lesson.title.padEnd(44)} ${state}\n`,
    );
  }
  return 0;
}
