// What the lesson map says about each lesson, from the catalog, the requirement check and the
// progress file. Pure functions; the map only renders their answers.
import type { LoadedLesson } from '../engine/types.js';

/** What the map shows of a lesson and what its requirement check reads. A LoadedLesson is one;
 * so is an entry of the built lessons' index (dist/lessons/index.json), which the tutor reads
 * instead of loading every lesson before its first frame. Opening a lesson loads the whole of it. */
export type LessonCard = Pick<LoadedLesson, 'id' | 'order' | 'title' | 'summary' | 'layer' | 'requires'> & {
  steps: readonly Pick<LoadedLesson['steps'][number], 'id' | 'requires'>[];
  servers: readonly Pick<LoadedLesson['servers'][number], 'name' | 'port' | 'extraPorts' | 'requires'>[];
};

export interface MapEntry {
  lesson: LessonCard;
  /** Undefined while the requirements are still being looked for (the map draws before that). */
  available: boolean | undefined;
  missing: { id: string; why: string }[];
  /** Steps this machine must skip (a step's own requirement is missing): they count as done. */
  skipped?: string[];
}

/** The part of Progress the map reads. */
export interface MapProgress {
  passed(lessonId: string): string[];
  current(lessonId: string): string | undefined;
  lastLesson(): string | undefined;
  warning?: string;
}

export type LessonState = 'passed' | 'started' | 'new' | 'unavailable';

/** Steps passed, and steps skipped here, of this lesson. */
function stepsDone(entry: MapEntry, progress: MapProgress): { passed: number; skipped: number } {
  const passed = new Set(progress.passed(entry.lesson.id));
  const steps = entry.lesson.steps;
  return {
    passed: steps.filter((s) => passed.has(s.id)).length,
    skipped: steps.filter((s) => !passed.has(s.id) && entry.skipped?.includes(s.id)).length,
  };
}

/** "3/9 lessons, 31/70 steps": skipped steps count toward neither total. */
export function overallProgress(entries: MapEntry[], progress: MapProgress): string {
  let steps = 0;
  let passed = 0;
  for (const entry of entries) {
    const done = stepsDone(entry, progress);
    steps += entry.lesson.steps.length - done.skipped;
    passed += done.passed;
  }
  const lessons = entries.filter((e) => lessonState(e, progress) === 'passed').length;
  return `${lessons}/${entries.length} lessons, ${passed}/${steps} steps`;
}

export function lessonState(entry: MapEntry, progress: MapProgress): LessonState {
  const { lesson } = entry;
  const done = stepsDone(entry, progress);
  if (done.passed > 0 && done.passed + done.skipped === lesson.steps.length) return 'passed';
  if (entry.available === false) return 'unavailable';
  return done.passed > 0 || progress.current(lesson.id) ? 'started' : 'new';
}

export function stateLabel(entry: MapEntry, progress: MapProgress): string {
  const state = lessonState(entry, progress);
  const steps = entry.lesson.steps.length;
  switch (state) {
    case 'passed': {
      const { skipped } = stepsDone(entry, progress);
      return skipped > 0 ? `passed (${skipped} skipped here)` : 'passed';
    }
    case 'started':
      return `started ${stepsDone(entry, progress).passed}/${steps}`;
    case 'new':
      return `new · ${steps} steps`;
    case 'unavailable':
      return entry.missing.map((m) => m.why).join('; ') || 'unavailable';
  }
}

/** The lesson to come after `lessonId`: the next available one not yet passed. */
export function nextLesson(entries: MapEntry[], progress: MapProgress, lessonId: string): MapEntry | undefined {
  const from = entries.findIndex((e) => e.lesson.id === lessonId);
  return entries.slice(from + 1).find((e) => e.available !== false && lessonState(e, progress) !== 'passed');
}

/** Where the map's selection starts: the lesson left off, or the one after it once it is done. */
export function resumeIndex(entries: MapEntry[], progress: MapProgress, preferred?: string): number {
  const id = preferred ?? progress.lastLesson();
  const at = entries.findIndex((e) => e.lesson.id === id);
  if (at < 0)
    return Math.max(
      0,
      entries.findIndex((e) => lessonState(e, progress) !== 'passed'),
    );
  if (lessonState(entries[at]!, progress) !== 'passed') return at;
  const next = nextLesson(entries, progress, id!);
  return next ? entries.indexOf(next) : at;
}
