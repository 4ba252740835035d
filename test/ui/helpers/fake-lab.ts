// A LabHandle with no processes: tests push requests and server changes into it and decide what
// each step's check answers. Views and sessions cannot tell it from the real Lab.
import type {
  CheckOutcome,
  LabChange,
  LabEvent,
  LabHandle,
  LoadedLesson,
  RequestEvent,
  ServerSnapshot,
  SolveContext,
} from '../../../src/engine/types.js';
import type { ProgressStore } from '../../../src/engine/session.js';

export type FakeCheck = (
  stepId: string,
  events: readonly LabEvent[],
  answer?: string,
) => Omit<CheckOutcome, 'lesson' | 'step'>;

export class FakeLab implements LabHandle {
  readonly secrets = { token: 'fake-token' };
  readonly calls: string[] = [];
  tornDown = false;
  private requestCount = 0;
  private list: LabEvent[] = [];
  private stepStart = 0;
  private listeners = new Set<(change: LabChange) => void>();
  private snapshots: ServerSnapshot[];

  constructor(
    readonly lesson: LoadedLesson,
    public judge: FakeCheck = () => ({ status: 'fail', message: 'not yet', details: [] }),
  ) {
    this.snapshots = lesson.servers.map((s, i) => ({
      name: s.name,
      role: s.role,
      url: `http://127.0.0.1:${s.port}`,
      port: s.port,
      ports: { ...s.extraPorts },
      state: 'up',
      pid: 4000 + i,
    }));
  }

  servers(): ServerSnapshot[] {
    return this.snapshots;
  }
  events(): readonly LabEvent[] {
    return this.list;
  }
  private logLines = new Map<string, string[]>();
  logs(server: string): string[] {
    return [...(this.logLines.get(server) ?? [])];
  }
  /** A lab server printed a line. */
  log(server: string, line: string): void {
    this.logLines.set(server, [...(this.logLines.get(server) ?? []), line]);
    this.emit({ type: 'log', server, line });
  }
  subscribe(listener: (change: LabChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  fill(text: string): string {
    return text.replace(/\{\{([\w-]+)\.(url|port)\}\}/g, (all, name: string, what: string) => {
      const server = this.snapshots.find((s) => s.name === name);
      if (!server) return all;
      return what === 'url' ? server.url : String(server.port);
    });
  }
  /** What a step's solve() gets (the solution view uses it): no shell, no processes. */
  solveContext(stepId: string): SolveContext {
    return {
      lesson: this.lesson.id,
      step: stepId,
      url: (name) => this.snapshots.find((s) => s.name === name)?.url ?? '',
      port: (name) => this.snapshots.find((s) => s.name === name)?.port ?? 0,
      events: [],
      requests: () => [],
      eventsOf: () => [],
      secrets: this.secrets,
      workspace: '/nowhere',
      servers: this.snapshots,
      signal: new AbortController().signal,
      run: async (command) => ({ exitCode: 0, stdout: `ran ${command}`, stderr: '' }),
      control: async () => {},
    };
  }
  beginStep(stepId: string): void {
    this.calls.push(`begin ${stepId}`);
    this.stepStart = this.list.length;
  }
  async check(stepId: string, answer?: string): Promise<CheckOutcome> {
    this.calls.push(`check ${stepId}${answer === undefined ? '' : ` ${answer}`}`);
    return { lesson: this.lesson.id, step: stepId, ...this.judge(stepId, this.list.slice(this.stepStart), answer) };
  }
  async control(action: 'stop' | 'start' | 'restart', server: string): Promise<void> {
    this.calls.push(`${action} ${server}`);
    this.snapshots = this.snapshots.map((s) =>
      s.name === server
        ? { ...s, state: action === 'stop' ? 'stopped' : 'up', pid: action === 'stop' ? null : s.pid }
        : s,
    );
    const changed = this.snapshots.find((s) => s.name === server);
    if (changed) this.emit({ type: 'server', server: changed });
  }
  async teardown(): Promise<void> {
    this.tornDown = true;
  }

  /** The lab observed a request. */
  request(fields: Partial<RequestEvent> & { target: string }): RequestEvent {
    const event: RequestEvent = {
      seq: this.list.length + 1,
      time: Date.UTC(2025, 0, 1, 12, 0, this.list.length),
      server: this.snapshots[0]?.name ?? 'origin',
      event: 'request',
      method: 'GET',
      headers: [['Host', '127.0.0.1']],
      status: 200,
      responseHeaders: [['Content-Type', 'text/plain']],
      durationMs: 3,
      ...fields,
    };
    // As the real lab (lab.ts): the learner's requests are numbered, health checks are not.
    if (!event.healthCheck) event.number = ++this.requestCount;
    this.list.push(event);
    this.emit({ type: 'event', event });
    return event;
  }

  private emit(change: LabChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** Progress in memory, recording what was saved. */
export class FakeProgress implements ProgressStore {
  readonly saved: string[] = [];
  private passedSteps = new Map<string, Set<string>>();
  private currents = new Map<string, string>();
  last?: string;
  warning?: string;
  constructor(initial: Record<string, string[]> = {}) {
    for (const [lesson, steps] of Object.entries(initial)) this.passedSteps.set(lesson, new Set(steps));
  }
  passed(lessonId: string): string[] {
    return [...(this.passedSteps.get(lessonId) ?? [])];
  }
  isPassed(lessonId: string, stepId: string): boolean {
    return this.passedSteps.get(lessonId)?.has(stepId) ?? false;
  }
  async markPassed(lessonId: string, stepId: string): Promise<void> {
    this.saved.push(`${lessonId}/${stepId}`);
    if (!this.passedSteps.has(lessonId)) this.passedSteps.set(lessonId, new Set());
    this.passedSteps.get(lessonId)!.add(stepId);
  }
  current(lessonId: string): string | undefined {
    return this.currents.get(lessonId);
  }
  async setCurrent(lessonId: string, stepId: string): Promise<void> {
    this.currents.set(lessonId, stepId);
    this.last = lessonId;
  }
  lastLesson(): string | undefined {
    return this.last;
  }
}
