// The events of the ASGI lab server (asgi_server.py; written by asgi_report.py and
// asgi_server.py, and by asgi_uvicorn.py when the same lab runs under Uvicorn), declared once:
// the tutor checks every line against this, and lessons read these fields typed.
import {
  array,
  boolean,
  event,
  type EventOf,
  family,
  headerPairs,
  json,
  literal,
  nullable,
  number,
  object,
  optional,
  requestEvent,
  string,
} from '../lib/event-schema.js';
import { traceEvent } from '../lib/trace-events.js';

/** The scope the app was given, as JSON can carry it (bytes as latin-1 text). */
export const scopeSummary = object({
  type: literal('http', 'websocket'),
  httpVersion: string,
  /** Only in an http scope: a websocket scope has no method. */
  method: optional(string),
  scheme: string,
  path: string,
  rawPath: string,
  queryString: string,
  rootPath: string,
  client: nullable(array(json)),
  server: nullable(array(json)),
  /** The keys of scope["state"] (what the lifespan start-up stored). */
  stateKeys: array(string),
  subprotocols: optional(array(string)),
});

const engine = optional(literal('lab', 'uvicorn'));

export const asgiEvents = family(
  requestEvent({
    /** Epoch milliseconds when the request cycle began and ended (concurrency is read from these). */
    start: number,
    end: number,
    scope: optional(scopeSummary),
    engine,
    /** Body bytes sent, body bytes received, and http.response.body events that carried bytes. */
    bytes: optional(number),
    requestBytes: optional(number),
    bodyEvents: optional(number),
    /** Milliseconds from the start to the first body byte sent (streaming shows early). */
    firstBodyMs: optional(nullable(number)),
    /** Milliseconds this request blocked the event loop (see the `stall` event). */
    stalledMs: optional(number),
    /** Set on the HTTP half of a WebSocket (the upgrade request and its 101 or 403). */
    websocket: optional(boolean),
    subprotocol: optional(nullable(string)),
    /** The app's receive() results and send() calls, in order (the first 40): each message's
     * type and its gist ("body", "<12 bytes>"; "more_body", "False"; "status", "200"). */
    messages: optional(array(object({ dir: literal('receive', 'send'), type: string, fields: optional(headerPairs) }))),
    messagesDropped: optional(number),
  }),
  event('websocket', {
    conn: number,
    remote: string,
    path: string,
    target: string,
    status: nullable(number),
    accepted: boolean,
    subprotocol: nullable(string),
    messagesIn: number,
    messagesOut: number,
    closeCode: nullable(number),
    closeReason: string,
    closedBy: nullable(literal('client', 'server')),
    durationMs: number,
    start: number,
    end: number,
    stalledMs: optional(number),
    engine,
    error: optional(string),
  }),
  event('websocket-message', {
    conn: number,
    path: string,
    direction: literal('in', 'out'),
    kind: literal('text', 'binary', 'ping', 'pong', 'close'),
    size: number,
    text: optional(string),
    hex: optional(string),
    code: optional(number),
  }),
  event('lifespan', {
    phase: literal('startup', 'shutdown'),
    outcome: literal('complete', 'failed', 'unsupported', 'timeout'),
    message: string,
    stateKeys: array(string),
  }),
  event('reload', { app: string, first: boolean, ok: boolean, error: optional(string) }),
  /** The event loop was blocked: no other request or connection ran for durationMs. */
  event('stall', {
    durationMs: number,
    conn: optional(number),
    method: optional(string),
    target: optional(string),
    websocket: optional(boolean),
    /** The line of the app the loop was stuck on: "app.py line 12: time.sleep(1)". */
    where: optional(string),
    /** Of durationMs, the loop thread's CPU time: near it, the app computed; near 0, it waited in
     * a blocking call. Absent where the system does not tell a thread's CPU time. */
    cpuMs: optional(number),
  }),
  /** The loop could not run for durationMs, through no doing of the app: its thread got no CPU
   * (a busy machine) or the process was stopped. Never counted as a stall. */
  event('starved', { durationMs: number }),
  /** The server's and the app's middleware's part of a request's journey (lib/trace-events.ts). */
  traceEvent,
);

export type AsgiEvent = EventOf<typeof asgiEvents>;
