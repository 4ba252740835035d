// A forward proxy: the proxy on the client's side of the network. Clients are configured to send
// every request to it (`curl -x`, the http_proxy variable, a browser's proxy setting) and it
// fetches the page for them. Because it stands between many clients and many servers it can:
//   - speak for the client: the origin sees the proxy's connection, not the client's;
//   - filter: a list of sites it refuses (blocked.test gets this proxy's own 403 page);
//   - cache: a page many clients ask for is fetched once (see cache.mjs).
//
// Two kinds of request reach it (RFC 9112 §3.2):
//   GET http://news.test/headlines HTTP/1.1   absolute-form: "fetch this URL for me". The proxy
//                                             connects to news.test and asks for /headlines.
//   CONNECT secure.test:443 HTTP/1.1          authority-form: "open a tunnel to this host:port".
//                                             After `200`, the proxy only copies bytes both ways;
//                                             the TLS inside is between the client and the site,
//                                             so the proxy never sees the path, the headers or
//                                             the body. All it can log is host, port and sizes.
//                                             (tunnel.mjs)
//
// It listens on two ports: the main one for everyone, and an `auth` port, a staff door that
// answers 407 until the client sends Proxy-Authorization (curl -U user:password).
// It only ever reaches the lab's own sites (rules.mjs): never an open proxy.
// Everything it does is written to <workspace>/proxy-access.log, one line per request, the way
// squid writes its access.log: read it to see what a proxy operator would know about you.
import http from 'node:http';
import { writeInsideSync } from '../lib/safe-path.mjs';
import { headerValue, pairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, unparsableStatus } from '../lib/lab-server.mjs';
import { lingerOnClose } from '../lib/linger.mjs';
import { ResponseCache, storable, usable } from './cache.mjs';
import { connectHandler, writeRawResponse } from './tunnel.mjs';
import {
  BLOCKED_SITES,
  STAFF_CREDENTIALS,
  answersItself,
  checkProxyAuth,
  describeSites,
  labSites,
  parseAbsoluteTarget,
  proxyName,
  requestHeadersForOrigin,
  responseHeadersForClient,
} from './rules.mjs';

const UPSTREAM_TIMEOUT_MS = 15_000;

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').ForwardProxyEvent>} */
const lab = labServer();
const VIA = proxyName(lab.secrets.viaName);
const sites = labSites(lab.servers, lab.name);
const cache = new ResponseCache();
const upstreamAgent = new http.Agent({ keepAlive: true });
const ACCESS_LOG = 'proxy-access.log';

// A fresh log for each lab run, written only as a plain file inside the workspace (never through
// a symlink someone put there: see lib/safe-path.mjs).
let logToFile = true;
try {
  writeInsideSync(
    lab.workspace,
    ACCESS_LOG,
    `# ${lab.name} access log, since ${new Date().toISOString()}: time client door[:user] request status verdict\n`,
  );
} catch (error) {
  logToFile = false;
  if (error.code === 'ELOOP' || error.code === 'EXDEV')
    console.log(`${lab.name}: ${ACCESS_LOG} in the workspace is a link; the access log goes to this console only`);
  // Otherwise no workspace folder (run by hand): the console is the log.
}

/** One line per request, like squid's access.log: all this proxy knows about what passed. */
function accessLog(line) {
  const stamped = `${new Date().toISOString()} ${line}`;
  console.log(stamped);
  if (!logToFile) return;
  try {
    writeInsideSync(lab.workspace, ACCESS_LOG, `${stamped}\n`, { append: true });
  } catch {
    // No workspace (run by hand from elsewhere), or the file became a link: the console line is enough.
  }
}

// ─── Plain HTTP: absolute-form requests ────────────────────────────────────────────────────────

function handleRequest(door) {
  return (req, res) => {
    const fields = lab.observe(req, res, { door: door.name });
    const requestPairs = pairs(req.rawHeaders);
    res.on('finish', () => {
      const verdict = fields.blocked ? 'BLOCKED' : fields.refused ? 'REFUSED' : (fields.cache ?? '');
      // Like squid, log the user name when the client gave one: the operator knows who asked.
      const who = fields.user ? `${door.name}:${fields.user}` : door.name;
      accessLog(`${req.socket.remoteAddress} ${who} ${req.method} ${req.url} ${res.statusCode} ${verdict}`.trim());
    });

    if (door.credentials) {
      fields.auth = checkProxyAuth(headerValue(requestPairs, 'proxy-authorization'), door.credentials);
      if (fields.auth !== 'ok') return askForCredentials(res, fields.auth);
      fields.user = door.credentials.user;
    }

    if (req.url.startsWith('/') || req.url === '*') {
      return proxyPage(res, 400, 'not-a-proxy-request', [
        `This is a forward proxy, and "${req.method} ${req.url}" names no site.`,
        'Ask it for a full URL instead, for example:',
        `  curl -x http://127.0.0.1:${req.socket.localPort} http://news.test/`,
      ]);
    }

    const target = parseAbsoluteTarget(req.url);
    if (!target) {
      return proxyPage(res, 400, 'bad-url', [`"${req.url}" is not a URL this proxy understands.`]);
    }
    fields.host = target.host;
    if (target.scheme !== 'http') {
      return proxyPage(res, 400, 'use-connect', [
        `This proxy fetches only http:// URLs itself. For ${target.scheme}://, a client asks for a`,
        'tunnel with CONNECT (curl does this on its own for https:// URLs).',
      ]);
    }
    if (BLOCKED_SITES.has(target.host)) {
      fields.blocked = true;
      return proxyPage(res, 403, 'blocked-by-filter', [
        `${target.host} is on this proxy's filter list.`,
        'The request stopped here: the site itself never heard of it.',
      ]);
    }
    const site = sites.get(`${target.host}:${target.port}`);
    const tlsSite = site?.tls ? site : sites.get(`${target.host}:443`);
    if (tlsSite?.tls) {
      // A site that speaks only HTTPS: plain HTTP to it would fail at its door (a TLS server reads
      // our request line as a broken handshake). That is the client's mistake, so a 400 that says
      // what to do, not a 502 that blames the site.
      return proxyPage(res, 400, 'use-connect', [
        `${tlsSite.name} speaks only HTTPS. Ask for https://${tlsSite.name}/ instead: the client then`,
        'opens a tunnel with CONNECT and speaks TLS to the site through it (curl does this by itself).',
      ]);
    }
    if (!site) {
      fields.refused = true;
      return proxyPage(res, 403, 'not-a-lab-site', [
        `${target.hostHeader} is not a site of this lab, so this proxy will not fetch it.`,
        'A proxy that fetched anything for anyone (an "open proxy") would be abused within hours.',
        `Sites it knows: ${describeSites(sites) || 'none (no GT_SERVERS given)'}.`,
      ]);
    }
    fields.upstream = site.url;

    if (answersItself(req.method, requestPairs)) {
      fields.answeredBy = 'proxy';
      return answerMaxForwardsZero(req, res, requestPairs);
    }

    // X-Cache: HIT (from the stored copy), MISS (nothing usable stored) or BYPASS (the request
    // said not to use a stored copy); the same labels as the lab's reverse proxy. See cache.mjs.
    const cacheKey = `http://${target.hostHeader}${target.path}`;
    fields.cache = 'MISS';
    if (req.method === 'GET') {
      const lookup = usable(cache.get(cacheKey), requestPairs);
      if (lookup.hit) {
        fields.cache = 'HIT';
        fields.age = lookup.age;
        return serveFromCache(res, cache.get(cacheKey), lookup.age);
      }
      if (lookup.bypass) fields.cache = 'BYPASS';
      fields.cacheReason = lookup.reason;
    }
    forward(req, res, { site, target, requestPairs, cacheKey, fields });
  };
}

/** Fetch from the origin in origin-form, stream the answer back, and keep a copy if allowed. */
function forward(req, res, { site, target, requestPairs, cacheKey, fields }) {
  const headers = requestHeadersForOrigin(requestPairs, {
    method: req.method,
    hostHeader: target.hostHeader,
    via: VIA,
    httpVersion: req.httpVersion,
  });
  const upstream = http.request({
    host: site.host,
    port: site.port,
    method: req.method,
    path: target.path,
    headers: headers.flat(),
    setHost: false,
    agent: upstreamAgent,
    timeout: UPSTREAM_TIMEOUT_MS,
  });

  upstream.on('response', (answer) => {
    const answerPairs = responseHeadersForClient(pairs(answer.rawHeaders), {
      via: VIA,
      httpVersion: answer.httpVersion,
    });
    const decision = storable(req.method, requestPairs, answer.statusCode, answerPairs);
    if (!decision.store) fields.notStored = decision.reason;
    setHeaders(res, [...answerPairs, ['X-Cache', fields.cache]]);
    res.writeHead(answer.statusCode, answer.statusMessage);

    const kept = [];
    let keptBytes = 0;
    answer.on('data', (chunk) => {
      if (decision.store && keptBytes <= cache.maxBodyBytes) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
    });
    answer.on('end', () => {
      if (decision.store) {
        cache.put(cacheKey, {
          status: answer.statusCode ?? 502,
          statusMessage: answer.statusMessage,
          headers: answerPairs,
          body: Buffer.concat(kept),
        });
      } else if (req.method === 'GET' && !headerValue(requestPairs, 'cache-control')?.includes('no-store')) {
        // The origin no longer lets us keep this page: forget any older copy.
        cache.delete(cacheKey);
      }
    });
    // pipe() handles backpressure: a slow client slows the read from the origin.
    answer.pipe(res);
  });

  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (error) => {
    fields.upstreamError = error.message;
    if (res.headersSent) return res.destroy();
    if (error.message === 'timeout') {
      return proxyPage(res, 504, 'origin-timeout', [
        `${site.name} did not answer within ${UPSTREAM_TIMEOUT_MS / 1000} s.`,
      ]);
    }
    proxyPage(res, 502, 'origin-unreachable', [`${site.name} could not be reached: ${error.message}.`]);
  });
  // If the client goes away, stop the work it asked for.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function serveFromCache(res, entry, age) {
  const headers = entry.headers.filter(([name]) => !['age', 'x-cache'].includes(name.toLowerCase()));
  setHeaders(res, [...headers, ['Age', String(age)], ['X-Cache', 'HIT']]);
  res.writeHead(entry.status, entry.statusMessage);
  res.end(entry.body);
}

/** Max-Forwards: 0 on OPTIONS or TRACE means "you are the last hop: answer yourself". */
function answerMaxForwardsZero(req, res, requestPairs) {
  if (req.method === 'OPTIONS') {
    setHeaders(res, [
      ['Allow', 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT'],
      ['Via', `1.1 ${VIA}`],
      ['Content-Length', '0'],
    ]);
    res.writeHead(200);
    return res.end();
  }
  // TRACE echoes the request as this proxy received it, minus credentials (RFC 9110 §9.3.8).
  const secret = new Set(['proxy-authorization', 'authorization', 'cookie']);
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (const [name, value] of requestPairs) if (!secret.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  const body = lines.join('\r\n') + '\r\n\r\n';
  setHeaders(res, [
    ['Content-Type', 'message/http'],
    ['Via', `1.1 ${VIA}`],
    ['Content-Length', String(Buffer.byteLength(body))],
  ]);
  res.writeHead(200);
  res.end(body);
}

function askForCredentials(res, state) {
  res.setHeader('Proxy-Authenticate', 'Basic realm="gateway-tutor staff proxy"');
  proxyPage(res, 407, state === 'missing' ? 'credentials-missing' : 'credentials-wrong', [
    state === 'missing'
      ? 'This door of the proxy needs credentials: send them with Proxy-Authorization.'
      : 'Those proxy credentials are not right.',
    'With curl: -U user:password (or put them in the proxy URL: -x http://user:password@host:port).',
  ]);
}

/** The proxy's own pages (errors and refusals), marked so they cannot pass for the origin's. */
function proxyPage(res, status, code, lines) {
  const body = [`${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy, ${VIA})`, '', ...lines, ''].join(
    '\n',
  );
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Via', `1.1 ${VIA}`);
  res.setHeader('X-Proxy-Error', code);
  res.setHeader('Cache-Control', 'no-store');
  // Said before the request's body came (a 403 or a 407 to an upload): the proxy will not read
  // on until the end of a body nobody wants, so this answer ends the connection, the lingering
  // way (lib/linger.mjs): the client still sending gets to read it instead of a reset.
  if (bodyStillComing(res.req)) {
    res.setHeader('Connection', 'close');
    lingerOnClose(res.req);
  }
  res.writeHead(status);
  res.end(body);
}

/** @param {http.IncomingMessage} req */
function bodyStillComing(req) {
  const length = Number(req.headers['content-length'] ?? 0);
  return !req.complete && (req.headers['transfer-encoding'] !== undefined || length > 0);
}

/** Copy [[name, value], ...] onto a response, keeping repeated fields (Set-Cookie) as a list. */
function setHeaders(res, headerPairs) {
  const grouped = new Map();
  for (const [name, value] of headerPairs) {
    const entry = grouped.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(value);
    grouped.set(name.toLowerCase(), entry);
  }
  for (const { name, values } of grouped.values()) res.setHeader(name, values.length === 1 ? values[0] : values);
}

// ─── Requests the HTTP parser could not read ─────────────────────────────────────────────────

function handleClientError(door) {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = unparsableStatus(error);
    writeRawResponse(
      socket,
      status,
      [['Via', `1.1 ${VIA}`]],
      [
        `${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy, ${VIA})`,
        '',
        `This proxy could not read that request: ${error.code ?? error.message}.`,
      ],
    );
    const firstLine = lab.reportUnparsable(error, socket, status, { door: door.name });
    accessLog(`${socket.remoteAddress} ${door.name} ${JSON.stringify(firstLine)} ${status} PARSE-ERROR`);
  };
}

// ─── Start ──────────────────────────────────────────────────────────────────────────────────

function door(name, credentials) {
  const server = http.createServer({ ...labHttpOptions, keepAliveTimeout: 5000 });
  const d = { name, credentials };
  server.on('request', handleRequest(d));
  server.on('connect', connectHandler({ lab, door: d, sites, via: VIA, accessLog }));
  server.on('clientError', handleClientError(d));
  return server;
}

const mainDoor = door('main', null);
const staffDoor = door('auth', STAFF_CREDENTIALS);
const port = await lab.listen(mainDoor);
const authPort = await lab.listen(staffDoor, lab.ports.auth ?? 0);
lab.onShutdown(() => {
  mainDoor.closeAllConnections();
  staffDoor.closeAllConnections();
  mainDoor.close();
  staffDoor.close();
});

console.log(`${lab.name}: forward proxy on http://127.0.0.1:${port} (Via: 1.1 ${VIA})`);
console.log(`${lab.name}: staff door needing credentials on http://127.0.0.1:${authPort}`);
console.log(`${lab.name}: sites: ${describeSites(sites) || 'none'}; filter list: ${[...BLOCKED_SITES].join(', ')}`);
lab.ready({ port, ports: { auth: authPort } });
