// What a step's check, and a step's solve() in the walk test, get to work with: the lab's URLs,
// the events since the step began, the learner's answer, this run's secrets. The views are live:
// a check that sends its own request (an edit check trying the learner's app) sees what that
// request caused.
import { runShown } from './checks.js';
import type { Lab } from './lab.js';
import type { CheckContext, RequestEvent, SolveContext } from './types.js';

export function checkContext(lab: Lab, stepId: string, answer?: string): Omit<CheckContext, 'signal'> {
  return {
    lesson: lab.lesson.id,
    step: stepId,
    url: (server, port) => lab.url(server, port),
    port: (server, port) => lab.port(server, port),
    get events() {
      return lab.eventsSince(stepId);
    },
    requests: (...servers: (string | undefined)[]) => {
      const names = servers.filter((name) => name !== undefined); // requests(undefined): all of them
      return lab
        .eventsSince(stepId)
        .filter((e): e is RequestEvent => e.event === 'request' && (names.length === 0 || names.includes(e.server)));
    },
    // The supervisor let in only events that fit the server's declared family (lab.ts), so the
    // filtered list has the type the lesson asked for.
    eventsOf: ((server: string, event: string) =>
      lab.eventsSince(stepId).filter((e) => e.event === event && e.server === server)) as CheckContext['eventsOf'],
    ...(answer !== undefined ? { answer: answer.trim() } : {}),
    secrets: { ...lab.secrets },
    workspace: lab.lessonWorkspace,
    get servers() {
      return lab.servers();
    },
  };
}

/** Object.assign, not a spread, so the live getters stay getters. */
export function solveContext(lab: Lab, stepId: string, env: Record<string, string>): SolveContext {
  return Object.assign(checkContext(lab, stepId), {
    signal: new AbortController().signal,
    run: (command: string) => runShown(lab.fill(command, 'command'), { env, cwd: lab.lessonWorkspace }),
    control: (action: 'stop' | 'start' | 'restart', server: string) => lab.control(action, server),
  });
}
