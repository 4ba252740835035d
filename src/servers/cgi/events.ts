// What the CGI server reports on fd 3 (see docs/lab-servers.md), declared once: the server writes
// these, the tutor checks each line against them, and lesson checks read typed fields.
import {
  array,
  boolean,
  event,
  family,
  literal,
  nullable,
  number,
  optional,
  record,
  requestEvent,
  string,
  type EventOf,
} from '../lib/event-schema.js';

export const cgiEvents = family(
  requestEvent({
    /** The process that answered: a new one for every script run (the server's own for /resident). */
    pid: optional(number),
    /** The script's path under cgi-bin ("env.sh"), once the URL named one. */
    script: optional(string),
    /** How the script's process ended: its exit code, or the signal that killed it. */
    exitCode: optional(nullable(number)),
    signal: optional(nullable(string)),
    /** How long the process lived, from spawn to exit. */
    livedMs: optional(number),
    /** The meta-variables the script was started with: its whole environment. */
    env: optional(record(string)),
    /** What kind of answer it was (RFC 3875 §6.2), or why there was none. */
    response: optional(
      literal(
        'document',
        'local-redirect',
        'client-redirect',
        'client-redirect-document',
        'nph',
        'bad-output',
        'error',
        'resident',
      ),
    ),
    /** Local redirects followed inside the server, in order (Location: /path). */
    redirects: optional(array(string)),
  }),
  /** A process was started for a request. */
  event('spawn', { pid: number, script: string, target: string }),
  /** That process ended (timedOut: the server killed it). */
  event('exit', {
    pid: number,
    script: string,
    code: nullable(number),
    signal: nullable(string),
    livedMs: number,
    timedOut: boolean,
  }),
);

export type CgiEvent = EventOf<typeof cgiEvents>;
