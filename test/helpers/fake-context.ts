// A check context made from a list of events, for unit tests of a lesson's checks: each check
// gets exactly what the engine would give it had the lab seen these events.
import type { TraceEvent } from '../../src/engine/journey.js';
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

let fakeSeq = 0;
/** A request event as a lab server reports it: GET / answered 200 unless `fields` say otherwise,
 * with any fields the server's family adds (json, pid, bodyLimit…). */
export function fakeRequest(server: string, fields: Partial<RequestEvent> & Record<string, unknown>): RequestEvent {
  return {
    seq: ++fakeSeq,
    time: 0,
    server,
    event: 'request',
    method: 'GET',
    target: '/',
    headers: [],
    status: 200,
    responseHeaders: [],
    ...fields,
  } as RequestEvent;
}

/** A trace event of request r1 (`fields` may set seq, time, requestId and the rest). */
export function fakeTrace(
  server: string,
  hop: string,
  depth: number,
  phase: TraceEvent['phase'],
  ms: number,
  fields: Record<string, unknown> = {},
): TraceEvent {
  return {
    event: 'trace',
    server,
    seq: ++fakeSeq,
    time: 0,
    requestId: 'r1',
    hop,
    depth,
    phase,
    ms,
    ...fields,
  } as TraceEvent;
}
