// The journey of any request the log shows, in every lesson. Where the hops traced it (the
// proxy's X-Request-Id, src/engine/journey.ts), that journey, with each hop's own request event
// attached and the servers that saw the request but wrote no trace (a reverse proxy's backend)
// added as the hop within. Where nothing traced it, the journey is built from what the servers
// reported: one hop (an origin, a CGI server), or a front (a proxy, a FastCGI web server) and the
// server behind it, matched by what both saw (method, path, FastCGI request id, time).
import { journeyOf, requestIdOf, summarize, type HopPassage, type Journey } from './journey.js';
import type { LabEventBase, RequestEvent } from './types.js';

/** A lab server as the journey needs it: its role says whether it passes requests on. */
export interface ServerRole {
  name: string;
  role: string;
}

const isRequest = (event: LabEventBase): event is RequestEvent => event.event === 'request';

/** The journey of the request `request` describes; never undefined: at least its own hop. */
export function requestJourney(
  events: readonly LabEventBase[],
  request: RequestEvent,
  servers: readonly ServerRole[] = [],
): Journey {
  const id = requestIdOf(request);
  const traced = id === undefined ? undefined : tracedJourney(events, id);
  if (traced) return traced;
  const chain = matchedChain(events.filter(isRequest), request, servers);
  const hops = chain.map((r, i) => ({ ...hopOf(r, i, chain[i + 1]), related: relatedTo(events, r) }));
  return summarize(`#${request.seq}`, [], hops, false);
}

/** The journey of the traced request `id`, each hop with its server's request event, or undefined. */
export function tracedJourney(events: readonly LabEventBase[], id: string): Journey | undefined {
  const traced = journeyOf(events, id);
  if (!traced) return undefined;
  const journey = withRequests(
    traced,
    events.filter(isRequest).filter((r) => requestIdOf(r) === id),
  );
  for (const hop of journey.hops) if (hop.request) hop.related = relatedTo(events, hop.request);
  return journey;
}

/** A WebSocket's messages after its handshake, up to the event that says how it ended: the
 * server's events on the same connection. Nothing for a plain HTTP request. */
function relatedTo(events: readonly LabEventBase[], request: RequestEvent): LabEventBase[] {
  if ((request as { websocket?: unknown }).websocket !== true || request.conn === undefined) return [];
  const later: LabEventBase[] = [];
  for (const event of events) {
    if (event.server !== request.server || event.seq <= request.seq) continue;
    if ((event as { conn?: unknown }).conn !== request.conn) continue;
    if (event.event === 'websocket-message') later.push(event);
    if (event.event === 'websocket') {
      later.push(event);
      break;
    }
  }
  return later;
}

/** Each traced hop gets its server's request event (the first hop of that server: the gateway,
 * not its middleware); a server that saw the request but traced nothing becomes the hop within. */
function withRequests(journey: Journey, mine: RequestEvent[]): Journey {
  const hops = journey.hops.map((hop) => ({ ...hop }));
  const unused = [...mine];
  for (const hop of hops) {
    const at = unused.findIndex((r) => r.server === hop.server);
    if (at >= 0) hop.request = unused.splice(at, 1)[0];
  }
  const inner = unused.find((r) => !hops.some((hop) => hop.server === r.server));
  const last = hops.at(-1);
  if (inner && last?.passedOn) hops.push(hopOf(inner, last.depth + 1));
  // Where the next hop is another server that reported the request too, its changes are what
  // that server really saw, not what the hop meant to send: Node's keep-alive agent, say, adds
  // Connection: keep-alive after the proxy took the client's Connection header off.
  hops.forEach((hop, i) => {
    const next = hops[i + 1];
    if (!hop.passedOn || !hop.request || !next?.request || next.server === hop.server) return;
    Object.assign(hop, observedChanges(hop.request, next.request));
  });
  return summarize(journey.requestId, journey.events, hops, true);
}

/** A hop made from a request event; `next` is the inner server's view of the same request. */
function hopOf(request: RequestEvent, depth: number, next?: RequestEvent): HopPassage {
  const changes = next ? observedChanges(request, next) : undefined;
  return {
    hop: request.server,
    server: request.server,
    depth,
    totalMs: request.durationMs,
    passedOn: next !== undefined,
    // The server reports a request once it is over: with no status, it ended without an answer.
    answer: next ? 'relayed' : 'itself',
    ...(request.status !== null ? { status: request.status } : {}),
    ...(request.error || request.status === null
      ? { why: request.error ?? (request.aborted ? 'the client left first' : 'no answer was sent') }
      : {}),
    added: changes?.added ?? [],
    removed: changes?.removed ?? [],
    changed: changes?.changed ?? [],
    ...(changes?.target ? { target: changes.target } : {}),
    request,
  };
}

/** What changed between the request `outer` received and the one `inner` received: the request
 * target (a forward proxy turns the absolute-form it got into origin-form, RFC 9112 §3.2) and the
 * headers. A FastCGI app is sent no headers at all: its view is rebuilt from the HTTP_* params,
 * and Content-Length and Content-Type travel as CONTENT_LENGTH and CONTENT_TYPE (RFC 3875
 * §4.1.2-3), so they are not "removed". */
function observedChanges(outer: RequestEvent, inner: RequestEvent) {
  const changes = headerChanges(outer.headers ?? [], inner.headers ?? []);
  const fastcgi = (outer as { records?: unknown }).records !== undefined;
  const removed = changes.removed.map((name) =>
    fastcgi && /^content-(length|type)$/i.test(name)
      ? `${name} (sent as the ${name.toUpperCase().replace('-', '_')} param instead)`
      : name,
  );
  const target: [string, string] | undefined =
    outer.target !== inner.target ? [`${outer.method} ${outer.target}`, `${inner.method} ${inner.target}`] : undefined;
  return { ...changes, removed, ...(target ? { target } : {}) };
}

/** The request, and the front before it or the server behind it, as the servers saw them. */
function matchedChain(requests: RequestEvent[], request: RequestEvent, servers: readonly ServerRole[]): RequestEvent[] {
  const front = (r: RequestEvent) =>
    /proxy|web server|front/i.test(servers.find((s) => s.name === r.server)?.role ?? '');
  const closest = (candidates: RequestEvent[], to: RequestEvent) =>
    candidates.sort((a, b) => Math.abs(a.time - to.time) - Math.abs(b.time - to.time))[0];
  const outerOf = (inner: RequestEvent) =>
    closest(
      requests.filter((r) => front(r) && answeredFromBehind(r) && sameRequest(r, inner)),
      inner,
    );
  if (front(request)) {
    if (!answeredFromBehind(request)) return [request];
    const inner = closest(
      requests.filter((r) => sameRequest(request, r)),
      request,
    );
    // Each request behind is one request in front: a back-to-back request to the same path (the
    // second of two, served from the cache) must not claim the first one's trip to the origin.
    return inner && outerOf(inner) === request ? [request, inner] : [request];
  }
  const outer = outerOf(request);
  return outer ? [outer, request] : [request];
}

/** A front that served a stored copy (a forward proxy's cache HIT) never asked the server behind. */
function answeredFromBehind(front: RequestEvent): boolean {
  return (front as { cache?: unknown }).cache !== 'HIT';
}

/** Did `inner` see the request `outer` passed on? Same method and path (an absolute-form target
 * as origin-form), the same FastCGI request id and app pid when both report one, and seen
 * while the outer server held the request. */
export function sameRequest(outer: RequestEvent, inner: RequestEvent): boolean {
  if (outer.server === inner.server || outer.method !== inner.method) return false;
  if (pathOf(outer.target) !== pathOf(inner.target)) return false;
  const a = outer as RequestEvent & { requestId?: unknown; pid?: unknown };
  const b = inner as RequestEvent & { requestId?: unknown; pid?: unknown };
  if (typeof a.requestId === 'number' && typeof b.requestId === 'number' && a.requestId !== b.requestId) return false;
  if (typeof a.pid === 'number' && typeof b.pid === 'number' && a.pid !== b.pid) return false;
  // Both times are when the tutor got the event; a little slack for pipes and process switches.
  const slack = 250;
  const began = outer.time - (outer.durationMs ?? 0) - slack;
  return inner.time >= began && inner.time <= outer.time + slack;
}

function pathOf(target: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return `${url.pathname}${url.search}`;
    } catch {
      return target;
    }
  }
  return target;
}

/** What a hop did to the request headers on the way in: names added, removed, values changed
 * (names compared without case; repeated fields joined with ", "). */
export function headerChanges(before: [string, string][], after: [string, string][]) {
  const joined = (pairs: [string, string][]) => {
    const map = new Map<string, [string, string]>();
    for (const [name, value] of pairs) {
      const seen = map.get(name.toLowerCase());
      map.set(name.toLowerCase(), seen ? [seen[0], `${seen[1]}, ${value}`] : [name, value]);
    }
    return map;
  };
  const was = joined(before);
  const now = joined(after);
  const added: [string, string][] = [];
  const changed: [string, string][] = [];
  const removed: string[] = [];
  for (const [key, pair] of now) {
    const old = was.get(key);
    if (!old) added.push(pair);
    else if (old[1] !== pair[1]) changed.push(pair);
  }
  for (const [key, [name]] of was) if (!now.has(key)) removed.push(name);
  return { added, changed, removed };
}
