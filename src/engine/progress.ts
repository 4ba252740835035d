// What the learner has passed, kept in <workspace>/progress.json. Every change is written
// atomically, by one process at a time (file-lock.ts), on a fresh read of the file: a pass made
// in the TUI and one made by `check` in another terminal at the same moment both survive. A file
// that cannot be read as progress is set aside (progress.json.damaged-…) with a warning, never a
// crash. A change that cannot be written (a full or read-only disk) is kept in memory and tried
// again with the next one, and the error says so in words (workspace-errors.ts): nothing is lost
// while the tutor runs, and the learner is told.
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { withFileLock } from './file-lock.js';
import { workspaceError } from './workspace-errors.js';

interface LessonProgress {
  passed: string[];
  /** Steps whose solution the learner looked at (they still count as passed once they pass). */
  helped?: string[];
  current?: string;
  updatedAt?: string;
}

interface ProgressFile {
  version: 1;
  lastLesson?: string;
  lessons: Record<string, LessonProgress>;
}

type Change = (data: ProgressFile) => void;

export class Progress {
  /** Set when a damaged progress file was set aside while opening. */
  warning?: string;
  /** Changes made but not yet on disk (the last write failed); applied again on every read. */
  private unsaved: Change[] = [];

  private constructor(
    private readonly file: string,
    private data: ProgressFile,
  ) {}

  static async open(workspace: string): Promise<Progress> {
    const file = join(workspace, 'progress.json');
    // Read synchronously: two small calls, where the promises took five round trips through
    // libuv's thread pool, each waiting for a core while list's probes (Python, curl) hold both.
    try {
      mkdirSync(workspace, { recursive: true });
    } catch (error) {
      throw workspaceError(error, 'The workspace folder could not be made', workspace);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Progress(file, empty());
      throw workspaceError(error, 'Your progress could not be read', file);
    }
    const data = parse(text);
    if (data) return new Progress(file, data);
    const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(file, aside);
    } catch (error) {
      throw workspaceError(error, 'Your progress file is damaged and could not be set aside', file);
    }
    const progress = new Progress(file, empty());
    progress.warning = `Your progress file could not be read, so it was set aside as ${aside} and progress starts fresh.`;
    return progress;
  }

  /** Read again from disk (another process, such as a `check` in a second terminal, may have written). */
  async reload(): Promise<void> {
    try {
      const data = parse(await readFile(this.file, 'utf8'));
      if (data) this.data = data;
    } catch {
      /* keep what we have */
    }
    for (const change of this.unsaved) change(this.data);
  }

  passed(lessonId: string): string[] {
    return [...(this.data.lessons[lessonId]?.passed ?? [])];
  }

  isHelped(lessonId: string, stepId: string): boolean {
    return this.data.lessons[lessonId]?.helped?.includes(stepId) ?? false;
  }

  /** The learner saw this step's solution: it counts as solved with help. */
  markHelped(lessonId: string, stepId: string): Promise<void> {
    return this.update((data) => {
      const lesson = lessonIn(data, lessonId);
      lesson.helped ??= [];
      if (!lesson.helped.includes(stepId)) lesson.helped.push(stepId);
    });
  }

  isPassed(lessonId: string, stepId: string): boolean {
    return this.data.lessons[lessonId]?.passed.includes(stepId) ?? false;
  }

  current(lessonId: string): string | undefined {
    return this.data.lessons[lessonId]?.current;
  }

  lastLesson(): string | undefined {
    return this.data.lastLesson;
  }

  /** Whether some change is only in memory, because writing it failed. */
  get unsavedChanges(): number {
    return this.unsaved.length;
  }

  markPassed(lessonId: string, stepId: string): Promise<void> {
    return this.update((data) => {
      const lesson = lessonIn(data, lessonId);
      if (!lesson.passed.includes(stepId)) lesson.passed.push(stepId);
    });
  }

  setCurrent(lessonId: string, stepId: string): Promise<void> {
    return this.update((data) => {
      lessonIn(data, lessonId).current = stepId;
      data.lastLesson = lessonId;
    });
  }

  /** Forget one lesson, or everything. */
  reset(lessonId?: string): Promise<void> {
    return this.update((data) => {
      if (lessonId) delete data.lessons[lessonId];
      else {
        data.lessons = {};
        delete data.lastLesson;
      }
      if (lessonId && data.lastLesson === lessonId) delete data.lastLesson;
    });
  }

  private queue: Promise<void> = Promise.resolve();

  /** Changes run one after another in this process, and under the lock file across processes,
   * each on a fresh read of the file, so none overwrites another. A failed write rejects with a
   * TutorError in words; the change stays in memory and is written with the next one. */
  private update(change: Change): Promise<void> {
    this.unsaved.push(change);
    change(this.data); // seen at once by this process, written below
    const next = this.queue.then(async () => {
      if (!this.unsaved.includes(change)) return; // written already, with an earlier change
      try {
        await withFileLock(this.file, async () => {
          await this.reload();
          const writing = this.unsaved.length;
          await writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
          this.unsaved.splice(0, writing);
        });
      } catch (error) {
        throw workspaceError(error, 'Your progress could not be saved', this.file);
      }
    });
    this.queue = next.catch(() => {});
    return next;
  }
}

function empty(): ProgressFile {
  return { version: 1, lessons: {} };
}

function lessonIn(data: ProgressFile, lessonId: string): LessonProgress {
  const lesson = (data.lessons[lessonId] ??= { passed: [] });
  lesson.updatedAt = new Date().toISOString();
  return lesson;
}

function parse(text: string): ProgressFile | null {
  try {
    const data = JSON.parse(text) as ProgressFile;
    if (data?.version !== 1 || typeof data.lessons !== 'object' || data.lessons === null) return null;
    // An empty list where the lessons object belongs means "nothing passed yet". (Kept as a list,
    // a pass written into it would vanish: JSON has no names on list entries.)
    if (Array.isArray(data.lessons)) {
      if (data.lessons.length > 0) return null;
      data.lessons = {};
    }
    for (const lesson of Object.values(data.lessons)) {
      if (typeof lesson !== 'object' || lesson === null || !Array.isArray(lesson.passed)) return null;
      if (!lesson.passed.every((step) => typeof step === 'string')) return null;
    }
    return data;
  } catch {
    return null;
  }
}
