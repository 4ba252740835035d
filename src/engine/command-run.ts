// A shown command run from the tutor, as the learner would run it in a shell: /bin/sh, in the
// lesson's workspace folder, with the learner's environment. Output streams in line by line for
// the output pane; a run is killed when the learner leaves it or after a deadline. execa is
// loaded on the first run, not when the tutor starts.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';

export type RunState = 'running' | 'exited' | 'failed';

export interface RunSnapshot {
  command: string;
  state: RunState;
  /** stdout and stderr interleaved as they came (stderr lines are marked). */
  lines: { text: string; stderr: boolean }[];
  exitCode?: number;
  /** Why it did not run or was stopped, for the learner. */
  problem?: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** @default 30000 */
  timeoutMs?: number;
}

export class CommandRun {
  private state: RunSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  /** Resolves when the command has ended, however it ended. */
  readonly done: Promise<RunSnapshot>;

  constructor(command: string, options: RunOptions) {
    this.state = { command, state: 'running', lines: [] };
    this.done = this.start(command, options);
  }

  snapshot(): RunSnapshot {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the command (and its children) if it still runs. */
  stop(): void {
    this.abort.abort();
  }

  private async start(command: string, options: RunOptions): Promise<RunSnapshot> {
    try {
      const { execa } = await import('execa');
      const child = execa(command, {
        shell: '/bin/sh',
        // The lesson's folder exists once a lesson with files of its own has run; else home.
        cwd: existsSync(options.cwd) ? options.cwd : homedir(),
        env: options.env ?? process.env,
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        buffer: false,
        timeout: options.timeoutMs ?? 30_000,
        cancelSignal: this.abort.signal,
        forceKillAfterDelay: 1000,
      });
      const read = (stream: NodeJS.ReadableStream | null, stderr: boolean) => {
        let partial = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n');
          partial = parts.pop() ?? '';
          this.add(parts, stderr);
        });
        stream?.on('end', () => partial && this.add([partial], stderr));
      };
      read(child.stdout, false);
      read(child.stderr, true);
      const result = await child;
      if (result.failed && result.exitCode === undefined && !result.isCanceled && !result.timedOut) {
        this.update({ state: 'failed', problem: result.shortMessage });
        return this.state;
      }
      const problem = result.timedOut
        ? `stopped after ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`
        : result.isCanceled
          ? 'stopped'
          : undefined;
      this.update({ state: 'exited', exitCode: result.exitCode ?? undefined, ...(problem ? { problem } : {}) });
    } catch (error) {
      this.update({ state: 'failed', problem: error instanceof Error ? error.message : String(error) });
    }
    return this.state;
  }

  private add(texts: string[], stderr: boolean): void {
    const clean = texts.map((t) => ({ text: t.replace(/\r$/, ''), stderr }));
    this.update({ lines: [...this.state.lines, ...clean] });
  }

  private update(patch: Partial<RunSnapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
