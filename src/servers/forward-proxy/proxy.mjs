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
//
// It listens on two ports: the main one for everyone, and an `auth` port, a staff door that
// answers 407 until the client sends Proxy-Authorization (curl -U user:password).
// It only ever reaches the lab's own sites (rules.mjs): never an open proxy.
import http from 'node:http';
import net from 'node:net';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { labServer, pairs } from '../lib/lab-server.mjs';
import { ResponseCache, headerValue, storable, usable } from './cache.mjs';
import {
  BLOCKED_SITES,
  STAFF_CREDENTIALS,
  answersItself,
  checkProxyAuth,
  describeSites,
  labSites,
  parseAbsoluteTarget,
  parseAuthority,
  proxyName,
  requestHeadersForOrigin,
  responseHeadersForClient,
} from './rules.mjs';

const UPSTREAM_TIMEOUT_MS = 15_000;

const lab = labServer();
const VIA = proxyName(lab.secrets.viaName);
const sites = labSites(lab.servers, lab.name);
const cache = new ResponseCache();
const upstreamAgent = new http.Agent({ keepAlive: true });
const accessLogPath = join(lab.workspace, 'proxy-access.log');

/** One line per request, like squid's access.log: all this proxy knows about what passed. */
function accessLog(line) {
  const stamped = `${new Date().toISOString()} ${line}`;
  console.log(stamped);
  try {
    appendFileSync(accessLogPath, stamped + '\n');
  } catch {
    // No workspace (run by hand from elsewhere): the console line is enough.
  }
}

// ─── Plain HTTP: absolute-form requests ────────────────────────────────────────────────────────

function handleRequest(door) {
  return (req, res) => {
    const fields = lab.observe(req, res, { door: door.name });
    const requestPairs = pairs(req.rawHeaders);
    res.on('finish', () => {
      const verdict = fields.blocked ? 'BLOCKED' : fields.refused ? 'REFUSED' : (fields.cache ?? '');
      accessLog(`${req.socket.remoteAddress} ${door.name} ${req.method} ${req.url} ${res.statusCode} ${verdict}`.trim());
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

    const cacheKey = `http://${target.hostHeader}${target.path}`;
    if (req.method === 'GET') {
      const lookup = usable(cache.get(cacheKey), requestPairs);
      if (lookup.hit) {
        fields.cache = 'HIT';
        fields.age = lookup.age;
        return serveFromCache(res, cache.get(cacheKey), lookup.age);
      }
      fields.cacheReason = lookup.reason;
    }
    fields.cache = 'MISS';
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
    const answerPairs = responseHeadersForClient(pairs(answer.rawHeaders), { via: VIA, httpVersion: answer.httpVersion });
    const decision = storable(req.method, requestPairs, answer.statusCode, answerPairs);
    if (!decision.store) fields.notStored = decision.reason;
    setHeaders(res, [...answerPairs, ['X-Cache', 'MISS']]);
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
        cache.put(cacheKey, { status: answer.statusCode, statusMessage: answer.statusMessage, headers: answerPairs, body: Buffer.concat(kept) });
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
      return proxyPage(res, 504, 'origin-timeout', [`${site.name} did not answer within ${UPSTREAM_TIMEOUT_MS / 1000} s.`]);
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
    setHeaders(res, [['Allow', 'GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT'], ['Via', `1.1 ${VIA}`], ['Content-Length', '0']]);
    res.writeHead(200);
    return res.end();
  }
  // TRACE echoes the request as this proxy received it, minus credentials (RFC 9110 §9.3.8).
  const secret = new Set(['proxy-authorization', 'authorization', 'cookie']);
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (const [name, value] of requestPairs) if (!secret.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  const body = lines.join('\r\n') + '\r\n\r\n';
  setHeaders(res, [['Content-Type', 'message/http'], ['Via', `1.1 ${VIA}`], ['Content-Length', String(Buffer.byteLength(body))]]);
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
  const body = [`${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy, ${VIA})`, '', ...lines, ''].join('\n');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Via', `1.1 ${VIA}`);
  res.setHeader('X-Proxy-Error', code);
  res.setHeader('Cache-Control', 'no-store');
  res.writeHead(status);
  res.end(body);
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

// ─── HTTPS: CONNECT tunnels ───────────────────────────────────────────────────────────────────

function handleConnect(door) {
  return (req, clientSocket, head) => {
    const started = performance.now();
    const requestPairs = pairs(req.rawHeaders);
    const report = (status, extra = {}, responseHeaders = []) =>
      lab.emit({
        event: 'request',
        conn: lab.connectionId(clientSocket),
        remote: `${clientSocket.remoteAddress}:${clientSocket.remotePort}`,
        method: 'CONNECT',
        target: req.url,
        httpVersion: req.httpVersion,
        headers: requestPairs,
        status,
        responseHeaders,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        door: door.name,
        ...extra,
      });
    const refuse = (status, code, message, extra = {}, more = []) => {
      const body = `${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy, ${VIA})\n\n${message}\n`;
      const headers = [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Content-Length', String(Buffer.byteLength(body))],
        ['Via', `1.1 ${VIA}`],
        ['X-Proxy-Error', code],
        ['Connection', 'close'],
        ...more,
      ];
      clientSocket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
      report(status, extra, headers);
      accessLog(`${clientSocket.remoteAddress} ${door.name} CONNECT ${req.url} ${status} ${code}`);
    };
    clientSocket.on('error', () => clientSocket.destroy());

    let auth;
    if (door.credentials) {
      auth = checkProxyAuth(headerValue(requestPairs, 'proxy-authorization'), door.credentials);
      if (auth !== 'ok') {
        return refuse(407, `credentials-${auth}`, 'This door of the proxy needs credentials (curl -U user:password).', { auth }, [
          ['Proxy-Authenticate', 'Basic realm="gateway-tutor staff proxy"'],
        ]);
      }
    }
    const authFields = auth ? { auth } : {};
    const where = parseAuthority(req.url);
    if (!where) return refuse(400, 'bad-authority', `CONNECT needs host:port, not "${req.url}".`, authFields);
    if (BLOCKED_SITES.has(where.host)) {
      return refuse(403, 'blocked-by-filter', `${where.host} is on this proxy's filter list.`, { ...authFields, blocked: true, host: where.host });
    }
    const site = sites.get(`${where.host}:${where.port}`);
    // Tunnels go only to the HTTPS port of lab sites. A proxy that tunnels to any port would let
    // clients reach mail servers, databases and SSH through it.
    if (!site || !site.tls) {
      return refuse(
        403,
        'tunnel-not-allowed',
        `Tunnels go only to port 443 of this lab's HTTPS sites (${[...sites.values()].filter((s) => s.tls).map((s) => `${s.name}:443`).join(', ') || 'none'}).`,
        { ...authFields, refused: true, host: where.host, port: where.port },
      );
    }

    const upstream = net.connect(site.port, site.host);
    let bytesUp = head.length;
    let bytesDown = 0;
    let opened = false;
    upstream.once('connect', () => {
      opened = true;
      const responseHeaders = [['Via', `1.1 ${VIA}`]];
      clientSocket.write(`HTTP/1.1 200 Connection established\r\nVia: 1.1 ${VIA}\r\n\r\n`);
      report(200, { ...authFields, tunnel: true, host: where.host, port: where.port, upstream: site.url }, responseHeaders);
      if (head.length) upstream.write(head);
      // From here on the proxy is a pipe: it counts bytes, and cannot read them (TLS).
      clientSocket.on('data', (chunk) => (bytesUp += chunk.length));
      upstream.on('data', (chunk) => (bytesDown += chunk.length));
      clientSocket.pipe(upstream);
      upstream.pipe(clientSocket);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clientSocket.destroy();
      upstream.destroy();
      if (!opened) return;
      const durationMs = Math.round(performance.now() - started);
      lab.emit({ event: 'tunnel', target: req.url, host: where.host, port: where.port, bytesUp, bytesDown, durationMs });
      accessLog(`${clientSocket.remoteAddress} ${door.name} CONNECT ${req.url} 200 TUNNEL up=${bytesUp}B down=${bytesDown}B ${durationMs}ms`);
    };
    upstream.on('error', (error) => {
      if (!opened && !closed && !clientSocket.destroyed) {
        closed = true;
        return refuse(502, 'origin-unreachable', `${site.name} could not be reached: ${error.message}.`, authFields);
      }
      close();
    });
    upstream.on('close', close);
    clientSocket.on('close', close);
  };
}

// ─── Requests the HTTP parser could not read ─────────────────────────────────────────────────

function handleClientError(door) {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const firstLine = error.rawPacket ? error.rawPacket.toString('latin1').split('\r\n')[0].slice(0, 200) : '';
    const [method = '', target = ''] = firstLine.split(' ');
    const body = `${status} ${http.STATUS_CODES[status]} (from the lab's forward proxy)\n\nThis proxy could not parse the request: ${error.code ?? error.message}.\n`;
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    lab.emit({
      event: 'request',
      conn: lab.connectionId(socket),
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      method,
      target,
      headers: [],
      status,
      door: door.name,
      error: `${error.code ?? 'error'}: ${error.message}`,
    });
    accessLog(`${socket.remoteAddress} ${door.name} ${JSON.stringify(firstLine)} ${status} PARSE-ERROR`);
  };
}

// ─── Start ──────────────────────────────────────────────────────────────────────────────────

function door(name, credentials) {
  const server = http.createServer({ keepAliveTimeout: 5000 });
  const d = { name, credentials };
  server.on('request', handleRequest(d));
  server.on('connect', handleConnect(d));
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
