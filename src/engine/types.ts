// The shapes everything else agrees on: a lesson definition (what lesson.ts files export), the
// events lab servers report, and what a check gets and gives back. No behaviour lives here.
import type { EventOf, Family } from '../servers/lib/event-schema.js';
import type { Layer } from './layers.js';
import type { RequirementId } from './requirements.js';

export type { Layer, RequirementId };

/** How to run a lab server. Paths are relative to the lesson folder; `@servers/…` means the
 * tutor's shared servers folder (src/servers, shipped as dist/servers). */
export type Program =
  | { node: string; args?: string[] }
  | { python: string; args?: string[] }
  | { command: string; args?: string[] };

export interface ServerSpec<N extends string = string, F extends Family = Family> {
  /** Name in the lab, used in URLs placeholders ({{origin.url}}), events and `ctl`. */
  name: N;
  /** The events this server writes on fd 3: its family's declaration (src/servers/<family>/
   * events.ts). The tutor drops lines that do not fit it; checks read its fields typed. */
  events: F;
  /** What it is, for the learner: "origin server", "reverse proxy", "WSGI server". */
  role: string;
  program: Program;
  /** Preferred port on 127.0.0.1, stable so an instructor can say "port 8080". */
  port: number;
  /** More ports of the same process, by name: { https: 8443 } → GT_PORT_HTTPS, {{proxy.https}}. */
  extraPorts?: Record<string, number>;
  /** Scheme of the primary URL; 'fcgi' for a server that speaks FastCGI, not HTTP (the form
   * Apache's mod_proxy_fcgi writes, fcgi://host:port), so no one mistakes it for a web address.
   * @default 'http' */
  scheme?: 'http' | 'https' | 'fcgi';
  /** 'event': the server writes {"event":"ready"}; 'listening': its port accepts a connection;
   * { line }: it prints a log line that matches (Gunicorn's "Booting worker"). @default 'event' */
  ready?: 'event' | 'listening' | { line: RegExp };
  /** @default 10000 */
  readyTimeoutMs?: number;
  env?: Record<string, string>;
  requires?: RequirementId[];
}

export type StepKind = 'read' | 'probe' | 'answer' | 'edit' | 'drill';

export interface Step<S extends ServerSpec = ServerSpec> {
  /** Stable id, unique in the lesson (progress and `check LESSON STEP` use it). */
  id: string;
  kind: StepKind;
  title: string;
  /** Markdown file in the lesson folder. Placeholders like {{origin.url}} are filled in. */
  text: string;
  /** Commands shown to the learner, with placeholders ({{origin.url}}, {{origin.port}},
   * {{proxy.https}}, {{workspace}}). The walk test runs every one of them. */
  commands?: string[];
  hints?: string[];
  /** Edit steps: the file, relative to the lesson workspace, whose save re-runs the check. */
  watch?: string;
  /** The step needs these (Flask, Gunicorn…); without them it is skipped with the reason. */
  requires?: RequirementId[];
  /** Judges what the lab observed. Needed for every kind but 'read'. */
  check?: (ctx: CheckContext<FamiliesOf<S>>) => Promise<CheckResult>;
  /** What a learner would do, for the walk test: edit files, call ctx.run(command) for shown
   * commands, and return the answer for answer steps. Without it the walk runs `commands`. */
  solve?: (ctx: SolveContext<FamiliesOf<S>>) => Promise<string | void>;
  /** @default 5000 */
  timeoutMs?: number;
}

export interface LessonDefinition<S extends ServerSpec = ServerSpec> {
  id: string;
  title: string;
  /** One line for the lesson map. */
  summary: string;
  /** Where the lesson lives in the stack drawing. */
  layer: Layer;
  requires: RequirementId[];
  /** Names of fresh random values made for each lab run (GT_SECRETS, ctx.secrets). */
  secrets?: string[];
  servers: readonly S[];
  steps: Step<S>[];
}

/** Identity function that gives lesson.ts files type checking: each step's `ctx.requests('proxy')`
 * and `ctx.eventsOf('proxy', 'health')` are typed by the `events` of the server of that name. */
export function defineLesson<const S extends ServerSpec>(lesson: LessonDefinition<S>): LessonDefinition {
  // The engine holds every lesson alike; the precise types were for the lesson's own checks.
  return lesson as unknown as LessonDefinition;
}

/** The servers of a lesson, declared before it so helper functions can name its check context:
 * `const servers = labServers([...]); type Ctx = ContextOf<typeof servers>`. */
export function labServers<const S extends ServerSpec>(servers: readonly S[]): readonly S[] {
  return servers;
}

/** [name, value] pairs, in wire order and case. */
export type HeaderPairs = [string, string][];

/** What the tutor adds to every event it accepts. */
export interface Received {
  /** Position in the lab's event list, from 1. */
  seq: number;
  /** Milliseconds since the epoch, when the tutor received it. */
  time: number;
  /** The lab server that reported it ('lab' for the supervisor's own events). */
  server: string;
}

/** Any event, as the engine and the views see it: only what every event has. Checks read typed
 * events through `ctx.requests(server)` and `ctx.eventsOf(server, name)`. */
export interface LabEventBase extends Received {
  event: string;
}

/** The fields every request event carries (docs/lab-servers.md), whatever the server. */
export interface RequestEvent extends LabEventBase {
  event: 'request';
  conn?: number;
  remote?: string;
  method: string;
  target: string;
  httpVersion?: string;
  headers: HeaderPairs;
  status: number | null;
  responseHeaders?: HeaderPairs;
  durationMs?: number;
  aborted?: boolean;
  error?: string;
  /** A request the lab made by itself (a proxy's health check), not the learner's doing. */
  healthCheck?: boolean;
  /** Its number in the tutor's request log (#3), from 1, set by the lab on each of the learner's
   * requests (none on a health check). The TUI's log, `trace LESSON 3` and the session all read
   * it, so they agree after old requests are let go. */
  number?: number;
}

/** The supervisor's own event: a server went up, stopped or crashed after the lab started. */
export interface ServerStateEvent extends LabEventBase {
  server: 'lab';
  event: 'server';
  name: string;
  state: 'up' | 'stopped' | 'crashed';
  reason?: string;
}

export type LabEvent = LabEventBase | RequestEvent;

/** An event of a family as checks get it: `LabEventOf<typeof reverseProxyEvents, 'health'>`. */
export type LabEventOf<F extends Family, E extends string = string> = Extract<EventOf<F>, { event: E }> & Received;

export type ServerState = 'starting' | 'up' | 'stopped' | 'crashed';

export interface ServerSnapshot {
  name: string;
  role: string;
  url: string;
  port: number;
  ports: Record<string, number>;
  state: ServerState;
  pid: number | null;
  /** Why it is not up, for the learner ("exited with code 1: …"). */
  reason?: string;
}

export interface CheckResult {
  status: 'pass' | 'fail';
  message: string;
  /** What the lab saw, in words or a short quote. */
  saw?: string;
  /** What it wanted. */
  expected?: string;
  details?: string[];
}

/** What the engine reports for a check: a check that throws is the tutor's error, not a fail. */
export interface CheckOutcome {
  lesson: string;
  step: string;
  status: 'pass' | 'fail' | 'error';
  message: string;
  details: string[];
}

/** Which events each server of a lab writes: `{ proxy: typeof reverseProxyEvents, … }`. */
export type Families = Record<string, Family>;

/** The families of a lesson's servers, by name (ServerSpec.events). */
export type FamiliesOf<S extends ServerSpec> = { [N in S['name']]: FamilyNamed<S, N> };
type FamilyNamed<S extends ServerSpec, N extends string> = S extends ServerSpec
  ? N extends S['name']
    ? S['events']
    : never
  : never;

/** Event `E` of server `N` as a check sees it, typed by the server's family. Seen from the engine
 * (no precise families), only what every event (or every request event) has. */
export type EventFrom<M extends Families, N extends keyof M, E extends string> = string extends keyof M[N]
  ? E extends 'request'
    ? RequestEvent
    : LabEventBase
  : LabEventOf<M[N], E>;

/** What every check gets, whatever the lesson. */
export interface ContextBase {
  lesson: string;
  step: string;
  /** Base URL of a lab server (no trailing slash), or of one of its extra ports. */
  url(server: string, port?: string): string;
  port(server: string, port?: string): number;
  /** Events observed since this step began, oldest first (only the fields every event has:
   * read a server's own fields through `requests` and `eventsOf`). */
  events: LabEvent[];
  /** The learner's answer, for answer steps (trimmed). */
  answer?: string;
  /** This lab run's secrets. */
  secrets: Record<string, string>;
  /** The learner's folder for this lesson. */
  workspace: string;
  /** The state of each lab server now. */
  servers: ServerSnapshot[];
  /** Aborted when the check runs out of time: pass it to fetch() and other waits of the check. */
  signal: AbortSignal;
}

/** The context of a check whose servers' families are known (`M`: name → family). */
export interface TypedContext<M extends Families> extends ContextBase {
  /** Request events since this step began of these servers (of all, with none named), oldest
   * first, typed by each server's `events`. */
  requests<N extends keyof M & string>(...servers: N[]): EventFrom<M, N, 'request'>[];
  /** Events called `event` that server `server` wrote since this step began, typed. */
  eventsOf<N extends keyof M & string, E extends EventOf<M[N]>['event']>(server: N, event: E): EventFrom<M, N, E>[];
}

/** The context of a check seen from the engine, or by a helper that serves any lesson: every
 * lesson's typed context can be passed where this one is asked for. */
export interface AnyContext extends ContextBase {
  requests(...servers: string[]): RequestEvent[];
  eventsOf(server: string, event: string): LabEventBase[];
}

/** What a check gets. `M` maps the lab's server names to their event families: a lesson writes
 * `ContextOf<typeof servers>` (see labServers), and `requests`/`eventsOf` are typed by it. */
export type CheckContext<M extends Families = Families> = string extends keyof M ? AnyContext : TypedContext<M>;

export interface SolveActions {
  /** Run a shown command (placeholders filled) as the learner would, in a shell. */
  run(command: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Stop/start a lab server, as `gateway-tutor ctl` would. */
  control(action: 'stop' | 'start' | 'restart', server: string): Promise<void>;
}

/** What a step's solve() gets in the walk test: a check's context and the learner's hands. */
export type SolveContext<M extends Families = Families> = CheckContext<M> & SolveActions;

/** A lesson as loaded from its folder. */
export interface LoadedLesson extends LessonDefinition {
  /** The lesson folder (lessons/01-http-basics). */
  dir: string;
  /** The folder name's number (01 → 1); lessons are listed in this order. */
  order: number;
  /** Raw markdown of each step, by step id (placeholders not yet filled). */
  texts: Record<string, string>;
}

/** Something that changed in a running lab, for views and the probe watcher. */
export type LabChange =
  /** `json`: the event as `lab --json` prints it (JSON.stringify of it, but that a request event
   * keeps the `trace` its line carried). The lab makes each only when it is read (kept-event.ts). */
  | { type: 'event'; readonly event: LabEvent; readonly json?: string }
  | { type: 'server'; server: ServerSnapshot }
  | { type: 'log'; server: string; line: string }
  /** A server wrote a line on fd 3 that is not one of its declared events; it was dropped. */
  | { type: 'dropped'; server: string; problem: string };

/** What the TUI and the CLI hold of a running lab. The real one is Lab (lab.ts); tests of views
 * use a fake with the same shape. */
export interface LabHandle {
  readonly lesson: LoadedLesson;
  /** This run's secrets. */
  readonly secrets: Record<string, string>;
  servers(): ServerSnapshot[];
  events(): readonly LabEvent[];
  /** Last log lines of a server (stdout and stderr). */
  logs(server: string): string[];
  subscribe(listener: (change: LabChange) => void): () => void;
  /** Fill {{server.url}}-style placeholders with this lab's real values. Use mode 'command' for
   * a shown command (paths are shell-quoted when needed) and 'markdown' for a step text. */
  fill(text: string, mode?: 'text' | 'command' | 'markdown'): string;
  /** From now on, this step's check sees only events that come after this call. */
  beginStep(stepId: string): void;
  check(stepId: string, answer?: string): Promise<CheckOutcome>;
  control(action: 'stop' | 'start' | 'restart', server: string): Promise<void>;
  teardown(): Promise<void>;
}

/** The check context of a lesson whose servers are `typeof servers` (from labServers). */
export type ContextOf<T extends readonly ServerSpec[]> = CheckContext<FamiliesOf<T[number]>>;
/** The same for a step's solve(). */
export type SolveContextOf<T extends readonly ServerSpec[]> = SolveContext<FamiliesOf<T[number]>>;
