// The proxy's part of a request's journey: `trace` events under the request's X-Request-Id
// (declared in lib/trace-events.ts). The proxy is the first hop (depth 0): it says when it got the
// request, what it changed in the headers when it passed it on, and, once the response is out,
// whether it relayed the backend's answer or answered itself (and why).
//
// Times come from this process's monotonic clock (performance.now), counted from the moment the
// request arrived here: the next hop measures its own time on its own clock.

/** @typedef {import('./events.js').ReverseProxyEvent} ProxyEvent */

/**
 * Start tracing one request. `fields` are the request event's fields: at the end they say why the
 * proxy answered by itself (a static file, the rate limit, the body limit, the cache).
 * @param {{ emit: (event: ProxyEvent) => void }} lab
 * @param {{ requestId: string, res?: import('node:http').ServerResponse, fields?: import('./events.js').ProxyFields }} options
 */
export function traceRequest(lab, { requestId, res, fields = {} }) {
  const trace = new ProxyTrace(lab, requestId, fields);
  trace.emit('received');
  if (res) {
    res[TRACE] = trace;
    res.on('close', responseClosed); // 'close' comes once: no need for once()'s wrapper
  }
  return trace;
}

const TRACE = Symbol('trace');

/** The answer went out, or the connection closed first. (One listener shared by every request:
 * it finds its trace through the response.) @this {any} */
function responseClosed() {
  this[TRACE].done(this.headersSent ? this.statusCode : null);
}

/** One request's trace: plain fields, no closures, since every request has one. */
class ProxyTrace {
  constructor(lab, requestId, fields) {
    this.lab = lab;
    this.requestId = requestId;
    /** @type {import('./events.js').ProxyFields} */
    this.fields = fields;
    this.started = performance.now();
    /** Set once a backend's response is being relayed to the client. */
    this.relayed = false;
  }

  /**
   * One trace event of this hop. The event is written out whole here, field by field, rather than
   * spread from a partial one: there are three of these for every request.
   * @param {import('../lib/trace-events.js').TracePhase} phase
   * @param {Omit<Extract<ProxyEvent, { event: 'trace' }>, 'event' | 'requestId' | 'hop' | 'depth' | 'ms' | 'phase'>} [more]
   */
  emit(phase, more) {
    /** @type {Extract<ProxyEvent, { event: 'trace' }>} */
    const event = {
      event: 'trace',
      requestId: this.requestId,
      hop: 'proxy',
      depth: 0,
      ms: Math.round((performance.now() - this.started) * 100) / 100,
      phase,
    };
    if (more !== undefined) Object.assign(event, more);
    this.lab.emit(event);
  }

  /** The request headers as they came in and as they leave for the backend. */
  passedOn(before, after) {
    this.emit('passed-on', headerChanges(before, after));
  }

  /** The answer went out (status), or the exchange ended without one (null). */
  done(status, why) {
    const known = status ?? undefined;
    if (this.relayed) this.emit('answered', { status: known });
    else this.emit('answered-early', { status: known, why: why ?? whyOwn(status, this.fields) });
  }
}

/** Why the proxy answered by itself, in a few words. */
function whyOwn(status, fields) {
  if (fields.static) return "static: a file from the proxy's own folder";
  if (fields.rateLimited) return '429: rate limit';
  if (fields.bodyLimit) return '413: body over the limit';
  if (fields.cache === 'HIT') return 'cache: a stored copy';
  if (status === 504) return `504: ${fields.backend ?? 'the backend'} too slow`;
  if (status === 502) return `502: ${fields.backend ?? 'the backend'} unreachable`;
  if (status === 503) return '503: no backend up';
  if (status === null) return 'the client left';
  return `${status}: the proxy's own answer`;
}

/**
 * Header fields by lower-case name, each [name as first spelled, value]: a field sent on several
 * lines is one list, its values joined with ", " (RFC 9110 §5.3). A field sent once keeps its
 * own pair (nothing copied: this runs twice for every request).
 * @param {[string, string][]} pairs
 */
function joined(pairs) {
  /** @type {Map<string, [string, string]>} */
  const map = new Map();
  for (const pair of pairs) {
    const key = pair[0].toLowerCase();
    const seen = map.get(key);
    map.set(key, seen ? [seen[0], `${seen[1]}, ${pair[1]}`] : pair);
  }
  return map;
}

/**
 * What a hop did to the request headers: names added, removed, values changed.
 * @param {[string, string][]} before
 * @param {[string, string][]} after
 */
export function headerChanges(before, after) {
  const was = joined(before);
  const now = joined(after);
  /** @type {{ added?: [string, string][], removed?: string[], changed?: [string, string][] }} */
  const changes = {};
  // Only what changed goes into the event (added, removed, changed, in that order).
  for (const [key, pair] of now) {
    const old = was.get(key);
    if (!old) (changes.added ??= []).push(pair);
  }
  for (const [key, pair] of was) if (!now.has(key)) (changes.removed ??= []).push(pair[0]);
  for (const [key, pair] of now) {
    const old = was.get(key);
    if (old && old[1] !== pair[1]) (changes.changed ??= []).push(pair);
  }
  return changes;
}
