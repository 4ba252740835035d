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
  trace.emit({ phase: 'received' });
  if (res) {
    res[TRACE] = trace;
    res.once('close', responseClosed);
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

  /** @param {Omit<Extract<ProxyEvent, { event: 'trace' }>, 'event' | 'requestId' | 'hop' | 'depth' | 'ms'>} rest */
  emit(rest) {
    const ms = Math.round((performance.now() - this.started) * 100) / 100;
    this.lab.emit({ event: 'trace', requestId: this.requestId, hop: 'proxy', depth: 0, ms, ...rest });
  }

  /** The request headers as they came in and as they leave for the backend. */
  passedOn(before, after) {
    this.emit({ phase: 'passed-on', ...headerChanges(before, after) });
  }

  /** The answer went out (status), or the exchange ended without one (null). */
  done(status, why) {
    if (this.relayed) this.emit({ phase: 'answered', status: status ?? undefined });
    else this.emit({ phase: 'answered-early', status: status ?? undefined, why: why ?? whyOwn(status, this.fields) });
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
 * What a hop did to the request headers: names added, removed, values changed.
 * @param {[string, string][]} before
 * @param {[string, string][]} after
 */
export function headerChanges(before, after) {
  const joined = (pairs) => {
    /** @type {Map<string, [string, string]>} */
    const map = new Map();
    for (const [name, value] of pairs) {
      const key = name.toLowerCase();
      const seen = map.get(key);
      map.set(key, seen ? [seen[0], `${seen[1]}, ${value}`] : [name, value]);
    }
    return map;
  };
  const was = joined(before);
  const now = joined(after);
  /** @type {[string, string][]} */
  const added = [];
  /** @type {[string, string][]} */
  const changed = [];
  for (const [key, pair] of now) {
    const old = was.get(key);
    if (!old) added.push(pair);
    else if (old[1] !== pair[1]) changed.push(pair);
  }
  const removed = [...was.keys()].filter((key) => !now.has(key)).map((key) => was.get(key)?.[0] ?? key);
  // Only what changed goes into the event.
  return {
    ...(added.length ? { added } : {}),
    ...(removed.length ? { removed } : {}),
    ...(changed.length ? { changed } : {}),
  };
}
