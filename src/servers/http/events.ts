// The events the HTTP lesson's origin server (origin.mjs) writes on fd 3, declared once: the
// server is type-checked against them, the tutor checks every line against them, and the
// lesson's checks read these fields typed.
import {
  boolean,
  type EventOf,
  family,
  number,
  nullable,
  optional,
  requestEvent,
  string,
} from '../lib/event-schema.js';

export const originEvents = family(
  requestEvent({
    /** Size of the request body, when there was one (the first 2000 characters are in `body`). */
    bodyBytes: optional(number),
    body: optional(string),
    contentType: optional(nullable(string)),
    /** POST /echo: whether the body was understood as JSON. */
    json: optional(boolean),
    /** POST /echo with a JSON Content-Type whose body did not parse: the parser's words. */
    parseError: optional(string),
  }),
);

export type OriginEvent = EventOf<typeof originEvents>;
