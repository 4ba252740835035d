// Opens a lesson's lab while the lesson screen is mounted and closes it when it unmounts. The
// lab's whole lifecycle lives in the opener (runTui's keeper); this hook only holds the result.
import { useEffect, useState } from 'react';
import type { LessonSession } from '../../engine/session.js';
import type { LessonCard } from '../lesson-states.js';
import { preloadMarkdown } from '../markdown.js';

export type LessonOpener = {
  /** Loads the whole lesson when `lesson` is only its card, then starts its lab. */
  open(lesson: LessonCard): Promise<LessonSession>;
  close(session: LessonSession): Promise<void>;
};

export type OpenState =
  | { status: 'starting' }
  | { status: 'ready'; session: LessonSession }
  | { status: 'failed'; error: string };

export function useLessonSession(lesson: LessonCard, opener: LessonOpener): OpenState {
  const [state, setState] = useState<OpenState>({ status: 'starting' });
  useEffect(() => {
    let live = true;
    let opened: LessonSession | undefined;
    setState({ status: 'starting' });
    // The step text renderer loads while the lab's servers start, not after.
    setTimeout(preloadMarkdown, 0);
    opener.open(lesson).then(
      (session) => {
        opened = session;
        if (live) setState({ status: 'ready', session });
        else void opener.close(session);
      },
      (error: unknown) => {
        if (live) setState({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
      if (opened) void opener.close(opened);
    };
  }, [lesson, opener]);
  return state;
}
