// One request's journey through a lab, put together from the `trace` events every hop writes
// under the request's id (src/servers/lib/trace-events.ts). Hops live in different processes
// whose clocks are never compared: each hop reports how long it held the request on its own
// clock, and the order comes from where the hop sits (depth 0 is the proxy) and, within one hop,
// from the order its events arrived in (seq). Used by `gateway-tutor trace`, the TUI's journey
// view and the lifecycle lesson's checks.
import type { Infer } from '../servers/lib/event-schema.js';
import type { traceEvent } from '../servers/lib/trace-events.js';
import type { LabEventBase, RequestEvent } from './types.js';

export type TraceEvent = LabEventBase & { event: 'trace' } & Infer<(typeof traceEvent)['schema']>;

export interface HopPassage {
  hop: string;
  /** The lab server whose process reported this hop. */
  server: string;
  depth: number;
  /** How long this hop held the request, from received to answered (its own clock). */
  totalMs?: number;
  /** Its own share: total minus the time the hops within it took. */
  ownMs?: number;
  passedOn: boolean;
  /** 'relayed' an inner hop's answer, answered 'itself' (early, or as the last hop), or 'none' yet. */
  answer: 'relayed' | 'itself' | 'early' | 'none';
  status?: number;
  why?: string;
  added: [string, string][];
  removed: string[];
  changed: [string, string][];
  /** The request line's method and target as this hop got it and as the next hop got it, when
   * they differ (a forward proxy's absolute-form becomes origin-form). */
  target?: [string, string];
  /** What this hop's server reported of the request (its request event), when it did. */
  request?: RequestEvent;
  /** The server's later events about the same request: a WebSocket's messages and its end. */
  related?: LabEventBase[];
}

export interface Journey {
  /** The proxy's X-Request-Id; for a request no hop traced, "#" and the request's seq. */
  requestId: string;
  /** Built from trace events (false: from the request events the lab's servers reported). */
  traced: boolean;
  /** The trace events in journey order: in through each hop, then back out. */
  events: TraceEvent[];
  /** The hops from the client inwards. */
  hops: HopPassage[];
  /** The hop whose answer the client got (the outermost that answered early, else the deepest). */
  answeredBy?: HopPassage;
  /** The deepest hop the request reached. */
  deepest?: HopPassage;
  /** The hop with the largest own time. */
  slowest?: HopPassage;
  /** Every hop has reported its answer (hops in other processes report a moment apart). */
  complete: boolean;
}

export function isTrace(event: LabEventBase): event is TraceEvent {
  return event.event === 'trace';
}

/** The newest events of `list` from index `cut` on, less the trace events of any request some of
 * whose trace events are before `cut`: half a journey would show a hop that relayed an answer as
 * the one that gave it. For a list that keeps only its newest events (session.ts). */
export function cutWholeJourneys<E extends LabEventBase>(list: readonly E[], cut: number): E[] {
  const kept = list.slice();
  trimWholeJourneys(kept, cut);
  return kept;
}

/** cutWholeJourneys in place, in one pass without a copy: the lab trims its 5500 events to 5000
 * this way every 500 events (slice, filter and push(...kept) had cost it about 1 µs an event). */
export function trimWholeJourneys(list: LabEventBase[], cut: number): void {
  let gone: Set<unknown> | undefined;
  for (let i = 0; i < cut; i++) {
    const event = list[i]!;
    if (isTrace(event)) (gone ??= new Set()).add(event.requestId);
  }
  let kept = 0;
  for (let i = cut; i < list.length; i++) {
    const event = list[i]!;
    if (gone === undefined || !isTrace(event) || !gone.has(event.requestId)) list[kept++] = event;
  }
  list.length = kept;
}

const INBOUND = ['received', 'passed-on'];

/** In through each hop (depth up), then back out (depth down); seq within a hop. */
export function journeyOrder(a: TraceEvent, b: TraceEvent): number {
  const aIn = INBOUND.includes(a.phase);
  const bIn = INBOUND.includes(b.phase);
  if (aIn !== bIn) return aIn ? -1 : 1;
  if (a.depth !== b.depth) return aIn ? a.depth - b.depth : b.depth - a.depth;
  return a.seq - b.seq;
}

/** The request ids that have trace events, oldest first. */
export function tracedRequestIds(events: readonly LabEventBase[]): string[] {
  const ids: string[] = [];
  for (const event of events) if (isTrace(event) && !ids.includes(event.requestId)) ids.push(event.requestId);
  return ids;
}

/** The journey of `requestId` (default: the latest traced request), or undefined. */
export function journeyOf(events: readonly LabEventBase[], requestId?: string): Journey | undefined {
  const id = requestId ?? tracedRequestIds(events).at(-1);
  if (id === undefined) return undefined;
  const mine = events.filter((e): e is TraceEvent => isTrace(e) && e.requestId === id).sort(journeyOrder);
  if (mine.length === 0) return undefined;
  const byHop = new Map<string, HopPassage>();
  for (const event of mine) {
    const key = `${event.depth}:${event.hop}`;
    let hop = byHop.get(key);
    if (!hop) {
      hop = {
        hop: event.hop,
        server: event.server,
        depth: event.depth,
        passedOn: false,
        answer: 'none',
        added: [],
        removed: [],
        changed: [],
      };
      byHop.set(key, hop);
    }
    if (event.phase === 'passed-on') {
      hop.passedOn = true;
      hop.added.push(...(event.added ?? []));
      hop.removed.push(...(event.removed ?? []));
      hop.changed.push(...(event.changed ?? []));
    } else if (event.phase === 'answered' || event.phase === 'answered-early') {
      hop.totalMs = event.ms;
      hop.status = event.status;
      hop.why = event.why;
      hop.answer = event.phase === 'answered-early' ? 'early' : hop.passedOn ? 'relayed' : 'itself';
    }
  }
  const hops = [...byHop.values()].sort((a, b) => a.depth - b.depth);
  return summarize(id, mine, hops, true);
}

/** Each hop's own time, who answered, the slowest hop, and whether every hop has reported. */
export function summarize(requestId: string, events: TraceEvent[], hops: HopPassage[], traced: boolean): Journey {
  hops.forEach((hop, index) => {
    hop.ownMs = undefined;
    if (hop.totalMs === undefined) return;
    const next = hop.passedOn ? hops[index + 1] : undefined;
    // Its own share is unknown while the hop within has not answered (the proxy gave up first).
    if (next && next.totalMs === undefined) return;
    const inner = next?.totalMs ?? 0;
    hop.ownMs = round(Math.max(0, hop.totalMs - Math.min(inner, hop.totalMs)));
  });
  const answeredBy =
    hops.find((hop) => hop.answer === 'early') ?? [...hops].reverse().find((hop) => hop.answer !== 'none');
  const timed = hops.filter((hop) => hop.ownMs !== undefined);
  const slowest = timed.length ? timed.reduce((a, b) => ((b.ownMs ?? 0) > (a.ownMs ?? 0) ? b : a)) : undefined;
  // A hop that relayed an answer had a hop within it: until that one's events arrive, the
  // journey is still coming in.
  const complete = hops.every(
    (hop, i) => hop.answer !== 'none' && (hop.answer !== 'relayed' || hops[i + 1] !== undefined),
  );
  return { requestId, traced, events, hops, answeredBy, deepest: hops.at(-1), slowest, complete };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The request id a request event belongs to: the proxy's own field, else the X-Request-Id the
 * proxy sent along (a backend's view of the same request). */
export function requestIdOf(request: { headers?: [string, string][]; requestId?: unknown }): string | undefined {
  if (typeof request.requestId === 'string') return request.requestId;
  return request.headers?.find(([name]) => name.toLowerCase() === 'x-request-id')?.[1];
}
