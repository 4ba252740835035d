// Real peers (nginx, Apache httpd, fcgiwrap, php-fpm) as our children, none of which may outlive
// the test process. Each runs in a process group of its own, led by the process we spawn: stopped
// whole (fcgiwrap -c 2 forks workers and, sent SIGTERM, exits without them), and out of reach of
// the terminal's Ctrl-C. So if this process ends before a peer's stop() (vitest interrupted, a
// worker killed or crashed), the exit hooks below kill every group still running; and a peer that
// fails to start has its group killed too (what it forked before failing goes with it).
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { waitFor } from './processes.js';

/** Process groups (their leaders' pids) of peers started and not stopped yet. */
const running = new Set<number>();
let hooked = false;

/** SIGKILL every group still running: called as this process ends, when there is no time left to
 * wait for a gentler stop. Synchronous, as an 'exit' listener must be. */
function killRunning(): void {
  for (const group of running) signalGroup(group, 'SIGKILL');
  running.clear();
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is gone already
  }
}

/** Installed once, at the first peer. A vitest worker (a forked process) ends by process.exit
 * (the 'exit' event), by a signal (vitest's SIGTERM to a worker, the terminal's SIGINT to the
 * whole foreground group, SIGHUP when the terminal closes), or loses its parent (IPC
 * 'disconnect'). For a signal, the groups are killed and the signal sent again: the listener is
 * gone by then (`once`), so the process ends the way it would have without it. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killRunning);
  process.on('disconnect', killRunning);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killRunning();
      process.kill(process.pid, signal);
    });
  }
}

/** A peer process: the leader of its own group, killed with this process if still running. */
export class PeerProcess {
  private stderrText = '';
  private gone = false;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (d) => (this.stderrText += d));
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        this.gone = true;
        resolve();
      }),
    );
  }

  /** The pid of the peer's first process, which leads its process group. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Spawn `file` in a group of its own (stderr is kept for errors unless `stdio` says else). */
  static async spawn(name: string, file: string, args: string[], options: SpawnOptions = {}): Promise<PeerProcess> {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options, detached: true });
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`${name} did not start: ${error.message}`);
    }
    hookExit();
    running.add(child.pid);
    return new PeerProcess(name, child);
  }

  /** Wait until `ready` says so; if the peer exits first or the wait times out, its whole group
   * is killed and the error thrown. */
  async until(ready: () => Promise<boolean>, what: string): Promise<void> {
    try {
      await waitFor(async () => {
        if (this.gone) throw new Error(`${this.name} exited before ${what}: ${this.stderrText}`);
        return ready();
      }, `${this.name} ${what}`);
    } catch (error) {
      signalGroup(this.pid, 'SIGKILL');
      await this.exited;
      running.delete(this.pid);
      throw error;
    }
  }

  /** Stop the whole group with `signal` (each peer's graceful or fast stop) and wait for the leader. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    signalGroup(this.pid, signal);
    // A peer that does not leave within 5 s of its stop signal is killed, group and all.
    const kill = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(kill);
    running.delete(this.pid);
  }
}
