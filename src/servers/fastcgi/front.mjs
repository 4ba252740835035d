// The lab's web server in front of a FastCGI app, like nginx with fastcgi_pass or Apache with
// mod_proxy_fcgi: HTTP comes in, FastCGI records go out.
//
//   curl ──HTTP──▶ front ══FastCGI records══▶ app process (one of a pool)
//                    │  BEGIN_REQUEST, PARAMS (the CGI variables), STDIN (the body)
//                    │◀═ STDOUT (a CGI response), STDERR, END_REQUEST
//                    └── every record of every request goes into the lab's events (the wire view),
//                        and GET /_records shows the last few requests as records
//
//   node front.mjs [--app NAME|HOST:PORT|SOCKET] [--document-root DIR] [--timeout-ms 10000]
//                  [--queue-ms 2000] [--max-conns N] [--max-body BYTES]
//
// --app names a lab server (its port is looked up) or gives an address; --document-root makes
// SCRIPT_FILENAME point at files under DIR (for php-fpm and fcgiwrap, which run files).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { labServer, unparsableStatus } from '../lib/lab-server.mjs';
import { lingerOnClose } from '../lib/linger.mjs';
import { AppPool } from './app-pool.mjs';
import { answerError, passRequest } from './gateway.mjs';
import { cgiParams, decodePath, splitScript } from './params.mjs';
import { describeRecord, formatRecord } from './wire.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').FastcgiFrontEvent>} */
const lab = labServer();
const { values: options } = parseArgs({
  options: {
    app: { type: 'string', default: 'app' },
    'document-root': { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
    'queue-ms': { type: 'string', default: '2000' },
    'max-conns': { type: 'string' },
    'max-body': { type: 'string', default: String(10 * 1024 * 1024) },
  },
});
const timeoutMs = Number(options['timeout-ms']);
const maxBody = Number(options['max-body']);
const address = appAddress(options.app);
const pool = new AppPool(address, {
  queueMs: Number(options['queue-ms']),
  ...(options['max-conns'] ? { limit: Number(options['max-conns']) } : {}),
});

/** A lab server's name → 127.0.0.1:its port; anything else is already an address. */
function appAddress(app) {
  const server = lab.servers.find((s) => s.name === app);
  return server ? `127.0.0.1:${server.port}` : app;
}

// Request ids start at a number made fresh for each lab run and count up (1…65535, 0 is the
// connection's own id). The app only needs them unique among the requests on one connection.
let nextId = 1 + Math.floor(Math.random() * 60000);
function takeRequestId() {
  const id = nextId;
  nextId = nextId >= 65535 ? 1 : nextId + 1;
  return id;
}

/** The last requests as records, for GET /_records. */
const recent = [];
const RECENT = 5;
/** Where a response keeps its request's event fields, for remember() below. */
const FIELDS = Symbol('event fields');

/** A response closed: keep its request for /_records. One function for every request, called
 * by lab.observe just before the request's event is written (no listener of its own per request).
 * @this {http.ServerResponse} */
function remember() {
  const fields = /** @type {any} */ (this)[FIELDS];
  recent.push({ method: this.req.method, target: this.req.url, status: this.statusCode, fields });
  if (recent.length > RECENT) recent.shift();
}

async function handle(req, res) {
  if (req.url === '/_records' || req.url.startsWith('/_records?')) return showRecords(res);
  const fields = lab.observe(req, res, {}, remember);
  /** @type {any} */ (res)[FIELDS] = fields;
  const path = decodePath(req.url);
  if (typeof path !== 'string') return answerError(res, 400, path.error);
  const script = splitScript(path, options['document-root']);
  if (!script) return answerError(res, 404, `No script under the document root matches ${req.url}.`);

  // FastCGI sends PARAMS (with CONTENT_LENGTH) before STDIN. A body of known length streams
  // through as it arrives; a chunked one has no length yet, so it is read first (bounded).
  const declared = req.headers['content-length'];
  let body = null;
  let contentLength = 0;
  if (declared !== undefined) {
    contentLength = Number(declared);
    if (contentLength > maxBody) {
      refuseBody(req, res);
      return answerError(res, 413, `The body is ${contentLength} bytes; this front takes at most ${maxBody}.`);
    }
    body = contentLength > 0 ? req : null;
    if (body) invite(req, res);
  } else if (req.headers['transfer-encoding']) {
    invite(req, res);
    body = await readWhole(req);
    if (req.socket.destroyed) return; // the client is gone: nobody to answer
    if (body === null) {
      refuseBody(req, res);
      return answerError(res, 413, `The body is over ${maxBody} bytes.`);
    }
    contentLength = body.length;
  }
  const params = cgiParams(req, { script, serverPort: port, hasBody: body !== null, contentLength });
  await passRequest({ req, res, pool, requestId: takeRequestId(), params, body, timeoutMs, log: console.log, fields });
}

// A client that sends `Expect: 100-continue` (curl does, for a body over 1 MiB) waits for
// "100 Continue" before it sends the body (RFC 9110 §10.1.1). node:http would say it to every such
// request at once; the front says it only once the body is one it takes, so a body over the limit
// is refused before it leaves the client.
const expectingContinue = new WeakSet();
function invite(req, res) {
  if (expectingContinue.delete(req)) res.writeContinue();
}

// A body over maxBody is answered 413 and the connection closed, as nginx does: the rest of it is
// never passed on. The client may still be sending it, so the close is a lingering one (see
// lib/linger.mjs): closed at once, the connection would be reset and the 413 lost on the way.
function refuseBody(req, res) {
  res.setHeader('Connection', 'close');
  lingerOnClose(req);
}

// A chunked body over maxBody is refused as soon as it grows past it, not at its end: a client
// that never ends its body would otherwise keep the connection (and up to maxBody of memory) until
// the request timeout, and a few such clients would hold a lot of memory.
function readWhole(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size <= maxBody) return void chunks.push(chunk);
      chunks.length = 0;
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size <= maxBody ? Buffer.concat(chunks) : null));
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null)); // the client left mid-body (after 'end' this changes nothing)
  });
}

function showRecords(res) {
  const lines = [];
  if (recent.length === 0) lines.push('No request has gone through the front yet.');
  for (const { method, target, status, fields } of recent) {
    lines.push(
      '',
      `${method} ${target} → ${status}   request id ${fields.requestId ?? '-'}, ${fields.records?.length ?? 0} records`,
    );
    for (const record of fields.records ?? []) lines.push(...formatRecord(record).map((l) => `  ${l}`));
    if (fields.recordsDropped) lines.push(`  … and ${fields.recordsDropped} more records`);
  }
  const body = `${lines.join('\n')}\n`;
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

const server = http.createServer({ keepAliveTimeout: 5000, requestTimeout: 30000 });
/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
const onRequest = (req, res) =>
  handle(req, res).catch((error) => {
    console.error(`front error: ${error.stack ?? error}`);
    if (!res.headersSent) answerError(res, 500, 'The front failed on this request (a bug in the lab).');
    else res.destroy();
  });
server.on('request', onRequest);
server.on('checkContinue', (req, res) => {
  expectingContinue.add(req);
  onRequest(req, res);
});
server.on(
  'clientError',
  (/** @type {NodeJS.ErrnoException} */ error, /** @type {import('node:net').Socket} */ socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = unparsableStatus(error);
    socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    lab.reportUnparsable(error, socket, status);
  },
);

const port = await lab.listen(server);
// Before saying "ready", ask the app its limits (GET_VALUES on request id 0). The app may still be
// starting (the lab starts its servers together): try again until it answers, for a while.
/** @type {import('./events.js').WireRecord[]} */
const managementRecords = [];
/** @type {Map<string, string> | string | null} */
let values = null;
for (const deadline = Date.now() + 8000; ; ) {
  managementRecords.length = 0;
  values = await pool.learnLimits((record, dir) => managementRecords.push(describeRecord(record, dir)));
  if (values instanceof Map || Date.now() > deadline || !/cannot connect/.test(String(values))) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
lab.emit({
  event: 'management',
  app: address,
  records: managementRecords,
  values: values instanceof Map ? Object.fromEntries(values) : {},
  ...(values instanceof Map ? {} : { error: String(values) }),
});
lab.onShutdown(() => {
  server.close();
  server.closeAllConnections();
  pool.closeAll();
});
console.log(
  `FastCGI front on http://127.0.0.1:${port} → app at ${address}; ` +
    (values instanceof Map
      ? `the app says FCGI_MAX_REQS=${values.get('FCGI_MAX_REQS') ?? '?'}, FCGI_MAX_CONNS=${values.get('FCGI_MAX_CONNS') ?? '?'}, FCGI_MPXS_CONNS=${values.get('FCGI_MPXS_CONNS') ?? '?'}`
      : `GET_VALUES failed (${values})`) +
    `; at most ${pool.limit} connections to it`,
);
lab.ready({ port, app: address, maxConns: pool.limit });
