// One supervised lab server process: spawn it, wait for a real readiness signal, keep its
// last log lines, parse its events from fd 3, notice when it dies, and stop it with its whole
// process group. The child holds our end of its stdin: if this process vanishes, even by SIGKILL,
// the child reads end-of-file and exits by itself (docs/lab-servers.md).
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { eventProblem, type Family } from '../servers/lib/event-schema.js';
import { TutorError } from './errors.js';
import { readLines } from './event-lines.js';
import type { ResolvedProgram } from './programs.js';

export const PORT_TAKEN_EXIT = 98;
const LOG_LINES = 200;

export interface ChildOptions {
  name: string;
  program: ResolvedProgram;
  env: Record<string, string>;
  cwd: string;
  port: number;
  ready: 'event' | 'listening' | { line: RegExp };
  readyTimeoutMs: number;
  /** The events the server declares (ServerSpec.events): lines that do not fit are dropped. */
  events: Family;
  /** An event that fits the server's family (or its `ready`), and the line it came in as (which
   * `lab --json` prints as it is, instead of turning the event into JSON again). */
  onEvent(event: { event: string } & Record<string, unknown>, line: string): void;
  /** A line on fd 3 that is not one of its events: already in the server's log, then dropped. */
  onBadEvent(problem: string): void;
  onLog(line: string): void;
  /** Called when the process ends; `expected` is true when we stopped it. */
  onExit(info: { code: number | null; signal: string | null; expected: boolean }): void;
}

export class PortTakenError extends Error {}

export class LabChild {
  readonly logs: string[] = [];
  pid: number | null = null;
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly options: ChildOptions) {}

  /** Spawns the server and resolves once it is ready; rejects with its last log lines if not. */
  async start(): Promise<void> {
    const { program, env, cwd, name } = this.options;
    this.stopping = false;
    this.logs.length = 0;
    const child = spawnServer(program, cwd, env);
    this.process = child;
    this.pid = child.pid ?? null;

    let readySignal: () => void = () => {};
    const readyEvent = new Promise<void>((resolve) => (readySignal = resolve));
    const readyLine = typeof this.options.ready === 'object' ? this.options.ready.line : null;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.log(line);
        if (readyLine?.test(line)) readySignal();
      });
    }
    const events = child.stdio[3];
    if (events && 'on' in events) {
      readLines(events as NodeJS.ReadableStream, (line) => {
        const event = this.parseEvent(line);
        if (!event) return;
        if (event.event === 'ready') readySignal();
        this.options.onEvent(event, line);
      });
    }

    let exitInfo: { code: number | null; signal: string | null } | undefined;
    this.exited = new Promise<void>((resolve) => {
      // 'error' (the program could not be run at all) may come without an 'exit'.
      child.once('error', (error) => {
        this.log(`could not run ${program.file}: ${error.message}`);
        exitInfo ??= { code: null, signal: null };
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve();
      });
    }).then(() => {
      this.pid = null;
      this.options.onExit({ ...exitInfo!, expected: this.stopping });
    });
    // A server that dies with our pipes open must not crash the tutor with EPIPE.
    for (const stream of child.stdio) stream?.on('error', () => {});

    const ready = this.options.ready === 'listening' ? this.waitListening() : readyEvent;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.readyTimeoutMs);
    });
    const outcome = await Promise.race([
      ready.then(() => 'ready' as const),
      this.exited.then(() => 'exited' as const),
      timeout,
    ]);
    clearTimeout(timer);
    if (outcome === 'ready') return;
    if (outcome === 'exited' && exitInfo?.code === PORT_TAKEN_EXIT)
      throw new PortTakenError(`${name}: port ${this.options.port} was taken`);
    if (outcome === 'timeout') await this.stop();
    const how =
      outcome === 'timeout'
        ? `did not become ready within ${this.options.readyTimeoutMs} ms`
        : `exited before it was ready (${exitInfo?.signal ? `signal ${exitInfo.signal}` : `exit code ${exitInfo?.code}`})`;
    throw new TutorError(
      `Lab server "${name}" ${how}.`,
      this.logs.length
        ? `Its last log lines:\n${this.tail(15)
            .map((l) => `  ${l}`)
            .join('\n')}`
        : 'It printed nothing.',
    );
  }

  /** Send a JSON command line on the server's stdin ({"cmd":"slow","on":true}). */
  send(command: Record<string, unknown>): void {
    this.process?.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** An fd-3 line as an event of this server's family, or undefined (and a log line saying why):
   * a server's bug must show up in its log, never crash the tutor or reach a check. */
  private parseEvent(line: string): ({ event: string } & Record<string, unknown>) | undefined {
    // A blank line is no event and no fault (trim() only for a line that starts blank).
    if (line.charCodeAt(0) <= 32 && line.trim() === '') return undefined;
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(line);
      problem = eventProblem(this.options.events, value);
    } catch (error) {
      problem = `not JSON (${(error as Error).message})`;
    }
    if (!problem) return value as { event: string } & Record<string, unknown>;
    const quoted = line.length > 160 ? `${line.slice(0, 160)}…` : line;
    const message = `${this.options.name} wrote an event the tutor dropped: ${problem}. The line was: ${quoted}`;
    this.log(`[gateway-tutor] ${message}`);
    this.options.onBadEvent(message);
    return undefined;
  }

  tail(count: number): string[] {
    return this.logs.slice(-count);
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 1500): Promise<void> {
    const pid = this.pid;
    if (pid === null) return this.exited;
    this.stopping = true;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the server left in its group (a worker that ignored SIGTERM) goes too.
    signalGroup(pid, 'SIGKILL');
  }

  /** A line of the server's log: its own output, or what the tutor has to say about it. */
  log(line: string): void {
    this.logs.push(line);
    if (this.logs.length > LOG_LINES) this.logs.splice(0, this.logs.length - LOG_LINES);
    this.options.onLog(line);
  }

  /** For programs that cannot say "ready" (nginx, Gunicorn): wait until the port accepts. */
  private async waitListening(): Promise<void> {
    let delay = 10;
    for (;;) {
      if (this.pid === null) return new Promise(() => {});
      if (await accepts(this.options.port)) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}

// node:child_process rather than execa here: this is on the path to "lab ready", and execa's
// import alone took 64 ms of a 370 ms start (measured); the lab needs none of its extras.
function spawnServer(program: ResolvedProgram, cwd: string, env: Record<string, string>) {
  return spawn(program.file, program.args, {
    cwd,
    env: { ...process.env, ...env },
    // stdin: our pipe (its end-of-file tells the server we are gone); fd 3: its events.
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    // Its own process group, so stop() reaches the server's children too (Python workers).
    detached: true,
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
