// One lab per open lesson for the TUI: App opens and closes lessons through it (its `opener`), and
// runTui closes whatever is still open before the process exits.
import type { LessonSession } from '../engine/session.js';
import type { Progress } from '../engine/progress.js';
import type { LoadedLesson, LabHandle } from '../engine/types.js';
import type { LessonOpener } from '../ui/hooks/use-lesson-session.js';
import type { LessonCard } from '../ui/lesson-states.js';

/** Starts a lesson's lab and session, and tears them down; App gets it as its `opener`. */
export class LabKeeper implements LessonOpener {
  private readonly sessions = new Map<LessonSession, LabHandle>();
  private closing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly workspace: string,
    private readonly progress: Progress,
    /** The whole lesson of a map card (lessonCards' `load`). */
    private readonly load: (card: LessonCard) => Promise<LoadedLesson>,
  ) {}

  async open(card: LessonCard): Promise<LessonSession> {
    await this.closing; // the previous lab of this lesson must be gone before its record is free
    // The session's code is loaded with the lab's, not before the first frame.
    const [{ Lab }, { LessonSession }, lesson] = await Promise.all([
      import('../engine/lab.js'),
      import('../engine/session.js'),
      this.load(card),
    ]);
    let lab: Awaited<ReturnType<typeof Lab.start>>;
    try {
      lab = await Lab.start(lesson, { workspace: this.workspace, progress: this.progress });
    } catch (error) {
      const hint = (error as { hint?: string }).hint;
      throw new Error(`${error instanceof Error ? error.message : String(error)}${hint ? `\n${hint}` : ''}`);
    }
    const session = new LessonSession(lab, this.progress, { lessonWorkspace: lab.lessonWorkspace });
    this.sessions.set(session, lab);
    return session;
  }

  async close(session: LessonSession): Promise<void> {
    const lab = this.sessions.get(session);
    if (!lab) return;
    this.sessions.delete(session);
    session.dispose();
    const done = session.flushed().then(() => lab.teardown());
    this.closing = Promise.all([this.closing, done.catch(() => {})]);
    await done;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.sessions.keys()].map((session) => this.close(session)));
    await this.closing;
  }
}
