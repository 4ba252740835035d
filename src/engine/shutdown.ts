// No lab process outlives the tutor. Normal ways out (q, Ctrl-C, SIGTERM, SIGHUP from a closed
// terminal) tear every lab down cleanly; a crash or process.exit() still SIGKILLs the process
// groups from the synchronous 'exit' handler. SIGKILL of the tutor cannot be caught: there, each
// lab server sees its stdin close and exits by itself (docs/lab-servers.md).
interface Stoppable {
  teardown(): Promise<void>;
  killNow(): void;
}

const labs = new Set<Stoppable>();
const afterTeardown: (() => void)[] = [];

/** Run `hook` after every lab is torn down on a signal, just before the process exits. */
export function onSignalExit(hook: () => void): void {
  afterTeardown.push(hook);
}
let installed = false;

export function registerLab(lab: Stoppable): void {
  labs.add(lab);
  install();
}

export function unregisterLab(lab: Stoppable): void {
  labs.delete(lab);
}

export async function teardownAll(): Promise<void> {
  await Promise.allSettled([...labs].map((lab) => lab.teardown()));
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Installs the handlers once. `onSignal` lets the TUI unmount first; it must not exit itself. */
export function install(onSignal?: () => void): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const lab of labs) lab.killNow();
  });
  for (const signal of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) {
    process.on(signal, () => {
      onSignal?.();
      void teardownAll().finally(() => {
        for (const hook of afterTeardown) {
          try {
            hook();
          } catch {
            /* a closed terminal (SIGHUP) cannot be written to */
          }
        }
        process.exit(SIGNAL_EXIT[signal]);
      });
    });
  }
  // A reader that went away (`lab --json | head -1`) is the end of the run, not a crash: the next
  // write finds the pipe closed (EPIPE), and the tutor stops its labs and leaves without a word.
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (readerGone) return;
    readerGone = true;
    void teardownAll().finally(() => process.exit(0));
  });
  let crashed = false;
  process.on('uncaughtException', (error) => {
    // Once only: with the terminal gone, even this write fails (EIO) and would land here again.
    if (crashed) return;
    crashed = true;
    try {
      process.stderr.write(`gateway-tutor crashed: ${error.stack ?? error}\n`);
    } catch {
      /* nowhere left to say it */
    }
    void teardownAll().finally(() => process.exit(70));
  });
}
