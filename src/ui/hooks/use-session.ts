// Adapts a LessonSession (plain TypeScript) to React: the component re-renders on each change.
import { useSyncExternalStore } from 'react';
import type { LessonSession, SessionSnapshot } from '../../engine/session.js';

export function useSession(session: LessonSession): SessionSnapshot {
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.snapshot(),
  );
}
