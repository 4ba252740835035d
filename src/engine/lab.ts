// A running lab: the lesson's servers on loopback ports, the events they report, the checks run
// against those events, and the control endpoint other terminals use. Plain TypeScript, no Ink:
// the TUI, the `lab` command and the tests all drive this same object, and `teardown()` is the one
// way it ends (the exit guard in shutdown.ts covers the ways nobody planned).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventProblem, type Family } from '../servers/lib/event-schema.js';
import { LabChild, PortTakenError } from './child.js';
import { trimWholeJourneys } from './journey.js';
import {
  carriedEvent,
  carriedPhases,
  EventChange,
  fileAs,
  KeptEvent,
  plainPhase,
  type RawEvent,
} from './kept-event.js';
import { checkContext, solveContext } from './check-context.js';
import { runCheck, type StepOutcome } from './checks.js';
import { claimRecord, removeRecord, removeRecordSync } from './control.js';
import { LabControl } from './lab-control.js';
import { cleanLeftovers, runDirPrefix } from './leftovers.js';
import { workspaceError } from './workspace-errors.js';
import { EXIT, TutorError, usageError } from './errors.js';
import { fillPlaceholders, type FillMode, type PortMap } from './placeholders.js';
import { freePort, releasePort } from './ports.js';
import { resolveProgram } from './programs.js';
import type { Progress } from './progress.js';
import { findPython, lessonAvailability } from './requirements.js';
import { registerLab, unregisterLab } from './shutdown.js';
import { tutorCommand } from './tutor-command.js';
import type {
  LabChange,
  LabEvent,
  LabHandle,
  LoadedLesson,
  ServerSnapshot,
  ServerSpec,
  SolveContext,
} from './types.js';
import { ensureStarter } from './workspace.js';

const MAX_EVENTS = 5000;
/** Old events are dropped this many at a time: dropping one per new event moved all 5000 of the
 * list on every event (about 50 µs each, more than a small request costs a lab server). */
const TRIM_EVENTS = 500;
/** A server that crashes is started again, at most this many times in RESTART_WINDOW_MS: one that
 * crashes on every start would otherwise loop for ever. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

export interface LabOptions {
  /** The workspace root (not the lesson folder). */
  workspace: string;
  /** Start the control endpoint and write the lab record. @default true */
  control?: boolean;
  /** Progress to consult and update for checks asked through the control endpoint. */
  progress?: Progress;
  /** Try the lessons' preferred ports first. @default true */
  preferredPorts?: boolean;
}

interface Member {
  /** Control actions on this server, one after another. */
  queue: Promise<void>;
  spec: ServerSpec;
  /** The running process; a fresh one for every start (they are told every server's URL). */
  child?: LabChild;
  ports: PortMap;
  snapshot: ServerSnapshot;
  /** When it crashed lately (for the restart budget). */
  crashes?: number[];
  /** Process groups the server started and said so (`spawn` … `exit` events, as the CGI server
   * does for each script): killed by the lab when the server itself dies, so a script cannot
   * outlive a server that was SIGKILLed or crashed before it could stop its scripts. */
  groups: Set<number>;
}

export class Lab implements LabHandle {
  readonly secrets: Record<string, string>;
  readonly lessonWorkspace: string;
  private readonly members = new Map<string, Member>();
  /** The events kept, oldest first: objects, or lines not read yet (kept-event.ts). */
  private readonly eventList: (LabEvent | KeptEvent)[] = [];
  /** Some of eventList may be lines not made into objects yet. */
  private lines = false;
  private readonly listeners = new Set<(change: LabChange) => void>();
  private readonly marks = new Map<string, number>();
  /** What was wrong with the last fd-3 lines the servers wrote that were not their events. */
  readonly dropped: string[] = [];
  private seq = 0;
  /** How many of the learner's requests the lab has seen (RequestEvent.number). */
  private requestCount = 0;
  private runDir = '';
  private python = 'python3';
  private controlEndpoint: LabControl | undefined;
  private tornDown: Promise<void> | undefined;
  /** Server start/stop events are reported once the lab is up, not for its own start. */
  private booted = false;

  private constructor(
    readonly lesson: LoadedLesson,
    private readonly options: LabOptions,
    lessonWorkspace: string,
  ) {
    this.lessonWorkspace = lessonWorkspace;
    this.secrets = Object.fromEntries((lesson.secrets ?? []).map((name) => [name, randomBytes(4).toString('hex')]));
  }

  /** Start every server of the lesson; resolves when all are ready. */
  static async start(lesson: LoadedLesson, options: LabOptions): Promise<Lab> {
    // Looking for curl or Python runs beside the start, not before it: a missing requirement
    // still wins over whatever the start ran into, and nothing is left running either way.
    const availability = lessonAvailability(lesson);
    if (options.control !== false) {
      // Claimed before anything starts: of two labs started at the same moment, one runs.
      const running = await claimRecord(options.workspace, lesson.id).catch((error: unknown) => {
        throw workspaceError(error, 'The lab could not write its record in the workspace');
      });
      if (running) {
        const where = running.servers.map((s) => `${s.name} ${s.url}`).join(', ');
        throw usageError(
          `A lab for ${lesson.id} is already ${running.control ? 'running' : 'starting'} (process ${running.pid})${where ? `: ${where}` : ''}.`,
          `Use it from here with \`gateway-tutor check ${lesson.id}\`, or stop it first (Ctrl-C in its terminal, or kill ${running.pid}).`,
        );
      }
    }
    let lessonWorkspace: string;
    try {
      lessonWorkspace = await ensureStarter(lesson, options.workspace);
    } catch (error) {
      if (options.control !== false) await removeRecord(options.workspace, lesson.id);
      throw workspaceError(error, `The lesson's files could not be copied into your workspace`);
    }
    const lab = new Lab(lesson, options, lessonWorkspace);
    registerLab(lab);
    const booted = lab.boot().then(
      () => null,
      (error: unknown) => error,
    );
    const { available, missing } = await availability;
    let error = await booted;
    if (!available) {
      error = new TutorError(
        `The ${lesson.id} lesson cannot run on this machine yet.`,
        missing.map((m) => `  ${m.id}: ${m.why}`).join('\n'),
        EXIT.missing,
      );
    }
    if (error) {
      await lab.teardown();
      throw error;
    }
    return lab;
  }

  private async boot(): Promise<void> {
    if (this.lesson.servers.some((server) => 'python' in server.program))
      this.python = (await findPython())?.executable ?? 'python3';
    // A tutor killed with SIGKILL could not remove its run folder: the next start does.
    await cleanLeftovers();
    this.runDir = await mkdtemp(join(tmpdir(), runDirPrefix(this.lesson.id)));
    // A server that loses its port to another program between our check and its listen exits 98;
    // then every port is picked afresh, because the other servers were told the old URLs.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.allocatePorts(attempt === 1 && this.options.preferredPorts !== false);
        await Promise.all([...this.members.values()].map((member) => this.startMember(member)));
        break;
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt === 3) throw error;
        await Promise.all([...this.members.values()].map((member) => member.child?.stop()));
      }
    }
    if (this.options.control !== false)
      this.controlEndpoint = await LabControl.open(this, this.options.workspace, this.options.progress);
    this.booted = true;
  }

  private async allocatePorts(preferred: boolean): Promise<void> {
    for (const member of this.members.values()) for (const port of Object.values(member.ports)) releasePort(port);
    this.members.clear();
    for (const spec of this.lesson.servers) {
      const ports: PortMap = { port: await freePort(preferred ? spec.port : undefined) };
      for (const [name, port] of Object.entries(spec.extraPorts ?? {}))
        ports[name] = await freePort(preferred ? port : undefined);
      const scheme = spec.scheme ?? 'http';
      const snapshot: ServerSnapshot = {
        name: spec.name,
        role: spec.role,
        url: `${scheme}://127.0.0.1:${ports.port}`,
        port: ports.port!,
        ports: Object.fromEntries(Object.entries(ports).filter(([name]) => name !== 'port')),
        state: 'starting',
        pid: null,
      };
      this.members.set(spec.name, { queue: Promise.resolve(), spec, ports, snapshot, groups: new Set() });
    }
  }

  private makeChild(member: Member): LabChild {
    const { spec } = member;
    const env: Record<string, string> = {
      ...spec.env,
      GT_SERVER: spec.name,
      GT_HOST: '127.0.0.1',
      GT_PORT: String(member.ports.port),
      GT_SECRETS: JSON.stringify(this.secrets),
      GT_WORKSPACE: this.lessonWorkspace,
      GT_LESSON_DIR: this.lesson.dir,
      GT_RUN_DIR: this.runDir,
      GT_EVENTS_FD: '3',
      GT_SERVERS: JSON.stringify(
        this.servers().map(({ name, role, url, port, ports }) => ({ name, role, url, port, ports })),
      ),
      PYTHONUNBUFFERED: '1',
    };
    for (const [name, port] of Object.entries(member.ports))
      if (name !== 'port') env[`GT_PORT_${envName(name)}`] = String(port);
    for (const other of this.members.values()) env[`GT_URL_${envName(other.spec.name)}`] = other.snapshot.url;
    return new LabChild({
      name: spec.name,
      program: resolveProgram(spec.program, this.lesson.dir, this.python),
      env,
      cwd: this.lessonWorkspace,
      port: member.ports.port!,
      ready: spec.ready ?? 'event',
      readyTimeoutMs: spec.readyTimeoutMs ?? 10000,
      events: spec.events,
      onEvent: (event, line) => {
        trackGroup(member.groups, event);
        this.record(spec.name, event, line, spec.events);
      },
      onBadEvent: (problem) => this.drop(spec.name, problem),
      onLog: (line) => this.notify({ type: 'log', server: spec.name, line }),
      onExit: ({ code, signal, expected }) => {
        killGroups(member.groups);
        if (expected) this.setState(member, 'stopped');
        else if (member.snapshot.state !== 'starting') {
          const how = signal ? `signal ${signal}` : `exit code ${code}`;
          const why = lastError(member.child?.tail(30) ?? []);
          this.crashed(member, `exited unexpectedly (${how}${why ? `: ${why}` : ''})`);
        }
      },
    });
  }

  /** A server died without being asked to: say so, then start it again, within a budget. */
  private crashed(member: Member, reason: string): void {
    this.setState(member, 'crashed', reason);
    if (this.tornDown) return;
    const now = Date.now();
    member.crashes = [...(member.crashes ?? []).filter((t) => now - t < RESTART_WINDOW_MS), now];
    const name = member.spec.name;
    if (member.crashes.length > MAX_RESTARTS) {
      this.notify({
        type: 'log',
        server: name,
        line: `[lab] ${name} ${reason}; it crashed ${member.crashes.length} times within a minute, so it stays down (gateway-tutor ctl ${this.lesson.id} start ${name} tries again)`,
      });
      return;
    }
    this.notify({ type: 'log', server: name, line: `[lab] ${name} ${reason}; starting it again` });
    const next = member.queue.then(async () => {
      if (this.tornDown || member.snapshot.state !== 'crashed') return;
      try {
        await this.startMember(member, `restarted after a crash: ${reason}`);
        if (!this.tornDown) await this.controlEndpoint?.update();
      } catch (error) {
        this.notify({
          type: 'log',
          server: name,
          line: `[lab] ${name} could not be started again: ${(error as Error).message}`,
        });
      }
    });
    member.queue = next.catch(() => {});
  }

  private async startMember(member: Member, upReason?: string): Promise<void> {
    const child = this.makeChild(member);
    member.child = child;
    this.setState(member, 'starting');
    const started = child.start();
    member.snapshot.pid = child.pid;
    try {
      await started;
    } catch (error) {
      this.setState(member, 'crashed', (error as Error).message);
      throw error;
    }
    member.snapshot.pid = child.pid;
    this.setState(member, 'up', upReason);
  }

  /** Where `check` and `ctl` reach this lab, when it has a control endpoint. */
  get controlUrl(): string | undefined {
    return this.controlEndpoint?.url;
  }

  servers(): ServerSnapshot[] {
    return [...this.members.values()].map((member) => ({ ...member.snapshot, ports: { ...member.snapshot.ports } }));
  }

  events(): readonly LabEvent[] {
    return this.made();
  }

  logs(server: string): string[] {
    return [...(this.members.get(server)?.child?.logs ?? [])];
  }

  subscribe(listener: (change: LabChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fill(text: string, mode: FillMode = 'text'): string {
    const schemes = Object.fromEntries(this.lesson.servers.map((spec) => [spec.name, spec.scheme ?? 'http']));
    const values = {
      servers: this.portMaps(),
      schemes,
      workspace: this.lessonWorkspace,
      tutor: tutorCommand(this.options.workspace),
    };
    return fillPlaceholders(text, values, mode);
  }

  beginStep(stepId: string): void {
    this.marks.set(stepId, this.seq);
  }

  async check(stepId: string, answer?: string): Promise<StepOutcome> {
    const step = this.lesson.steps.find((s) => s.id === stepId);
    if (!step) {
      throw usageError(
        `The ${this.lesson.id} lesson has no step "${stepId}".`,
        `Its steps: ${this.lesson.steps.map((s) => s.id).join(', ')}`,
      );
    }
    const outcome = await runCheck(step, checkContext(this, stepId, answer));
    // Check messages may name ports and commands ({{origin.url}}, {{tutor}}): fill them too.
    return {
      ...outcome,
      message: this.fill(outcome.message),
      details: outcome.details.map((detail) => this.fill(detail)),
    };
  }

  /** The events since `stepId` began (since the lab started, for a step never begun). */
  eventsSince(stepId: string): LabEvent[] {
    const since = this.marks.get(stepId) ?? 0;
    const list = this.eventList;
    let from = list.length;
    while (from > 0 && list[from - 1]!.seq > since) from--;
    return this.made(from).slice(from);
  }

  /** Base URL of a server, or of one of its extra ports ('https' ports get https). */
  url(server: string, port?: string): string {
    const scheme = port ? (port === 'https' ? 'https' : 'http') : (this.members.get(server)?.spec.scheme ?? 'http');
    return `${scheme}://127.0.0.1:${this.port(server, port)}`;
  }

  port(server: string, port = 'port'): number {
    const value = this.members.get(server)?.ports[port];
    if (value === undefined) throw new Error(`the lab has no server "${server}" with a port "${port}"`);
    return value;
  }

  /** Send a JSON command line on a server's stdin (docs/lab-servers.md): `{"cmd":"slow","on":true}`. */
  command(server: string, command: Record<string, unknown>): void {
    this.members.get(server)?.child?.send(command);
  }

  /** This run's private folder (GT_RUN_DIR): certificates, sockets, spooled bodies. */
  get runDirectory(): string {
    return this.runDir;
  }

  /** What a step's solve() gets: the walk test, standing in for a learner, and the solution view. */
  solveContext(stepId: string, env: Record<string, string>): SolveContext {
    return solveContext(this, stepId, env);
  }

  /** Stop, start or restart one server. Actions on one server run one after another, so two
   * `ctl start` calls at once cannot leave a second, untracked copy running. */
  control(action: 'stop' | 'start' | 'restart', server: string): Promise<void> {
    const member = this.members.get(server);
    if (!member) {
      return Promise.reject(
        usageError(
          `The ${this.lesson.id} lab has no server "${server}".`,
          `Its servers: ${[...this.members.keys()].join(', ')}`,
        ),
      );
    }
    if (!['stop', 'start', 'restart'].includes(action))
      return Promise.reject(usageError(`Unknown action "${action}": use stop, start or restart.`));
    const next = member.queue.then(() => this.act(member, action));
    member.queue = next.catch(() => {});
    return next;
  }

  private async act(member: Member, action: 'stop' | 'start' | 'restart'): Promise<void> {
    if (this.tornDown) throw usageError(`The ${this.lesson.id} lab is stopping.`);
    if (action === 'stop' || action === 'restart') {
      await member.child?.stop();
      this.setState(member, 'stopped');
    }
    if ((action === 'start' || action === 'restart') && member.snapshot.state !== 'up') {
      try {
        await this.startMember(member);
      } catch (error) {
        if (!(error instanceof PortTakenError)) throw error;
        throw new TutorError(
          `${member.spec.name} cannot start again: another program took its port ${member.ports.port} while it was stopped.`,
          `Stop that program (see which with: ss -ltnp 'sport = :${member.ports.port}'), or restart the whole lab.`,
          EXIT.failed,
        );
      }
    }
    if (!this.tornDown) await this.controlEndpoint?.update();
  }

  teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      await Promise.all([...this.members.values()].map((member) => member.child?.stop()));
      await this.controlEndpoint?.close();
      // The record claimed at start, when the lab stopped before its endpoint opened.
      if (this.options.control !== false) await removeRecord(this.options.workspace, this.lesson.id);
      if (this.runDir) await rm(this.runDir, { recursive: true, force: true });
      for (const member of this.members.values()) for (const port of Object.values(member.ports)) releasePort(port);
      unregisterLab(this);
    })();
    return this.tornDown;
  }

  /** Last resort from the synchronous 'exit' handler: SIGKILL every process group, drop the record. */
  killNow(): void {
    for (const member of this.members.values()) {
      killGroups(member.groups);
      const pid = member.child?.pid;
      if (!pid) continue;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.controlEndpoint?.closeNow();
    if (this.options.control !== false) removeRecordSync(this.options.workspace, this.lesson.id);
  }

  private portMaps(): Record<string, PortMap> {
    return Object.fromEntries([...this.members.values()].map((m) => [m.spec.name, m.ports]));
  }

  /** A line of a server's that was not one of its events (child.ts said why, in its log too). */
  private drop(server: string, problem: string): void {
    this.dropped.push(problem);
    if (this.dropped.length > 100) this.dropped.shift();
    this.notify({ type: 'dropped', server, problem });
  }

  /** Keep an event the server's family accepted (child.ts checked it), or one of the lab's own;
   * `line` is the fd-3 line it came in as, `family` the server's, for the trace events its
   * request event may carry. An event is kept as its line (kept-event.ts) unless a listener
   * asks for the object while it is handed out. */
  private record(server: string, raw: RawEvent, line?: string, family?: Family): void {
    if (raw.event === 'ready') return;
    // The line is the event's JSON but for the fields set here: a line that sets one of them
    // itself is kept as the object (lab --json then writes the event out in full).
    if (
      line !== undefined &&
      (raw.server !== undefined || raw.seq !== undefined || raw.time !== undefined || 'number' in raw)
    )
      line = undefined;
    // The parsed line is the tutor's own (LabChild made it and passes it here only): the fields
    // are added to it in place. Copying it with {...raw} cost about 20 µs an event.
    const number = raw.event === 'request' && raw.healthCheck !== true ? ++this.requestCount : undefined;
    const event = fileAs(raw, server, ++this.seq, Date.now(), number);
    // A hop may carry its trace events in its request event (carriedTrace in
    // src/servers/lib/trace-events.ts): they are taken off the request and filed as the trace
    // events they stand for, so journeys and checks see the same events either way.
    // (Set to undefined rather than deleted: `delete` would turn the event into a slow dictionary
    // object for every later reader; an undefined field is left out of JSON and of the views.)
    const carried = raw.event === 'request' ? raw.trace : undefined;
    if (carried !== undefined) raw.trace = undefined;
    if (line === undefined) this.hand(event);
    else this.hand(KeptEvent.own(event, line));
    if (carried !== undefined && family)
      this.fileCarried(server, family, (event as { requestId?: unknown }).requestId, carried, line);
  }

  /** Keep an event and tell the listeners; a kept line stays a line unless one of them read it. */
  private hand(kept: KeptEvent | LabEvent): void {
    this.eventList.push(kept);
    if (this.eventList.length >= MAX_EVENTS + TRIM_EVENTS)
      trimWholeJourneys(this.eventList, this.eventList.length - MAX_EVENTS);
    this.notify(new EventChange(kept));
    if (!(kept instanceof KeptEvent)) return;
    const made = kept.settle();
    if (made === undefined) this.lines = true;
    else {
      // Kept as the object its listener holds (it is at the end, unless a listener filed more).
      const at = this.eventList.lastIndexOf(kept);
      if (at >= 0) this.eventList[at] = made;
    }
  }

  /** A request event's carried trace events, filed one by one, each checked as a `trace` event of
   * the server's family (a family that declares none has its carried ones dropped, as any line of
   * an event it does not declare is): the `event` and `requestId` are the tutor's to set. One that
   * surely fits (plainPhase) is kept as its request's line and the item's place in it. */
  private fileCarried(server: string, family: Family, requestId: unknown, carried: unknown, line?: string): void {
    const phases = carriedPhases(carried);
    const decl = Object.hasOwn(family, 'trace') ? family.trace : undefined;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      if (line !== undefined && plainPhase(decl, requestId, phase)) {
        this.hand(KeptEvent.carried(requestId as string, phase, server, ++this.seq, Date.now(), line, i));
        continue;
      }
      const traced = carriedEvent(requestId, phase);
      const problem = eventProblem(family, traced);
      if (problem === undefined) this.record(server, traced);
      else {
        const message = `${server} carried a trace event the tutor dropped: ${problem}. It was: ${String(JSON.stringify(phase)).slice(0, 160)}`;
        this.members.get(server)?.child?.log(`[gateway-tutor] ${message}`);
        this.drop(server, message);
      }
    }
  }

  /** The kept events from `from` on as objects, made from their lines where they are not yet. */
  private made(from = 0): LabEvent[] {
    const list = this.eventList;
    if (this.lines) {
      for (let i = from; i < list.length; i++) {
        const kept = list[i]!;
        if (kept instanceof KeptEvent) list[i] = kept.value();
      }
      if (from === 0) this.lines = false;
    }
    return list as LabEvent[];
  }

  private setState(member: Member, state: ServerSnapshot['state'], reason?: string): void {
    const previous = member.snapshot.state;
    member.snapshot.state = state;
    member.snapshot.pid = state === 'up' || state === 'starting' ? (member.child?.pid ?? null) : null;
    if (reason) member.snapshot.reason = reason;
    else delete member.snapshot.reason;
    this.notify({ type: 'server', server: { ...member.snapshot } });
    if (this.booted && previous !== state && (state === 'up' || state === 'stopped' || state === 'crashed')) {
      this.record('lab', { event: 'server', name: member.spec.name, state, ...(reason ? { reason } : {}) });
    }
  }

  private notify(change: LabChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The last line of a log that names an error ("TypeError: Invalid URL"), to say why it crashed. */
function lastError(lines: string[]): string | undefined {
  const line = [...lines].reverse().find((l) => /\b[A-Z]\w*(Error|Exception)\b|^Error\b/.test(l));
  return line?.trim().slice(0, 200);
}

/** Follow the process groups a server reports starting (`spawn`) and seeing end (`exit`). */
function trackGroup(groups: Set<number>, event: { event: string } & Record<string, unknown>): void {
  if (typeof event.pid !== 'number' || event.pid <= 1) return;
  if (event.event === 'spawn') groups.add(event.pid);
  else if (event.event === 'exit') groups.delete(event.pid);
}

function killGroups(groups: Set<number>): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  groups.clear();
}

function envName(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}
