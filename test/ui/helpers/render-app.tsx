// Renders the whole App with fake labs: what a learner would see, with no processes behind it.
import { render } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { LessonSession } from '../../../src/engine/session.js';
import type { LoadedLesson } from '../../../src/engine/types.js';
import { App, type AppProps } from '../../../src/ui/app.js';
import type { LessonOpener } from '../../../src/ui/hooks/use-lesson-session.js';
import type { MapEntry } from '../../../src/ui/lesson-states.js';
import { FakeLab, FakeProgress, type FakeCheck } from './fake-lab.js';

export interface Rendered extends ReturnType<typeof render> {
  labs: FakeLab[];
  progress: FakeProgress;
  closed: FakeLab[];
  /** Resolves when the last frame contains the text (or matches). */
  waitFor(what: string | RegExp, ms?: number): Promise<string>;
  /** Writes keys, then lets Ink handle them. */
  press(...keys: string[]): Promise<void>;
}

export const KEY = {
  enter: '\r',
  escape: '\u001b',
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  backspace: '\u007f',
  tab: '\t',
};

export function renderApp(
  entries: MapEntry[],
  options: {
    judge?: FakeCheck;
    progress?: FakeProgress;
    props?: Partial<AppProps>;
    rows?: number;
    columns?: number;
  } = {},
): Rendered {
  const labs: FakeLab[] = [];
  const closed: FakeLab[] = [];
  const progress = options.progress ?? new FakeProgress();
  const byLesson = new Map<LessonSession, FakeLab>();
  const opener: LessonOpener = {
    async open(lesson: LoadedLesson) {
      const lab = new FakeLab(lesson, options.judge);
      labs.push(lab);
      const session = new LessonSession(lab, progress, { lessonWorkspace: `/ws/${lesson.id}` });
      byLesson.set(session, lab);
      return session;
    },
    async close(session) {
      session.dispose();
      const lab = byLesson.get(session)!;
      await lab.teardown();
      closed.push(lab);
    },
  };
  const app = render(
    <App
      entries={entries}
      progress={progress}
      opener={opener}
      size={{ columns: options.columns ?? 100, rows: options.rows ?? 30 }}
      {...options.props}
    />,
  );
  // Ink's test stdout emits nothing on write, so the condition is polled between frames.
  const waitFor = (what: string | RegExp, ms = 3000) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const frame = stripVTControlCharacters(app.lastFrame() ?? '');
        if (typeof what === 'string' ? frame.includes(what) : what.test(frame)) return resolve(frame);
        if (Date.now() - started > ms) return reject(new Error(`Timed out waiting for ${String(what)} in:\n${frame}`));
        setTimeout(poll, 5);
      };
      poll();
    });
  const press = async (...keys: string[]) => {
    // A frame is on screen when React commits, but Ink's input handlers attach in passive effects
    // a moment later: let those run before each key, as they would between a person's key presses.
    const settle = async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    };
    for (const key of keys) {
      await settle();
      app.stdin.write(key);
    }
    await settle();
  };
  return Object.assign(app, { labs, closed, progress, waitFor, press });
}

export function entry(lesson: LoadedLesson, missing: MapEntry['missing'] = []): MapEntry {
  return { lesson, available: missing.length === 0, missing };
}
