// The events of the FastCGI lab, declared once: the front (front.mjs, HTTP in and FastCGI out)
// and the app (fcgi_app.py, a pool of Responder processes). Lessons read these typed fields; the
// tutor checks every line the servers write against them.
import {
  array,
  boolean,
  event,
  family,
  headerPairs,
  number,
  object,
  optional,
  record,
  requestEvent,
  string,
  type EventOf,
} from '../lib/event-schema.js';

/** One record as the wire view shows it (wire.mjs, describeRecord). */
export const wireRecord = object({
  /** 'out': from the web server to the app; 'in': from the app. */
  dir: string,
  /** BEGIN_REQUEST, PARAMS, STDIN, STDOUT, END_REQUEST… or "type 42". */
  type: string,
  requestId: number,
  contentLength: number,
  paddingLength: optional(number),
  /** PARAMS, GET_VALUES, GET_VALUES_RESULT: the name-value pairs. */
  pairs: optional(headerPairs),
  role: optional(string),
  keepConn: optional(boolean),
  appStatus: optional(number),
  protocolStatus: optional(string),
  unknownType: optional(number),
  /** Streams: the first bytes of the content, as text. */
  preview: optional(string),
});

export const fastcgiFrontEvents = family(
  requestEvent({
    /** The FastCGI request id the front gave this request (fresh numbers each lab run). */
    requestId: optional(number),
    /** Which of the front's connections to the app carried it. */
    appConn: optional(number),
    /** Every record of the request, both ways: the wire view. */
    records: optional(array(wireRecord)),
    recordsDropped: optional(number),
    /** Sent again on a fresh connection: the kept-alive one was closed under it. */
    retried: optional(boolean),
    /** The app process that answered (its X-App-Pid header). */
    pid: optional(number),
    /** END_REQUEST's app status. */
    appStatus: optional(number),
  }),
  event('management', {
    app: string,
    records: array(wireRecord),
    values: record(string),
    error: optional(string),
  }),
);

export const fastcgiAppEvents = family(
  requestEvent({
    pid: number,
    requestId: number,
    keepConn: boolean,
    /** How many PARAMS pairs and STDIN bytes arrived. */
    params: number,
    stdinBytes: number,
    /** SERVER_SOFTWARE as the web server sent it: who asked. */
    software: string,
  }),
  event('management', {
    pid: number,
    conn: number,
    type: string,
    asked: array(string),
    answered: record(string),
  }),
  event('worker', {
    pid: number,
    state: string,
    how: optional(string),
    replacement: optional(number),
  }),
);

export type FastcgiFrontEvent = EventOf<typeof fastcgiFrontEvents>;
export type FastcgiAppEvent = EventOf<typeof fastcgiAppEvents>;
export type WireRecord = NonNullable<Extract<FastcgiFrontEvent, { event: 'request' }>['records']>[number];
