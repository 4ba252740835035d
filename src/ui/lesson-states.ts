// What the lesson map says about each lesson, from the catalog, the requirement check and the
// progress file. Pure functions; the map only renders their answers.
import type { LoadedLesson } from '../engine/types.js';

export interface MapEntry {
  lesson: LoadedLesson;
  /** Undefined while the requirements are still being looked for (the map draws before that). */
  available: boolean | undefined;
  missing: { id: string; why: string }[];
}

/** The part of Progress the map reads. */
export interface MapProgress {
  passed(lessonId: string): string[];
  current(lessonId: string): string | undefined;
  lastLesson(): string | undefined;
  warning?: string;
}

export type LessonState = 'passed' | 'started' | 'new' | 'unavailable';

export function lessonState(entry: MapEntry, progress: MapProgress): LessonState {
  const { lesson } = entry;
  const passed = progress.passed(lesson.id).filter((id) => lesson.steps.some((s) => s.id === id));
  if (passed.length === lesson.steps.length && passed.length > 0) return 'passed';
  if (entry.available === false) return 'unavailable';
  return passed.length > 0 || progress.current(lesson.id) ? 'started' : 'new';
}

export function stateLabel(entry: MapEntry, progress: MapProgress): string {
  const state = lessonState(entry, progress);
  const steps = entry.lesson.steps.length;
  switch (state) {
    case 'passed':
      return 'passed';
    case 'started':
      return `started ${progress.passed(entry.lesson.id).length}/${steps}`;
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
