// One lesson's walk (walk.test.ts walks every lesson; lifecycle-gateways.test.ts walks the
// lifecycle lesson again with each of its gateways): start its real lab and go through every step
// as a learner would. Each check must fail before the learner acts and pass after; every command
// the lesson shows is run, with the lab's real ports filled in.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { missingRequirements } from '../../src/engine/checks.js';
import { Lab } from '../../src/engine/lab.js';
import type { CheckOutcome, LoadedLesson, Step } from '../../src/engine/types.js';
import { awkwardDir, cleanEnv } from '../helpers/env.js';
import { survivors } from '../helpers/processes.js';

export interface WalkOptions {
  /** Names the workspace folder (default the lesson id). */
  name?: string;
  /** Try the lesson's preferred ports first (@default true). Walks that run beside the main walk
   * of the same lesson say false: two labs racing for the same preferred ports can leave one's
   * proxy pointing at the other's backend. */
  preferredPorts?: boolean;
  /** One more test after the last step, given the lab with every event of the walk. */
  lastly?: { title: string; test: (lab: Lab) => void | Promise<void> };
}

/** Call inside a describe(): its beforeAll starts the lab, one it() per step. */
export function walkLesson(lesson: LoadedLesson, options: WalkOptions = {}): void {
  const name = options.name ?? lesson.id;
  // A workspace path with a space and a quote: shown commands must survive it.
  const workspace = awkwardDir(`walk-${name}`);
  const env = cleanEnv();
  let lab: Lab;
  const pids = new Set<number>();

  beforeAll(async () => {
    lab = await Lab.start(lesson, { workspace, preferredPorts: options.preferredPorts });
    for (const server of lab.servers()) if (server.pid) pids.add(server.pid);
    lab.subscribe((change) => {
      if (change.type === 'server' && change.server.pid) pids.add(change.server.pid);
    });
  });

  afterAll(async () => {
    // Every line a server wrote on fd 3 fitted its declared events (nothing was dropped).
    const dropped = lab ? [...lab.dropped] : [];
    await lab?.teardown();
    expect(await survivors([...pids])).toEqual([]);
    expect(dropped).toEqual([]);
  });

  for (const step of lesson.steps) {
    it(`${step.id} (${step.kind})`, async (context) => {
      const missing = await missingRequirements(step);
      if (missing.length) return context.skip(`needs ${missing.join('; ')}`);
      lab.beginStep(step.id);

      if (step.kind !== 'read') {
        const before = await lab.check(step.id, step.kind === 'answer' ? 'not-the-answer' : undefined);
        expect(before.status, `"${step.id}" must fail before the learner acts: ${before.message}`).toBe('fail');
        expect(before.message.length).toBeGreaterThan(0);
      }

      const { answer, ran, transcript } = await act(lab, step, env);
      for (const command of step.commands ?? []) {
        expect(ran, `the shown command "${command}" was never run`).toContain(command);
      }
      const after = await checkUntilPass(lab, step, answer);
      expect(
        after.status,
        `"${step.id}" must pass after the learner acts: ${after.message}\n${after.details.join('\n')}\n${transcript.join('\n')}`,
      ).toBe('pass');
    });
  }
  const lastly = options.lastly;
  if (lastly) it(lastly.title, () => lastly.test(lab));
}

/** Do what a learner would: the step's solve(), or else its shown commands in order. */
async function act(lab: Lab, step: Step, env: Record<string, string>) {
  const ran: string[] = [];
  const transcript: string[] = [];
  const context = lab.solveContext(step.id, env);
  const run = context.run;
  // Record every command the stand-in learner runs (the context keeps its live getters).
  context.run = async (command) => {
    ran.push(command);
    const result = await run(command);
    transcript.push(
      `$ ${lab.fill(command, 'command')}\n(exit ${result.exitCode})\n${result.stdout.slice(0, 2000)}${result.stderr.slice(0, 1000)}`,
    );
    return result;
  };
  let answer: string | undefined;
  if (step.solve) answer = (await step.solve(context)) ?? undefined;
  else for (const command of step.commands ?? []) await context.run(command);
  return { answer, ran, transcript };
}

/** A lab event can arrive a moment after the command that caused it exits: re-check on each
 * new event, up to a deadline. */
async function checkUntilPass(lab: Lab, step: Step, answer: string | undefined): Promise<CheckOutcome> {
  const deadline = Date.now() + 10_000;
  let outcome = await lab.check(step.id, answer);
  while (outcome.status !== 'pass' && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 200);
      const unsubscribe = lab.subscribe((change) => change.type === 'event' && done());
      function done() {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
    outcome = await lab.check(step.id, answer);
  }
  return outcome;
}
