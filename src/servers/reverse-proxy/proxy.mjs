// The lab's reverse proxy: one public address in front of several backends.
//
//   client ──► proxy :8300 (http) ─┬─► app-1
//   client ──► proxy :8343 (https) ├─► app-2      the backends are never reached directly
//                                  └─► app-3
//
// What happens to each request, in order (each step is one small module in this folder):
//   1. a fresh request id                                 forwarding.mjs
//   2. /proxy-status and /static/… are answered here      static-files.mjs
//   3. /api/… is rate limited per client (429)            rate-limit.mjs
//   4. a body announced over the limit is refused (413)   body-limit.mjs
//   5. a fresh cached copy is served (X-Cache: HIT)       cache.mjs
//   6. a request body is held until complete; one that    request-body.mjs
//      grows past the limit is refused (413)
//   7. a backend is picked and the request forwarded,     balancer.mjs, health.mjs, upstream.mjs
//      retried elsewhere if it could not connect
//   8. the response is compressed for the client          compression.mjs, respond.mjs
// Every request becomes one lab event with what the proxy decided (backend, cache, sizes…).
//
// Settings (environment): RP_BACKENDS (names, comma separated; default: every other lab server),
// RP_BALANCE (round-robin | least-conn), RP_STATIC_DIR, RP_RATE_CAPACITY, RP_RATE_PER_SECOND,
// RP_MAX_BODY (bytes), RP_TIMEOUT_MS (wait for a backend's headers), RP_HEALTH_INTERVAL_MS,
// RP_TLS_DIR, RP_HEALTH_CHECKS (off: no health checks, every request tries its backend, as nginx does
// with a single upstream server). Stdin command: {"cmd":"health-checks","paused":true|false} stops or restarts the
// active health checks (see health.mjs).
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { pairs as headerPairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, requestUrl, unparsableStatus } from '../lib/lab-server.mjs';
import { Backend, Balancer } from './balancer.mjs';
import { recordInto } from './cache-recorder.mjs';
import { WholeResponse } from './backend-response.mjs';
import { BodyTooLargeError, declaredTooLarge, discardBody } from './body-limit.mjs';
import { ResponseCache, requestWantsFresh, storeLifetime } from './cache.mjs';
import {
  backendRequest,
  clientAddress,
  newRequestId,
  requestHeadersForBackend,
  responseHeadersForClient,
} from './forwarding.mjs';
import { HealthChecker } from './health.mjs';
import { RateLimiter } from './rate-limit.mjs';
import { reasonPhrase } from './reason-phrase.mjs';
import { sendOwn, sendResponse } from './respond.mjs';
import { serveStatic } from './serve-static.mjs';
import { loadCertificate } from './tls.mjs';
import { holdBody } from './request-body.mjs';
import { traceClosed, traceRequest } from './trace.mjs';
import { mayRetry } from './retry-rules.mjs';
import { hasBody, sendToBackend } from './upstream.mjs';
import { relayUpgrade } from './websocket.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').ReverseProxyEvent>} */
const lab = labServer();
const env = process.env;
const settings = {
  balance: /** @type {'round-robin' | 'least-conn'} */ (env.RP_BALANCE === 'least-conn' ? 'least-conn' : 'round-robin'),
  staticPrefix: '/static/',
  staticDir: env.RP_STATIC_DIR ?? join(lab.workspace, 'static'),
  ratePrefix: '/api/',
  rateCapacity: Number(env.RP_RATE_CAPACITY ?? 5),
  ratePerSecond: Number(env.RP_RATE_PER_SECOND ?? 1),
  maxBody: Number(env.RP_MAX_BODY ?? 1024 * 1024),
  timeoutMs: Number(env.RP_TIMEOUT_MS ?? 3000),
  healthIntervalMs: Number(env.RP_HEALTH_INTERVAL_MS ?? 1000),
  tlsDir: env.RP_TLS_DIR ?? join(lab.lessonDir, 'tls'),
  healthChecks: env.RP_HEALTH_CHECKS !== 'off',
};

// The backends: lab servers by name, with the URLs the tutor gave us.
const backendNames = env.RP_BACKENDS
  ? env.RP_BACKENDS.split(',').map((name) => name.trim())
  : lab.servers.map((server) => server.name).filter((name) => name !== lab.name);
const backends = backendNames.map((name) => {
  const url = lab.urls[name];
  if (!url)
    throw new Error(`backend ${name} has no URL (GT_URL_${name.toUpperCase().replaceAll('-', '_')} is not set)`);
  return new Backend(name, url);
});
const balancer = new Balancer(backends, settings.balance);
const health = new HealthChecker(backends, {
  intervalMs: settings.healthIntervalMs,
  timeoutMs: Math.min(800, settings.healthIntervalMs),
  emit: lab.emit,
  log: (line) => console.log(line),
});
const limiter = new RateLimiter({ capacity: settings.rateCapacity, refillPerSecond: settings.ratePerSecond });
const cache = new ResponseCache();

// Request bodies larger than a few KiB are held in files here until they are complete.
mkdirSync(lab.runDir, { recursive: true });

// The static folder lives in the learner's workspace so they can add files; first run seeds it.
const starterStatic = join(lab.lessonDir, 'starter', 'static');
if (!env.RP_STATIC_DIR && !existsSync(settings.staticDir) && existsSync(starterStatic)) {
  cpSync(starterStatic, settings.staticDir, { recursive: true });
}

/**
 * One request, steps 1–7 above. Each step that cannot apply to a request costs it one test; a
 * request with no body goes straight on to forwardHeld. Not async: most answers need no waiting
 * here, and each async function is a promise per request. Returns a promise when work goes on.
 * @param {import('node:http').IncomingMessage & { expectsContinue?: boolean }} req
 * @param {import('node:http').ServerResponse} res
 * @param {'http' | 'https'} proto
 */
function handle(req, res, proto) {
  const requestId = newRequestId();
  /** @type {import('./events.js').ProxyFields} what the request event will say (lab.observe) */
  const fields = { requestId, proto };
  // This request's journey (trace.mjs): its answer goes into `fields` when the response closes,
  // just before the request event is written.
  const trace = traceRequest({ res, fields });
  lab.observe(req, res, fields, traceClosed);
  res.setHeader('X-Request-Id', requestId);

  // A reverse proxy takes origin-form targets ("/path"); absolute URLs are for forward proxies.
  const url = req.url ?? '';
  if (!url.startsWith('/'))
    return own(req, res, fields, 400, 'this is a reverse proxy: ask for a path such as /whoami, not a full URL');
  // "//%" reads as a URL with a host named "%": no backend could make sense of it either.
  // Only a target whose path begins with two slashes (a backslash counts as one) can be read as
  // "//host"; any other "/…" parses, so the URL parser is asked only about those.
  const second = url[1];
  if ((second === '/' || second === '\\') && !requestUrl(req))
    return own(req, res, fields, 400, `"${url}" is not a path this proxy understands`);
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);

  if (path === '/proxy-status') return own(req, res, fields, 200, statusReport());
  if (path.startsWith(settings.staticPrefix)) {
    fields.static = true;
    return serveStatic(req, res, {
      root: settings.staticDir,
      urlPath: path.slice(settings.staticPrefix.length),
      fields,
    });
  }
  if (path.startsWith(settings.ratePrefix)) {
    const verdict = limiter.take(clientAddress(req.socket));
    if (!verdict.allowed) {
      fields.rateLimited = true;
      return own(req, res, fields, 429, `too many requests from you: try again in ${verdict.retryAfterSeconds} s`, [
        ['Retry-After', String(verdict.retryAfterSeconds)],
      ]);
    }
  }
  const headers = req.headers;
  if (headers['content-length'] !== undefined && declaredTooLarge(headers, settings.maxBody)) {
    fields.bodyLimit = 'content-length';
    discardBody(req, settings.maxBody * 8); // so the client reads the 413, not a reset
    return own(req, res, fields, 413, `the body is larger than this proxy accepts (${settings.maxBody} bytes)`);
  }

  // The cache: GET and HEAD only; one entry per host and target. X-Cache: HIT (the stored copy),
  // MISS (no usable copy: a backend is asked), BYPASS (the request said not to use a stored copy);
  // the same labels as the lab's forward proxy. (An empty cache has nothing to look up.)
  const cacheable = req.method === 'GET' || req.method === 'HEAD';
  if (cacheable) {
    fields.cache = requestWantsFresh(headers) ? 'BYPASS' : 'MISS';
    const hit = fields.cache === 'MISS' && cache.entries.size > 0 ? cache.lookup(cacheKey(req), headers) : undefined;
    if (hit) {
      fields.cache = 'HIT';
      /** @type {[string, string][]} */
      const pairs = [...hit.headers, ['Age', String(hit.age)], ['X-Cache', 'HIT']];
      return sendResponse(req, res, { status: hit.status, pairs, body: hit.body, fields });
    }
  }

  if (hasBody(req)) return forward(req, res, { proto, requestId, fields, cacheable, trace });
  return forwardHeld(req, res, { proto, requestId, fields, cacheable, body: undefined, trace });
}

/** The cache's key for a request: host and target. */
function cacheKey(req) {
  return `${req.headers.host ?? ''}${req.url}`;
}

/** A short answer of the proxy's own (respond.mjs, sendOwn). */
function own(req, res, fields, status, message, headers = []) {
  return sendOwn(req, res, status, message, { fields, headers });
}

/** A request with a body: held complete first (request-body.mjs), then forwarded. */
async function forward(req, res, { proto, requestId, fields, cacheable, trace }) {
  let body;
  if (req.expectsContinue) res.writeContinue(); // the limits above passed: invite the body
  try {
    body = await holdBody(req, { limit: settings.maxBody, dir: lab.runDir });
  } catch (error) {
    if (error.code === 'CLIENT_GONE') return; // the client left halfway through its upload
    if (!(error instanceof BodyTooLargeError)) throw error; // (a full disk, say): 500
    fields.bodyLimit = 'streamed';
    return own(req, res, fields, 413, `the body grew larger than this proxy accepts (${settings.maxBody} bytes)`, [
      ['Connection', 'close'],
    ]);
  }
  res.once('close', () => body.discard());
  try {
    return await forwardHeld(req, res, { proto, requestId, fields, cacheable, body, trace });
  } catch (error) {
    body?.discard();
    throw error;
  }
}

/** Send a request whose body (if any) the proxy holds complete, retrying where that is safe. */
async function forwardHeld(req, res, { proto, requestId, fields, cacheable, body, trace }) {
  const { headers, changes } = backendRequest(req, proto, requestId, body?.size);
  trace.passedOnWith(changes);
  const tried = new Set();

  for (;;) {
    const backend = balancer.pick(tried);
    if (!backend) {
      if (tried.size === 0) return own(req, res, fields, 503, 'no backend is up right now', [['Retry-After', '5']]);
      return own(req, res, fields, 502, `every backend tried failed: ${[...tried].map((b) => b.name).join(', ')}`);
    }
    tried.add(backend);
    fields.backend = backend.name;
    if (tried.size > 1) fields.retries = [...tried].map((b) => b.name);
    backend.active++;
    let response;
    try {
      response = await sendToBackend({
        req,
        res,
        backend,
        headers,
        timeoutMs: settings.timeoutMs,
        body,
      });
    } catch (error) {
      backend.active--;
      if (error.kind === 'client-gone') return;
      if (error.kind === 'timeout') {
        fields.error = error.message;
        return own(req, res, fields, 504, `${backend.name} did not answer within ${settings.timeoutMs} ms`);
      }
      if (!error.stale && settings.healthChecks) health.reportFailure(backend, error.message);
      fields.error = error.message;
      if (mayRetry(req, error)) continue;
      if (error.malformed) return own(req, res, fields, 502, error.message); // "app-1 sent a malformed response: …"
      return own(req, res, fields, 502, `the backend ${backend.name} could not be reached: ${error.message}`);
    }

    // The body to pass on: the response stream, or the body that came whole with its head (the
    // backend is done with this request then).
    /** @type {import('node:stream').Readable | Buffer} */
    let reply;
    if (response instanceof WholeResponse) {
      reply = response.whole;
      backend.active--;
    } else {
      reply = response;
      response[BACKEND] = backend;
      response.on('close', backendDone);
    }
    backend.served++;
    trace.relayed = true;
    const pairs = responseHeadersForClient(response.rawHeaders, { httpVersion: response.httpVersion });
    if (cacheable) {
      pairs.push(['X-Cache', fields.cache]);
      // (Most answers say nothing about caching: then response.headers, an object node builds on
      // first use, is not needed at all.)
      if (
        req.method === 'GET' &&
        mentionsCaching(response.rawHeaders) &&
        storeLifetime(req.headers, response.statusCode, response.headers) > 0
      ) {
        // Keep a copy of the body as it streams past; stored once it has all arrived (at once when
        // it came whole).
        reply = recordInto(response, cache, cacheKey(req), req.headers, {
          status: response.statusCode,
          headers: response.headers,
          pairs,
        });
      }
    }
    try {
      return sendResponse(req, res, { status: response.statusCode ?? 502, pairs, body: reply, fields });
    } catch (error) {
      if (!(response instanceof WholeResponse)) response.destroy(); // unread, it would hold its connection (and the backend) for good
      throw error;
    }
  }
}

const BACKEND = Symbol('backend');

/** A backend's response is over (relayed, or cut off): one request fewer in flight there.
 * (One listener shared by every response: it finds its backend on the response.) @this {any} */
function backendDone() {
  this[BACKEND].active--;
}

/** Whether a response has Cache-Control or Expires: without either, this cache stores nothing
 * (see freshnessLifetime in cache.mjs). */
function mentionsCaching(rawHeaders) {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === 'cache-control' || name === 'expires') return true;
  }
  return false;
}

function statusReport() {
  return {
    balancer: settings.balance,
    backends: backends.map(({ name, url, state, active, served }) => ({ name, url, state, active, served })),
    cache: { keys: cache.entries.size, bytes: cache.totalBytes },
  };
}

// WebSocket upgrades skip everything above but the forwarding headers.
function upgrade(req, socket, head, proto) {
  const requestId = newRequestId();
  const backend = balancer.pick();
  const started = performance.now();
  const trace = traceRequest({});
  const report = (extra) => {
    trace.relayed = extra.status !== 503 && extra.status !== 502;
    trace.done(extra.status);
    lab.emit({
      event: 'request',
      conn: lab.connectionId(socket),
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      method: req.method,
      target: req.url,
      httpVersion: req.httpVersion,
      headers: headerPairs(req.rawHeaders),
      durationMs: Math.round(performance.now() - started),
      requestId,
      proto,
      backend: backend?.name,
      ...extra,
      trace: trace.fields.trace, // the proxy's answer phase (trace.mjs)
    });
  };
  socket.on('error', () => socket.destroy());
  if (!backend) {
    socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return report({ status: 503 });
  }
  const headers = requestHeadersForBackend(req, { proto, requestId });
  // relayUpgrade puts Connection: Upgrade and Upgrade back on: the proxy handles the upgrade.
  trace.passedOn(headerPairs(req.rawHeaders), [
    ...headers,
    ['Connection', 'Upgrade'],
    ['Upgrade', String(req.headers.upgrade)],
  ]);
  relayUpgrade({ req, clientSocket: socket, head, backend, headers, report });
}

// A request node cannot parse never reaches handle(): answer 400 (431 for huge headers, 408 for
// one too slow to arrive) here, report it, and keep serving everyone else.
function clientError(error, socket) {
  if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
  const status = unparsableStatus(error);
  const body = `bad request: ${error.code ?? error.message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  lab.reportUnparsable(error, socket, status);
}

function serve(server, proto) {
  server.on('request', (req, res) => run(req, res, proto));
  // "Expect: 100-continue": decide about limits first, and only then invite the body.
  server.on('checkContinue', (req, res) => {
    req.expectsContinue = true;
    run(req, res, proto);
  });
  server.on('upgrade', (req, socket, head) => upgrade(req, socket, head, proto));
  server.on('clientError', clientError);
  return server;
}

/** handle(), with whatever it throws (now or later) answered with a 500 instead of a crash. */
function run(req, res, proto) {
  try {
    handle(req, res, proto)?.catch((error) => crashed(res, error));
  } catch (error) {
    crashed(res, error);
  }
}

function crashed(res, error) {
  console.error(`proxy error: ${error.stack ?? error}`);
  if (!res.headersSent) {
    // (Not with the headers set so far: a backend's Content-Length would not fit this body.)
    for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
    res.statusCode = 500;
    res.end('the proxy failed on this request\n');
  } else res.destroy();
}

const plain = serve(http.createServer(labHttpOptions), 'http');
const listeners = [plain];
const port = await lab.listen(plain);
let httpsPort = null;
if (lab.ports.https !== undefined) {
  const { key, cert, caFile } = loadCertificate({
    tlsDir: settings.tlsDir,
    runDir: lab.runDir,
    workspace: lab.workspace,
  });
  const secure = serve(https.createServer({ ...labHttpOptions, key, cert }), 'https');
  listeners.push(secure);
  httpsPort = await lab.listen(secure, lab.ports.https);
  console.log(`https on 127.0.0.1:${httpsPort} (curl --cacert ${caFile} https://127.0.0.1:${httpsPort}/)`);
}
if (settings.healthChecks) {
  await health.waitForBackends();
  health.start();
}
lab.onCommand((command) => {
  if (command.cmd !== 'health-checks') return;
  if (command.paused) health.pause();
  else health.resume();
});
lab.onShutdown(async () => {
  health.stop();
  for (const server of listeners) {
    server.close();
    server.closeAllConnections();
  }
});
console.log(
  `reverse proxy on 127.0.0.1:${port} → ${backends.map((b) => `${b.name} ${b.url}`).join(', ')} (${settings.balance})`,
);
lab.ready({ port, backends: backendNames, ...(httpsPort ? { https: httpsPort } : {}) });
