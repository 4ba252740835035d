// The lesson map's cards. The tutor's own lessons come with an index (dist/lessons/index.json,
// written by scripts/build.mjs from the lesson.js files beside it): the map is drawn from it, and
// a lesson is loaded whole only when it is opened. Importing all nine lesson modules and reading
// their 72 step files took about 30 ms of CPU before the first frame. A --lessons pack, or the
// tutor run from source, has no index: its cards are the catalog's lessons themselves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../engine/catalog.js';
import { builtinLessonsDir } from '../engine/paths.js';
import type { LoadedLesson } from '../engine/types.js';
import type { LessonCard } from '../ui/lesson-states.js';
import type { CliValues } from '../cli.js';
import { catalogFor } from './output.js';

/** The index's file name in the built lessons folder (scripts/build.mjs writes it). */
export const LESSON_INDEX = 'index.json';

export interface LessonCards {
  cards: LessonCard[];
  /** The whole lesson of a card, for its lab. */
  load(card: LessonCard): Promise<LoadedLesson>;
}

export async function lessonCards(lessonsDir?: string): Promise<LessonCards> {
  const indexed = lessonsDir === undefined ? await readIndex(builtinLessonsDir) : undefined;
  if (indexed) return { cards: indexed, load: (card) => loadOne(card.id) };
  const catalog = await loadCatalog(lessonsDir ? { lessonsDir } : {});
  return { cards: catalog.lessons, load: async (card) => catalog.find(card.id) ?? loadOne(card.id, lessonsDir) };
}

/** What list and doctor show of each lesson: the built lessons' index, which has every field they
 * read, so they do not import nine lesson modules and their 72 step files (about 38 ms of CPU on a
 * first run); a --lessons pack, or a run from source, loads the catalog. Here, not in list.ts, so
 * that doctor does not load what only list uses (string-width, progress). */
export async function listedLessons(values: CliValues): Promise<readonly LessonCard[]> {
  const indexed = values.lessons ? undefined : await readIndex(builtinLessonsDir);
  return indexed ?? (await catalogFor(values)).lessons;
}

async function loadOne(id: string, lessonsDir?: string): Promise<LoadedLesson> {
  const catalog = await loadCatalog({ ...(lessonsDir ? { lessonsDir } : {}), only: id });
  const lesson = catalog.find(id);
  if (!lesson) {
    throw new Error(`The lesson "${id}" could not be loaded.${catalog.problems.map((p) => `\n${p}`).join('')}`);
  }
  return lesson;
}

/** The cards of the index in `dir`, or undefined when there is none (run from source) or it is not one. */
export async function readIndex(dir: string): Promise<LessonCard[] | undefined> {
  let index: unknown;
  try {
    // Synchronously: a 4 KB file, and four round trips through libuv's thread pool were slower,
    // more so while list's probes hold both cores.
    index = JSON.parse(readFileSync(join(dir, LESSON_INDEX), 'utf8'));
  } catch {
    return undefined;
  }
  const lessons = (index as { lessons?: unknown } | null)?.lessons;
  return Array.isArray(lessons) && lessons.every(isCard) ? lessons : undefined;
}

const strings = (value: unknown) =>
  value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

function isCard(value: unknown): value is LessonCard {
  const card = value as Partial<Record<keyof LessonCard, unknown>>;
  return (
    typeof card === 'object' &&
    card !== null &&
    ['id', 'title', 'summary', 'layer'].every((key) => typeof card[key as keyof LessonCard] === 'string') &&
    typeof card.order === 'number' &&
    strings(card.requires) &&
    Array.isArray(card.steps) &&
    card.steps.every((s: { id?: unknown; requires?: unknown }) => typeof s?.id === 'string' && strings(s.requires)) &&
    Array.isArray(card.servers) &&
    card.servers.every(
      (s: { name?: unknown; port?: unknown; extraPorts?: unknown; requires?: unknown }) =>
        typeof s === 'object' &&
        s !== null &&
        typeof s.name === 'string' &&
        typeof s.port === 'number' &&
        (s.extraPorts === undefined ||
          (typeof s.extraPorts === 'object' &&
            s.extraPorts !== null &&
            Object.values(s.extraPorts).every((port) => typeof port === 'number'))) &&
        strings(s.requires),
    )
  );
}
