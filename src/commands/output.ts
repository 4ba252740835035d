// Shared bits of the headless commands: finding the catalog and a lesson by id, and printing.
import { loadCatalog, type Catalog } from '../engine/catalog.js';
import { usageError } from '../engine/errors.js';
import type { LoadedLesson } from '../engine/types.js';
import type { CliValues } from '../cli.js';

export async function catalogFor(values: CliValues, only?: string): Promise<Catalog> {
  const catalog = await loadCatalog({
    ...(values.lessons ? { lessonsDir: values.lessons } : {}),
    ...(only ? { only } : {}),
  });
  for (const problem of catalog.problems) process.stderr.write(`warning: lesson left out: ${problem}\n`);
  return catalog;
}

/** The lesson named on the command line, loading only its folder; a usage error listing the valid
 * ids when there is no such lesson. */
export async function lessonFor(values: CliValues, id: string | undefined, command: string): Promise<LoadedLesson> {
  const lesson = id ? (await catalogFor(values, id)).find(id) : undefined;
  return lesson ?? lessonById(await catalogFor(values), id, command);
}

/** The lesson named on the command line, or a usage error listing the valid ids. */
export function lessonById(catalog: Catalog, id: string | undefined, command: string): LoadedLesson {
  const ids = catalog.lessons.map((lesson) => lesson.id).join(', ');
  if (!id)
    throw usageError(
      `${command} needs a lesson.`,
      `Lessons: ${ids}\nFor example: gateway-tutor ${command} ${catalog.lessons[0]?.id ?? 'http-basics'}`,
    );
  const lesson = catalog.find(id);
  if (!lesson) throw usageError(`There is no lesson "${id}".`, `Lessons: ${ids}`);
  return lesson;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const color = !process.env.NO_COLOR && process.stdout.isTTY === true;
export const paint = {
  enabled: color,
  green: (text: string) => (color ? `\x1b[32m${text}\x1b[39m` : text),
  red: (text: string) => (color ? `\x1b[31m${text}\x1b[39m` : text),
  yellow: (text: string) => (color ? `\x1b[33m${text}\x1b[39m` : text),
  dim: (text: string) => (color ? `\x1b[2m${text}\x1b[22m` : text),
  bold: (text: string) => (color ? `\x1b[1m${text}\x1b[22m` : text),
};
