// The events the Python WSGI servers write on fd 3, declared once: our pre-fork server
// (wsgi_server.py and its workers, wsgi_worker.py) and Gunicorn run by wsgi_gunicorn.py. Python is
// not type-checked, but the tutor checks every line against this declaration (a misspelt field is
// logged and dropped), and the lesson's checks read these fields typed.
import {
  array,
  type EventOf,
  event,
  family,
  json,
  literal,
  nullable,
  number,
  optional,
  record,
  requestEvent,
  string,
} from '../lib/event-schema.js';
import { traceEvent } from '../lib/trace-events.js';

export const wsgiEvents = family(
  requestEvent({
    /** The worker process that ran the app. */
    pid: number,
    /** When the worker took the request and when it finished, in ms since the epoch. */
    start: optional(number),
    end: optional(number),
    /** The mount that answered ("app:app", "/flask=flask_app:app"); null for none. */
    app: optional(nullable(string)),
    /** Body bytes sent. */
    bytes: optional(nullable(number)),
    /** Header names left out of environ because of a "_" in them. */
    droppedHeaders: optional(array(string)),
    /** wsgiref.validate's complaints beyond PEP 3333: advice, the request was not failed. */
    validatorNotes: optional(array(string)),
    /** 'gunicorn' when Gunicorn served it (wsgi_gunicorn.py). */
    engine: optional(literal('gunicorn')),
    /**
     * The environ the server built for the app, when it runs with --report-environ (the lesson
     * labs do): the keys PEP 3333 defines, REMOTE_ADDR/REMOTE_PORT, every HTTP_* (at most 40) and
     * any gateway_tutor.* keys already there. Taken just before the app is called, so without what
     * comes later: the lab's validator (when it watches the request) wrapping wsgi.input and
     * wsgi.errors and adding gateway_tutor.validator_notes. Text and numbers as they are,
     * wsgi.version as [1, 0], objects (wsgi.input, wsgi.errors) as a short repr such as
     * "<wsgi_http.Body object>";
     * values cut to 200 characters (see wsgi_trace.py).
     */
    environ: optional(record(json)),
  }),
  /** A worker started, exited (and was replaced), or was killed for taking too long. */
  event('worker', {
    pid: number,
    state: literal('started', 'exited', 'timeout'),
    generation: optional(number),
    how: optional(string),
    replacement: optional(nullable(number)),
    request: optional(nullable(string)),
  }),
  /** The app's files changed (or were asked to reload): every worker is replaced. */
  event('reload', { reason: string, generation: number }),
  /** The server's (hop "wsgi" or "gunicorn") and the app's middleware's part of a request's
   * journey (lib/trace-events.ts). */
  traceEvent,
);

export type WsgiEvent = EventOf<typeof wsgiEvents>;
