// What the learner has passed, kept in <workspace>/progress.json. Every change is written
// atomically; a file that cannot be read as progress is set aside (progress.json.damaged-…) with a
// warning, never a crash, and the learner starts from a clean slate rather than losing the file.
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

interface LessonProgress {
  passed: string[];
  current?: string;
  updatedAt?: string;
}

interface ProgressFile {
  version: 1;
  lastLesson?: string;
  lessons: Record<string, LessonProgress>;
}

export class Progress {
  /** Set when a damaged progress file was set aside while opening. */
  warning?: string;

  private constructor(
    private readonly file: string,
    private data: ProgressFile,
  ) {}

  static async open(workspace: string): Promise<Progress> {
    await mkdir(workspace, { recursive: true });
    const file = join(workspace, 'progress.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return new Progress(file, { version: 1, lessons: {} });
    }
    const data = parse(text);
    if (data) return new Progress(file, data);
    const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(file, aside);
    const progress = new Progress(file, { version: 1, lessons: {} });
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
  }

  passed(lessonId: string): string[] {
    return [...(this.data.lessons[lessonId]?.passed ?? [])];
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

  markPassed(lessonId: string, stepId: string): Promise<void> {
    return this.update(() => {
      const lesson = this.lesson(lessonId);
      if (!lesson.passed.includes(stepId)) lesson.passed.push(stepId);
    });
  }

  setCurrent(lessonId: string, stepId: string): Promise<void> {
    return this.update(() => {
      this.lesson(lessonId).current = stepId;
      this.data.lastLesson = lessonId;
    });
  }

  /** Forget one lesson, or everything. */
  reset(lessonId?: string): Promise<void> {
    return this.update(() => {
      if (lessonId) delete this.data.lessons[lessonId];
      else this.data = { version: 1, lessons: {} };
      if (lessonId && this.data.lastLesson === lessonId) delete this.data.lastLesson;
    });
  }

  private queue: Promise<void> = Promise.resolve();

  /** Changes run one after another, each on a fresh read of the file (another process, such as
   * a `check` in a second terminal, may have written since), so none overwrites another. */
  private update(change: () => void): Promise<void> {
    const next = this.queue.then(async () => {
      await this.reload();
      change();
      await this.save();
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private lesson(lessonId: string): LessonProgress {
    const lesson = (this.data.lessons[lessonId] ??= { passed: [] });
    lesson.updatedAt = new Date().toISOString();
    return lesson;
  }

  private save(): Promise<void> {
    return writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}

function parse(text: string): ProgressFile | null {
  try {
    const data = JSON.parse(text) as ProgressFile;
    if (data?.version !== 1 || typeof data.lessons !== 'object' || data.lessons === null) return null;
    for (const lesson of Object.values(data.lessons)) if (!Array.isArray(lesson?.passed)) return null;
    return data;
  } catch {
    return null;
  }
}
