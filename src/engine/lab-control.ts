// A running lab's side of `check` and `ctl` from other terminals: it serves the token-protected
// control endpoint and keeps the lab record (<workspace>/.labs/<lesson>.json) up to date. The
// record's pid, URL and token are how another terminal finds this lab; it goes when the lab does.
import { EXIT, TutorError } from './errors.js';
import { newToken, removeRecord, removeRecordSync, startControlServer, writeRecord } from './control.js';
import type { StepOutcome } from './checks.js';
import type { Progress } from './progress.js';
import type { LabEvent, LoadedLesson, ServerSnapshot } from './types.js';

/** What the endpoint needs of a lab. */
export interface Controllable {
  readonly lesson: LoadedLesson;
  servers(): ServerSnapshot[];
  events(): readonly LabEvent[];
  /** The last lines a server printed (stdout and stderr). */
  logs(server: string): string[];
  check(stepId: string, answer?: string): Promise<StepOutcome>;
  control(action: 'stop' | 'start' | 'restart', server: string): Promise<void>;
}

export class LabControl {
  private closed = false;

  private constructor(
    private readonly lab: Controllable,
    private readonly workspace: string,
    readonly url: string,
    private readonly token: string,
    private readonly server: { close(): void },
  ) {}

  static async open(lab: Controllable, workspace: string, progress?: Progress): Promise<LabControl> {
    const token = newToken();
    const { server, url } = await startControlServer(token, async (route, body, query) => {
      if (route === '/state')
        return { lesson: lab.lesson.id, pid: process.pid, servers: lab.servers(), events: lab.events().length };
      if (route === '/events') return lab.events();
      // `lab --json` prints events only; a script that also wants a server's output asks here.
      if (route === '/logs') return logsOf(lab, query.get('server') ?? '');
      if (route === '/check') return checkFor(lab, progress, stringOr(body.step), stringOr(body.answer));
      if (route === '/ctl') {
        await lab.control(body.action as 'stop' | 'start' | 'restart', String(body.server));
        return { servers: lab.servers() };
      }
      throw new Error(`unknown control route ${route}`);
    });
    const control = new LabControl(lab, workspace, url, token, server);
    await control.update();
    return control;
  }

  /** Write the record again (a restarted server has a new pid). */
  async update(): Promise<void> {
    if (this.closed) return;
    await writeRecord(this.workspace, {
      lesson: this.lab.lesson.id,
      pid: process.pid,
      control: this.url,
      token: this.token,
      startedAt: new Date().toISOString(),
      servers: this.lab.servers(),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server.close();
    await removeRecord(this.workspace, this.lab.lesson.id);
  }

  /** For the synchronous 'exit' handler. */
  closeNow(): void {
    removeRecordSync(this.workspace, this.lab.lesson.id);
  }
}

/** A check asked for from another terminal: STEP defaults to the first one not yet passed, and a
 * pass is saved to progress here, in the lab's process. */
async function checkFor(
  lab: Controllable,
  progress: Progress | undefined,
  stepId: string | undefined,
  answer: string | undefined,
): Promise<StepOutcome & { progressError?: string }> {
  const { lesson } = lab;
  await progress?.reload();
  const id =
    stepId ?? lesson.steps.find((step) => !progress?.isPassed(lesson.id, step.id))?.id ?? lesson.steps.at(-1)!.id;
  const outcome = await lab.check(id, answer);
  if (outcome.status !== 'pass') return outcome;
  try {
    await progress?.markPassed(lesson.id, id);
  } catch (error) {
    // The step passed; only writing it down failed. Say both, in words (workspace-errors.ts).
    const { message, hint } = error as { message: string; hint?: string };
    return {
      ...outcome,
      details: [...outcome.details, `${message} ${hint ?? ''}`.trim()],
      progressError: message,
    };
  }
  return outcome;
}

function logsOf(lab: Controllable, name: string): { server: string; lines: string[] } {
  if (!lab.servers().some((server) => server.name === name)) {
    const names = lab.servers().map((server) => server.name);
    throw new TutorError(
      `The ${lab.lesson.id} lab has no server named "${name}".`,
      `Ask for one of its servers: /logs?server=${names.join(' or /logs?server=')}.`,
      EXIT.usage,
    );
  }
  return { server: name, lines: lab.logs(name) };
}

/** A field of the request body, if it is a string (a number where text belongs is ignored). */
function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
