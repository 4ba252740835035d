// The events of the reverse-proxy lesson's servers, declared once: the proxy (proxy.mjs and its
// helpers) and the app backends behind it (backend.mjs). The servers are type-checked against
// these declarations, the tutor checks every fd-3 line against them, and checks read them typed.
import {
  array,
  boolean,
  type EventOf,
  event,
  family,
  literal,
  nullable,
  number,
  optional,
  requestEvent,
  string,
} from '../lib/event-schema.js';
import { carriedTrace, traceEvent } from '../lib/trace-events.js';

export const reverseProxyEvents = family(
  requestEvent({
    /** The X-Request-Id the proxy gave this request (16 hex digits). */
    requestId: optional(string),
    /** 'https' when it came in on the TLS port. */
    proto: optional(literal('http', 'https')),
    /** The backend that answered, when one did. */
    backend: optional(string),
    /** Backends tried before one answered, in order (failover). */
    retries: optional(array(string)),
    static: optional(boolean),
    rateLimited: optional(boolean),
    /** How a body over the limit was caught: from Content-Length, or counted while streaming. */
    bodyLimit: optional(literal('content-length', 'streamed')),
    cache: optional(literal('HIT', 'MISS', 'BYPASS')),
    /** Content-Coding the proxy compressed with, and the sizes before and after. */
    encoding: optional(string),
    plainBytes: optional(number),
    compressedBytes: optional(number),
    /** A WebSocket upgrade: the Upgrade header the backend answered with. */
    upgrade: optional(string),
    /** The proxy's trace events of this request (lib/trace-events.ts, carriedTrace): the tutor
     * files them as trace events and takes them off the request event. */
    trace: optional(carriedTrace),
  }),
  /** The proxy's view of a backend changed: passive (a failed request) or active (a probe). */
  event('health', {
    backend: string,
    state: literal('up', 'down'),
    via: literal('active', 'passive'),
    reason: optional(string),
  }),
  /** Active health checks paused or resumed. */
  event('health-checks', { paused: boolean }),
  /** The proxy's part of a request's journey (lib/trace-events.ts). */
  traceEvent,
);

export const backendEvents = family(
  requestEvent({
    /** The X-Request-Id the proxy sent along (null when the request did not come through it). */
    requestId: optional(nullable(string)),
    healthCheck: optional(boolean),
    slow: optional(boolean),
    /** POST /upload: the bytes the backend read. */
    received: optional(number),
    upgrade: optional(literal('websocket')),
  }),
  /** Slow mode switched on or off (`{"cmd":"slow"}` on stdin). */
  event('mode', { slow: boolean, slowMs: number }),
);

export type ReverseProxyEvent = EventOf<typeof reverseProxyEvents>;
export type BackendEvent = EventOf<typeof backendEvents>;
/** The fields the proxy's helpers add to the request event they are answering (lab.observe). */
export type ProxyFields = Partial<Extract<ReverseProxyEvent, { event: 'request' }>>;
