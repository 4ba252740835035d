// The proxy's part of a request's journey: `trace` events under the request's X-Request-Id
// (declared in lib/trace-events.ts). The proxy is the first hop (depth 0): it says what it changed
// in the headers when it passed the request on, and, once the response is out, whether it relayed
// the backend's answer or answered itself (and why).
//
// One line per request, not four: the trace events ride in the request event, written the moment
// the answer is out (its `trace` field; the tutor files them as the trace events they stand for),
// and there is no `received` (the proxy's `passed-on` or its early answer says it had the request).
// Under a load test every line costs the proxy and the tutor that reads it; the journeys come out
// the same once the request is over.
//
// Times come from this process's monotonic clock (performance.now), counted from the moment the
// request arrived here: the next hop measures its own time on its own clock.

/**
 * Start tracing one request. `fields` are the request event's fields: at the end they say why the
 * proxy answered by itself (a static file, the rate limit, the body limit, the cache), and the
 * answer goes into them (`fields.trace`). With `res`, the trace ends when the response closes:
 * pass traceClosed to lab.observe(req, res, fields, traceClosed), which calls it just before the
 * request event is written (the answer must be in the fields by then; one 'close' listener per
 * response instead of two).
 * @param {{ res?: import('node:http').ServerResponse, fields?: import('./events.js').ProxyFields }} options
 */
export function traceRequest({ res, fields = {} }) {
  const trace = new ProxyTrace(fields);
  if (res) res[TRACE] = trace;
  return trace;
}

const TRACE = Symbol('trace');

/** The answer went out, or the connection closed first. (One function shared by every request:
 * it finds its trace through the response.) @this {any} */
export function traceClosed() {
  this[TRACE].done(this.headersSent ? this.statusCode : null);
}

/** One request's trace: plain fields, no closures, since every request has one. */
class ProxyTrace {
  constructor(fields) {
    /** @type {import('./events.js').ProxyFields} */
    this.fields = fields;
    this.started = performance.now();
    /** Set once a backend's response is being relayed to the client. */
    this.relayed = false;
    /** This request's trace events so far, less `event` and `requestId` (the request event's). */
    /** @type {NonNullable<import('./events.js').ProxyFields['trace']>} */
    this.phases = [];
  }

  /** Milliseconds since the request arrived, to 1/100. */
  ms() {
    return Math.round((performance.now() - this.started) * 100) / 100;
  }

  /** The request headers as they came in and as they leave for the backend. */
  passedOn(before, after) {
    this.passedOnWith(headerChanges(before, after));
  }

  /** The request was passed on with these changes to its headers (headerChanges' answer).
   * @param {ReturnType<typeof headerChanges>} changes */
  passedOnWith({ added, removed, changed }) {
    /** @type {NonNullable<import('./events.js').ProxyFields['trace']>[number]} */
    const phase = { hop: 'proxy', depth: 0, phase: 'passed-on', ms: this.ms() };
    if (added) phase.added = added;
    if (removed) phase.removed = removed;
    if (changed) phase.changed = changed;
    this.phases.push(phase);
  }

  /** The answer went out (status), or the exchange ended without one (null). The trace goes into
   * the request event's fields, which are written next. */
  done(status, why) {
    const known = status ?? undefined;
    const ms = this.ms();
    if (this.relayed) this.phases.push({ hop: 'proxy', depth: 0, phase: 'answered', ms, status: known });
    else {
      const reason = why ?? whyOwn(status, this.fields);
      this.phases.push({ hop: 'proxy', depth: 0, phase: 'answered-early', ms, status: known, why: reason });
    }
    this.fields.trace = this.phases;
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
