// A check context made from a list of events, for unit tests of a lesson's checks: each check
// gets exactly what the engine would give it had the lab seen these events.
import type { CheckContext, LabEvent, RequestEvent } from '../../src/engine/types.js';

export function contextFrom(
  events: LabEvent[],
  { answer, secrets = {}, url = () => 'http://127.0.0.1:8000', lesson = 'test' }: FakeContextOptions = {},
): CheckContext {
  return {
    lesson,
    step: 'x',
    url,
    port: (server, port) => Number(new URL(url(server, port)).port),
    events,
    requests: (...servers) =>
      events.filter((e): e is RequestEvent => e.event === 'request' && (!servers.length || servers.includes(e.server))),
    eventsOf: (server, name) => events.filter((e) => e.server === server && e.event === name),
    ...(answer !== undefined ? { answer } : {}),
    secrets,
    workspace: '/tmp/ws',
    servers: [],
    signal: new AbortController().signal,
  };
}

export interface FakeContextOptions {
  answer?: string;
  secrets?: Record<string, string>;
  url?: (server: string, port?: string) => string;
  lesson?: string;
}
