// A small application server, run three times as app-1, app-2 and app-3 behind the proxy.
// Each copy names itself in every answer, so you can see which one the proxy chose.
//
//   GET  /whoami       "app-2 (pid 4242) answered GET /whoami"
//   GET  /headers      the request headers this backend received, as JSON: look for what the
//                      proxy added (X-Forwarded-For, Forwarded, X-Request-Id, Via…)
//   GET  /big          a large, very compressible text (for the compression step)
//   GET  /slow?ms=N    answers after N ms (default 1000), and may be cached for 60 s
//   GET  /api/quote    a tiny JSON answer (the proxy rate-limits /api/)
//   POST /upload       reads the whole body as it streams and says how many bytes came
//   POST /echo         streams the body straight back
//   GET  /health       "ok", always fast: the proxy's health checks ask this
//   GET  /ws           a WebSocket echo
//
// Slow mode, for 504 drills: every answer but /health waits APP_SLOW_MS (or 10 s). Switch it on
// at start with APP_SLOW_MS=5000, or while running with the stdin command {"cmd":"slow","on":true}.
import http from 'node:http';
import { pairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, requestUrl, totalHandler } from '../lib/lab-server.mjs';
import { acceptWebSocket } from './websocket-echo.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').BackendEvent>} */
const lab = labServer();
const me = lab.name;
let slowMs = Number(process.env.APP_SLOW_MS ?? 0);

lab.onCommand((command) => {
  if (command.cmd !== 'slow') return;
  slowMs = command.on ? Number(command.ms ?? process.env.APP_SLOW_MS ?? 10000) || 10000 : 0;
  console.log(`${me}: slow mode ${slowMs ? `on (${slowMs} ms)` : 'off'}`);
  lab.emit({ event: 'mode', slow: slowMs > 0, slowMs });
});

// The same large text on every backend (seeded with this lab run's secret, if any, so its exact
// compressed size differs from run to run).
const seed = lab.secrets.bigseed ?? 'gateway-tutor';
const bigLines = [];
for (let line = 1; line <= 4000; line++) {
  bigLines.push(
    `${String(line).padStart(5, '0')} ${seed} the quick brown fox jumps over the lazy dog, again and again\n`,
  );
}
const big = Buffer.from(bigLines.join(''));

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function send(res, status, body, type = 'text/plain; charset=utf-8', extra = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'X-Served-By': me, ...extra });
  res.end(bytes);
}

async function handle(req, res) {
  const fields = lab.observe(req, res, { requestId: req.headers['x-request-id'] ?? null });
  const pathname = pathOf(req.url ?? '/');
  if (pathname === null) return send(res, 400, `${me}: "${req.url}" is not a path this server understands\n`);
  if (pathname === '/health') {
    // Marked so the tutor's request log can leave the proxy's steady health checks out.
    fields.healthCheck = true;
    return send(res, 200, 'ok\n');
  }
  if (slowMs > 0) {
    fields.slow = true;
    await wait(slowMs);
  }

  switch (pathname) {
    case '/':
    case '/whoami':
      return send(res, 200, `${me} (pid ${process.pid}) answered ${req.method} ${req.url}\n`);
    case '/headers': {
      const report = {
        server: me,
        method: req.method,
        target: req.url,
        headers: Object.fromEntries(pairs(req.rawHeaders)),
      };
      return send(res, 200, JSON.stringify(report, null, 2) + '\n', 'application/json');
    }
    case '/big':
      return send(res, 200, big);
    case '/slow': {
      const ms = Math.min(Number(requestUrl(req)?.searchParams.get('ms') ?? 1000) || 0, 10000);
      await wait(ms);
      const body = `${me} worked ${ms} ms on this at ${new Date().toISOString()}\n`;
      return send(res, 200, body, 'text/plain; charset=utf-8', { 'Cache-Control': 'public, max-age=60' });
    }
    case '/api/quote':
      return send(
        res,
        200,
        JSON.stringify({ server: me, quote: 'Be liberal in what you accept.' }) + '\n',
        'application/json',
      );
    case '/upload': {
      if (req.method !== 'POST' && req.method !== 'PUT')
        return send(res, 405, 'POST a body here\n', undefined, { Allow: 'POST, PUT' });
      let received = 0;
      for await (const chunk of req) received += chunk.length;
      fields.received = received;
      return send(res, 200, JSON.stringify({ server: me, received }) + '\n', 'application/json');
    }
    case '/echo':
      res.writeHead(200, {
        'Content-Type': req.headers['content-type'] ?? 'application/octet-stream',
        'X-Served-By': me,
      });
      req.pipe(res); // backpressure: we read the upload only as fast as the proxy takes the echo
      return;
    default:
      return send(res, 404, `${me} has no page ${pathname}\n`);
  }
}

/** A path made of letters, digits, "/", "-" and "_" only, not starting "//": the URL parser
 * would give it back unchanged (no dot segments, nothing to percent-encode, no host). */
const PLAIN_PATH = /^\/(?!\/)[\w/-]*$/;

/** The request target's path as the URL parser reads it (dot segments resolved, percent-encoded),
 * or null when it is not a URL path. Plain paths, nearly every request, skip the parser. */
function pathOf(target) {
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  if (PLAIN_PATH.test(path)) return path;
  return requestUrl({ url: target })?.pathname ?? null;
}

/** A request header's value as one string, or null when it was not sent. */
function headerText(value) {
  return value === undefined ? null : String(value);
}

const server = http.createServer(labHttpOptions, totalHandler(handle));
server.on('upgrade', (req, socket) => {
  // From here on the socket is ours, not node:http's: a client that resets it must find a
  // listener, or the error would end this process.
  socket.on('error', () => socket.destroy());
  lab.emit({
    event: 'request',
    method: req.method ?? '',
    target: req.url ?? '',
    headers: pairs(req.rawHeaders),
    status: 101,
    upgrade: 'websocket',
    requestId: headerText(req.headers['x-request-id']),
  });
  acceptWebSocket(req, socket);
});
// Keep idle connections from the proxy longer than the proxy keeps them (see backend-connection.mjs).
server.keepAliveTimeout = 10_000;
lab.onShutdown(() => {
  server.close();
  server.closeAllConnections();
});
const port = await lab.listen(server);
console.log(`${me} listening on 127.0.0.1:${port}${slowMs ? ` (slow: ${slowMs} ms)` : ''}`);
lab.ready({ port });
