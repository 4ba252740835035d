// The `trace` event: one request's passage through one hop of a lab (the reverse proxy, the
// gateway server, each middleware of the app). Every hop that sees a request carrying the proxy's
// X-Request-Id writes these under that id, so the tutor can draw the request's whole journey.
//
// Times are per hop and monotonic: `ms` is how long this hop has held the request, measured on its
// own clock from the moment it received it. Clocks of different processes are never compared; the
// tutor orders a journey by `depth` (0 is the hop nearest the client) and, within one hop, by the
// order the events arrived in (`seq`). See src/engine/journey.ts.
import { array, event, headerPairs, literal, number, object, optional, string } from './event-schema.js';

export const tracePhases = ['received', 'passed-on', 'answered', 'answered-early'] as const;
export type TracePhase = (typeof tracePhases)[number];

/** What one trace event says about one hop, but for the request id. */
const phaseFields = {
  /** Who is reporting: "proxy", "asgi", "auth"… */
  hop: string,
  /** Position on the way in: 0 nearest the client, each hop further in one more. */
  depth: number,
  /**
   * received: the hop has it. passed-on: handed to the next hop. answered: the response went back
   * out through this hop (its own, or the inner hop's). answered-early: this hop gave its own
   * answer, not one from a hop within: without passing the request on (a static file, 401, 403,
   * 413, 429, a preflight), or after passing it on with nothing usable coming back (502, 504).
   */
  phase: literal(...tracePhases),
  /** Milliseconds since this hop received the request, on this hop's own clock. */
  ms: number,
  status: optional(number),
  /** Why the hop answered early: "static", "401", "preflight", "504"… with a few words. */
  why: optional(string),
  /** Request headers this hop added, removed or changed before passing the request on. */
  added: optional(headerPairs),
  removed: optional(array(string)),
  changed: optional(headerPairs),
};

export const traceEvent = event('trace', {
  /** The X-Request-Id the reverse proxy gave the request. */
  requestId: string,
  ...phaseFields,
});

/**
 * A hop's trace events, carried as the `trace` field of the hop's own request event instead of as
 * lines of their own: each is a trace event but for `event` and `requestId` (the request event's).
 * The request event is written when the answer is out, so this suits a hop whose trace ends then:
 * the reverse proxy writes one line per request instead of three this way (at thousands of
 * requests a second, each line costs the proxy and the tutor that reads it). The tutor takes the
 * field off the request event and files each as the trace event it stands for, in order, right
 * after the request event (src/engine/lab.ts), so every journey and check reads them as before.
 */
export const carriedTrace = array(object(phaseFields));
