// One open lesson, as the learner walks it: which step is shown, which passed, the last check
// result, how many hints are out. It holds the running lab and the progress file, re-runs a probe
// or drill check whenever the lab observes something (so the step passes the moment the right
// request arrives), and re-runs an edit step's check when its file is saved. Plain TypeScript with
// no Ink: the TUI subscribes to it, and tests drive it with a fake lab.
import { cutWholeJourneys, isTrace, type TraceEvent } from './journey.js';
import { join } from 'node:path';
import { checkRequirement } from './requirements.js';
import { findSolution, type Solution } from './solution.js';
import type {
  CheckOutcome,
  LabChange,
  LabHandle,
  LoadedLesson,
  RequestEvent,
  RequirementId,
  ServerSnapshot,
  Step,
} from './types.js';
import { watchFile } from './watch-file.js';

/** The part of Progress (progress.ts) a session uses. */
export interface ProgressStore {
  isPassed(lessonId: string, stepId: string): boolean;
  markPassed(lessonId: string, stepId: string): Promise<void>;
  current(lessonId: string): string | undefined;
  setCurrent(lessonId: string, stepId: string): Promise<void>;
  /** Solved with help: the learner looked at the solution. */
  isHelped?(lessonId: string, stepId: string): boolean;
  markHelped?(lessonId: string, stepId: string): Promise<void>;
}

export interface StepResult extends CheckOutcome {
  /** Run by the session on its own (a lab event, a file save), not asked for by the learner. */
  auto: boolean;
}

/** Everything a view needs, as one immutable value: a new object after every change. */
export interface SessionSnapshot {
  lesson: LoadedLesson;
  index: number;
  step: Step;
  passed: ReadonlySet<string>;
  /** Steps this machine cannot do (Flask not installed…), with the reason. */
  skipped: ReadonlyMap<string, string>;
  result?: StepResult;
  checking: boolean;
  hintsShown: number;
  servers: ServerSnapshot[];
  /** The learner's requests, oldest first: the newest 5000 (KEEP_REQUESTS), each with its number. */
  requests: RequestEvent[];
  /** Trace events (each hop's part of a request's journey, journey.ts), oldest first. */
  traces: TraceEvent[];
  /** Absolute path of the file an edit step watches. */
  watchPath?: string;
  complete: boolean;
  /** Why the last progress write failed (a full or read-only disk), in words; gone once a write
   * works again. The change is kept in memory meanwhile (progress.ts). */
  progressError?: string;
  /** Steps whose solution the learner looked at. */
  helped: ReadonlySet<string>;
}

export interface SessionOptions {
  /** The learner's folder for this lesson (edit steps watch files in it). */
  lessonWorkspace: string;
  /** Polling interval of the fallback file watcher. @default 1000 */
  pollMs?: number;
  /** Quiet time after a save before the check runs. @default 200 */
  settleMs?: number;
  /** How often passes recorded by other terminals are picked up. @default 1000 */
  syncMs?: number;
  /** Quiet time after the lab's last event before a probe or drill step is judged on its own:
   * a burst (ten requests from a loop, a retrying client) is judged once it is over, not after
   * its first few requests. @default 250 */
  quietMs?: number;
  /** How a step's requirement is looked for. @default checkRequirement (requirements.ts) */
  requirement?: (id: RequirementId) => Promise<{ ok: boolean; detail: string }>;
}

/** At most one new snapshot for new events in this many ms (see schedulePublish). */
const PUBLISH_MS = 50;
/** The newest requests and trace events a snapshot keeps: a learner's minute of wrk is hundreds of
 * thousands, and the tutor kept them all (a request event takes about 1.4 KB of heap, a trace
 * event 0.4 KB: a proxied request's five events 4 KB). The log numbers requests by
 * RequestEvent.number, so its numbers stay the same as old ones are let go. */
const KEEP_REQUESTS = 5000;
const KEEP_TRACES = 15_000;

/** `list` with at most `keep` of its newest items, let go of a tenth at a time (not one per event). */
function newest<T>(list: T[], keep: number): T[] {
  return list.length > keep + keep / 10 ? list.slice(list.length - keep) : list;
}

/** The same for trace events, letting go of whole journeys only (cutWholeJourneys). */
function newestJourneys(list: TraceEvent[]): TraceEvent[] {
  return list.length > KEEP_TRACES * 1.1 ? cutWholeJourneys(list, list.length - KEEP_TRACES) : list;
}

/** Requests for the log: a health check a lab server marks as such is background noise there. */
const isRequest = (event: { event: string; healthCheck?: unknown }): event is RequestEvent =>
  event.event === 'request' && event.healthCheck !== true;

export class LessonSession {
  readonly lesson: LoadedLesson;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribeLab: () => void;
  private state: SessionSnapshot;
  /** The check running now, settled when it ends: one check at a time. */
  private checkRunning: Promise<void> | undefined;
  private checkAgain = false;
  private stopWatching: (() => void) | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  /** Events that arrived since the snapshot was last made: the next update() takes them in. */
  private unseen: { requests: RequestEvent[]; traces: TraceEvent[] } = { requests: [], traces: [] };
  private publishing = false;
  private publishedAt = 0;
  private publishTimer: NodeJS.Timeout | undefined;
  /** The step whose quiet timer this turn's events restart (see restartQuiet). */
  private quietStep: Step | undefined;
  private disposed = false;
  private readonly syncTimer: NodeJS.Timeout;
  /** Progress writes, one after another: each reads the file again before writing it. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly lab: LabHandle,
    private readonly progress: ProgressStore,
    private readonly options: SessionOptions,
  ) {
    this.lesson = lab.lesson;
    const passed = new Set(this.lesson.steps.filter((s) => progress.isPassed(this.lesson.id, s.id)).map((s) => s.id));
    const resume = progress.current(this.lesson.id);
    let index = this.lesson.steps.findIndex((s) => s.id === resume);
    if (index < 0)
      index = Math.max(
        0,
        this.lesson.steps.findIndex((s) => !passed.has(s.id)),
      );
    this.state = {
      lesson: this.lesson,
      index,
      step: this.lesson.steps[index]!,
      passed,
      skipped: new Map(),
      checking: false,
      hintsShown: 0,
      helped: new Set(this.lesson.steps.filter((s) => progress.isHelped?.(this.lesson.id, s.id)).map((s) => s.id)),
      servers: lab.servers(),
      requests: lab.events().filter(isRequest),
      traces: lab.events().filter(isTrace),
      complete: passed.size === this.lesson.steps.length,
    };
    this.unsubscribeLab = lab.subscribe((change) => this.onLabChange(change));
    this.enterStep(index);
    void this.findSkipped();
    // `gateway-tutor check` in another terminal passes steps through the lab's control endpoint,
    // which records them in this same Progress: pick those passes up.
    this.syncTimer = setInterval(() => this.syncPassed(), this.options.syncMs ?? 1000);
    this.syncTimer.unref();
  }

  private syncPassed(): void {
    const fresh = this.lesson.steps.filter(
      (s) => !this.state.passed.has(s.id) && this.progress.isPassed(this.lesson.id, s.id),
    );
    if (fresh.length === 0) return;
    const passed = new Set([...this.state.passed, ...fresh.map((s) => s.id)]);
    this.update({ passed, complete: this.isComplete(passed, this.state.skipped) });
  }

  /** Steps whose requirements are missing are skipped, and do not stand between the learner and
   * a completed lesson. */
  private async findSkipped(): Promise<void> {
    const look = this.options.requirement ?? checkRequirement;
    const skipped = new Map<string, string>();
    for (const step of this.lesson.steps) {
      for (const id of step.requires ?? []) {
        const status = await look(id).catch((error: unknown) => ({ ok: false, detail: String(error) }));
        if (!status.ok) skipped.set(step.id, `needs ${id}: ${status.detail}`);
      }
    }
    if (skipped.size > 0) this.update({ skipped, complete: this.isComplete(this.state.passed, skipped) });
  }

  private isComplete(passed: ReadonlySet<string>, skipped: ReadonlyMap<string, string>): boolean {
    return this.lesson.steps.every((s) => passed.has(s.id) || skipped.has(s.id));
  }

  snapshot(): SessionSnapshot {
    return this.state;
  }

  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fill {{server.url}} placeholders with the live lab's values. */
  fill(text: string, mode: 'text' | 'command' | 'markdown' = 'text'): string {
    return this.lab.fill(text, mode);
  }

  open(index: number): void {
    if (this.disposed || index < 0 || index >= this.lesson.steps.length || index === this.state.index) return;
    this.enterStep(index);
  }

  next(): void {
    this.open(this.state.index + 1);
  }

  previous(): void {
    this.open(this.state.index - 1);
  }

  /** Show one more hint of the current step, if it has one. */
  showHint(): void {
    const total = this.state.step.hints?.length ?? 0;
    if (this.state.hintsShown < total) this.update({ hintsShown: this.state.hintsShown + 1 });
  }

  /** The learner asked for a check (any kind; answer steps pass their answer). */
  async check(answer?: string): Promise<StepResult | undefined> {
    const step = this.state.step;
    if (step.kind === 'read' && !step.check) {
      // A read step has nothing to observe: asking to go on is the pass.
      const result: StepResult = {
        lesson: this.lesson.id,
        step: step.id,
        status: 'pass',
        message: 'Read.',
        details: [],
        auto: false,
      };
      await this.record(step, result);
      return result;
    }
    return this.runCheck(step, false, answer);
  }

  async control(action: 'stop' | 'start' | 'restart', server: string): Promise<void> {
    await this.lab.control(action, server);
  }

  /** The current step's solution, which the learner asked for after the hints: the step then
   * counts as solved with help (in the snapshot and in progress). */
  async solution(): Promise<Solution> {
    const step = this.state.step;
    const solution = await findSolution(this.lab, step, this.options.lessonWorkspace);
    if (!this.disposed && !this.state.helped.has(step.id)) {
      this.update({ helped: new Set(this.state.helped).add(step.id) });
      void this.save(() => this.progress.markHelped?.(this.lesson.id, step.id) ?? Promise.resolve());
    }
    return solution;
  }

  /** A lab server's own output (stdout and stderr), its last lines, for the TUI's log view. */
  logs(server: string): string[] {
    return this.lab.logs(server);
  }

  /** Calls `listener` for each new line any lab server prints; returns the unsubscribe function. */
  onLog(listener: (server: string, line: string) => void): () => void {
    return this.lab.subscribe((change) => {
      if (change.type === 'log') listener(change.server, change.line);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribeLab();
    this.stopWatching?.();
    clearTimeout(this.quietTimer);
    clearTimeout(this.publishTimer);
    clearInterval(this.syncTimer);
    this.listeners.clear();
  }

  private enterStep(index: number): void {
    const step = this.lesson.steps[index]!;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.lab.beginStep(step.id);
    const watchPath = step.kind === 'edit' && step.watch ? join(this.options.lessonWorkspace, step.watch) : undefined;
    this.update({ index, step, result: undefined, checking: false, hintsShown: 0, watchPath });
    this.save(() => this.progress.setCurrent(this.lesson.id, step.id));
    if (watchPath) this.stopWatching = watchFile(watchPath, () => this.onFileSaved(step), this.options);
  }

  private onLabChange(change: LabChange): void {
    if (this.disposed) return;
    if (change.type === 'server') {
      this.update({ servers: this.lab.servers() });
    } else if (change.type === 'event') {
      if (isRequest(change.event)) this.unseen.requests.push(change.event);
      if (isTrace(change.event)) this.unseen.traces.push(change.event);
      this.schedulePublish();
      const step = this.state.step;
      const background = isRequest(change.event) && change.event.healthCheck === true;
      // Every event restarts the quiet period (restartQuiet); a proxy's own health checks are not
      // the learner's doing, and do not count.
      if ((step.kind === 'probe' || step.kind === 'drill') && !this.state.passed.has(step.id) && !background) {
        if (!this.quietStep) queueMicrotask(() => this.restartQuiet());
        this.quietStep = step;
      }
    }
  }

  /** The events of one turn (a chunk of fd-3 lines is many) restart the quiet timer once. */
  private restartQuiet(): void {
    const step = this.quietStep;
    this.quietStep = undefined;
    if (!step || this.disposed) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      if (!this.disposed && this.state.step === step) void this.runCheck(step, true);
    }, this.options.quietMs ?? 250);
  }

  /** New events reach the snapshot together: at once when the last publication is older than
   * PUBLISH_MS, else when it is. Under a load test a lab reports thousands of events a second; a
   * new snapshot for each (a copy of the growing request list, a React render) cost the TUI more
   * than the request cost the lab. */
  private schedulePublish(): void {
    if (this.publishing) return;
    this.publishing = true;
    const wait = this.publishedAt + PUBLISH_MS - Date.now();
    const publish = () => {
      if (this.publishing) this.update({});
    };
    if (wait <= 0) queueMicrotask(publish);
    else this.publishTimer = setTimeout(publish, wait);
  }

  private onFileSaved(step: Step): void {
    if (!this.disposed && this.state.step === step) void this.runCheck(step, true);
  }

  /** One check at a time: events that arrive while one runs ask for one more run after it. */
  private async runCheck(step: Step, auto: boolean, answer?: string): Promise<StepResult | undefined> {
    if (this.checkRunning) {
      if (auto) {
        this.checkAgain = true;
        return undefined;
      }
      // Wait for the running check (and any other waiter started after it) to end.
      while (this.checkRunning) await this.checkRunning;
    }
    let ended = () => {};
    this.checkRunning = new Promise<void>((resolve) => (ended = resolve));
    this.update({ checking: true });
    let result: StepResult;
    try {
      const outcome = await this.lab.check(step.id, answer);
      result = { ...outcome, auto };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { lesson: this.lesson.id, step: step.id, status: 'error', message, details: [], auto };
    } finally {
      this.checkRunning = undefined;
      ended();
    }
    if (this.disposed || this.state.step !== step) return result;
    // An automatic run that fails says nothing new when a pass is already on screen.
    if (!(auto && result.status !== 'pass' && this.state.passed.has(step.id))) await this.record(step, result);
    if (this.checkAgain && !this.state.passed.has(step.id)) {
      this.checkAgain = false;
      void this.runCheck(step, true);
    } else {
      this.checkAgain = false;
      this.update({ checking: false });
    }
    return result;
  }

  private async record(step: Step, result: StepResult): Promise<void> {
    if (result.status === 'pass' && !this.state.passed.has(step.id)) {
      const passed = new Set(this.state.passed).add(step.id);
      this.update({ result, checking: false, passed, complete: this.isComplete(passed, this.state.skipped) });
      await this.save(() => this.progress.markPassed(this.lesson.id, step.id));
    } else {
      this.update({ result, checking: false });
    }
  }

  /** Resolves when this write is done; a failed write does not stop the next, and is said: in
   * the snapshot, and under the check result that it failed to record. */
  private save(write: () => Promise<void>): Promise<void> {
    this.saving = this.saving.then(write).then(
      () => {
        if (this.state.progressError === undefined) return;
        const { progressError: _gone, ...rest } = this.state;
        this.state = rest;
        this.update({});
      },
      (error: unknown) => {
        const { message, hint } = error as { message?: string; hint?: string };
        const said = `${message ?? String(error)}${hint ? ` ${hint}` : ''}`;
        const { result } = this.state;
        this.update({
          progressError: said,
          ...(result && !result.details.includes(said)
            ? { result: { ...result, details: [...result.details, said] } }
            : {}),
        });
      },
    );
    return this.saving;
  }

  /** Resolves once every progress write asked for so far is on disk. */
  flushed(): Promise<void> {
    return this.saving;
  }

  private update(patch: Partial<SessionSnapshot>): void {
    if (this.disposed) return;
    const { requests, traces } = this.unseen;
    if (requests.length || traces.length) {
      // Any new snapshot carries the events that came since the last one.
      patch = {
        ...(requests.length ? { requests: newest(this.state.requests.concat(requests), KEEP_REQUESTS) } : {}),
        ...(traces.length ? { traces: newestJourneys(this.state.traces.concat(traces)) } : {}),
        ...patch,
      };
      this.unseen = { requests: [], traces: [] };
    }
    this.publishing = false;
    clearTimeout(this.publishTimer);
    this.publishedAt = Date.now();
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
