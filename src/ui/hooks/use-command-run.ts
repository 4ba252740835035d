// Holds the command the learner ran from the tutor: starts a CommandRun (which loads execa on
// first use), re-renders as output arrives, and stops it when another starts or the lesson closes.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { CommandRun, type RunSnapshot } from '../../engine/command-run.js';

export function useCommandRun(cwd: string): { run: RunSnapshot | undefined; start(command: string): void } {
  const [current, setCurrent] = useState<CommandRun>();
  const run = useSyncExternalStore(
    (listener) => current?.subscribe(listener) ?? (() => {}),
    () => current?.snapshot(),
  );
  useEffect(() => () => current?.stop(), [current]);
  return {
    run,
    start(command) {
      current?.stop();
      setCurrent(new CommandRun(command, { cwd }));
    },
  };
}
