// The events of the forward-proxy lesson's servers, declared once: the proxy (proxy.mjs and
// tunnel.mjs) and the lab's web sites behind it (origin.mjs). The servers are type-checked against
// these declarations, the tutor checks every fd-3 line against them, and checks read them typed.
import {
  boolean,
  type EventOf,
  family,
  literal,
  number,
  optional,
  requestEvent,
  string,
  event,
} from '../lib/event-schema.js';

export const forwardProxyEvents = family(
  requestEvent({
    /** Which door of the proxy the request came in by ('main', or 'auth' for the port that wants credentials). */
    door: string,
    /** Proxy-Authorization on the staff door: 'ok', or why not. */
    auth: optional(literal('ok', 'missing', 'wrong')),
    user: optional(string),
    /** The host the client asked for (absolute-form target or CONNECT authority). */
    host: optional(string),
    port: optional(number),
    blocked: optional(boolean),
    refused: optional(boolean),
    /** The lab site the request went to. */
    upstream: optional(string),
    upstreamError: optional(string),
    /** 'proxy' when the proxy answered itself (TRACE with Max-Forwards: 0, say). */
    answeredBy: optional(literal('proxy')),
    cache: optional(literal('HIT', 'MISS', 'BYPASS')),
    /** Age of the cached copy a HIT was served from, in seconds. */
    age: optional(number),
    cacheReason: optional(string),
    /** Why a response was not stored (RFC 9111 §3). */
    notStored: optional(string),
    /** A CONNECT the proxy opened a tunnel for. */
    tunnel: optional(boolean),
  }),
  /** A CONNECT tunnel closed: how many bytes went each way (the proxy never saw inside them). */
  event('tunnel', {
    target: string,
    host: string,
    port: number,
    bytesUp: number,
    bytesDown: number,
    durationMs: number,
  }),
);

export const forwardOriginEvents = family(
  requestEvent({
    /** Which lab site (news.test, secure.test…) answered. */
    site: string,
    /** /headlines: when this copy was written (a cached copy keeps its time). */
    generatedAt: optional(string),
  }),
);

export type ForwardProxyEvent = EventOf<typeof forwardProxyEvents>;
export type ForwardOriginEvent = EventOf<typeof forwardOriginEvents>;
