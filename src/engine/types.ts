// The shapes everything else agrees on: a lesson definition (what lesson.ts files export), the
// events lab servers report, and what a check gets and gives back. No behaviour lives here.

/** Something the learner's machine must have. The engine knows how to look for each id. */
export type RequirementId = 'curl' | 'python3' | 'flask' | 'gunicorn' | 'uvicorn' | 'openssl';

/** How to run a lab server. Paths are relative to the lesson folder; `@servers/…` means the
 * tutor's shared servers folder (src/servers, shipped as dist/servers). */
export type Program =
  | { node: string; args?: string[] }
  | { python: string; args?: string[] }
  | { command: string; args?: string[] };

export interface ServerSpec {
  /** Name in the lab, used in URLs placeholders ({{origin.url}}), events and `ctl`. */
  name: string;
  /** What it is, for the learner: "origin server", "reverse proxy", "WSGI server". */
  role: string;
  program: Program;
  /** Preferred port on 127.0.0.1, stable so an instructor can say "port 8080". */
  port: number;
  /** More ports of the same process, by name: { https: 8443 } → GT_PORT_HTTPS, {{proxy.https}}. */
  extraPorts?: Record<string, number>;
  /** Scheme of the primary URL. @default 'http' */
  scheme?: 'http' | 'https';
  /** 'event': the server writes {"event":"ready"}; 'listening': its port accepts a connection;
   * { line }: it prints a log line that matches (Gunicorn's "Booting worker"). @default 'event' */
  ready?: 'event' | 'listening' | { line: RegExp };
  /** @default 10000 */
  readyTimeoutMs?: number;
  env?: Record<string, string>;
  requires?: RequirementId[];
}

export type StepKind = 'read' | 'probe' | 'answer' | 'edit' | 'drill';

export interface Step {
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
  check?: (ctx: CheckContext) => Promise<CheckResult>;
  /** What a learner would do, for the walk test: edit files, call ctx.run(command) for shown
   * commands, and return the answer for answer steps. Without it the walk runs `commands`. */
  solve?: (ctx: SolveContext) => Promise<string | void>;
  /** @default 5000 */
  timeoutMs?: number;
}

export interface LessonDefinition {
  id: string;
  title: string;
  /** One line for the lesson map. */
  summary: string;
  /** Where the lesson lives in the stack drawing. */
  layer: 'client' | 'proxy' | 'gateway' | 'app' | 'journey';
  requires: RequirementId[];
  /** Names of fresh random values made for each lab run (GT_SECRETS, ctx.secrets). */
  secrets?: string[];
  servers: ServerSpec[];
  steps: Step[];
}

/** Identity function that gives lesson.ts files type checking. */
export function defineLesson(lesson: LessonDefinition): LessonDefinition {
  return lesson;
}

/** [name, value] pairs, in wire order and case. */
export type HeaderPairs = [string, string][];

export interface LabEventBase {
  /** Position in the lab's event list, from 1. */
  seq: number;
  /** Milliseconds since the epoch, when the tutor received it. */
  time: number;
  /** The lab server that reported it ('lab' for the supervisor's own events). */
  server: string;
  event: string;
  [field: string]: unknown;
}

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
  error?: string;
}

export type LabEvent = LabEventBase | RequestEvent;

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

export interface CheckContext {
  lesson: string;
  step: string;
  /** Base URL of a lab server (no trailing slash), or of one of its extra ports. */
  url(server: string, port?: string): string;
  port(server: string, port?: string): number;
  /** Events observed since this step began, oldest first. */
  events: LabEvent[];
  /** Request events since this step began, optionally only one server's. */
  requests(server?: string): RequestEvent[];
  /** The learner's answer, for answer steps (trimmed). */
  answer?: string;
  /** This lab run's secrets. */
  secrets: Record<string, string>;
  /** The learner's folder for this lesson. */
  workspace: string;
  /** The state of each lab server now. */
  servers: ServerSnapshot[];
  /** Ask a lab server something (for edit checks that exercise the learner's code). */
  signal: AbortSignal;
}

export interface SolveContext extends CheckContext {
  /** Run a shown command (placeholders filled) as the learner would, in a shell. */
  run(command: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Stop/start a lab server, as `gateway-tutor ctl` would. */
  control(action: 'stop' | 'start' | 'restart', server: string): Promise<void>;
}

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
  | { type: 'event'; event: LabEvent }
  | { type: 'server'; server: ServerSnapshot }
  | { type: 'log'; server: string; line: string };

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
