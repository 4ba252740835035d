// The lab's web sites, seen from the far side of the forward proxy. One program plays each site;
// its lab name gives its host name (server `news` is `news.test`). Your machine cannot resolve
// `.test` names (RFC 6761 keeps them for tests), so the only way to reach a site by name is to
// ask the proxy, which knows where each one really listens.
//
// Every site answers /whoami with what it saw of the client: the address the connection came
// from and the request headers. Fetch it directly and through the proxy and compare.
//
// Pages and what they tell a cache (Cache-Control, RFC 9111):
//   /            the front page            public, max-age=30
//   /headlines   news that changes slowly  public, max-age=60   → the proxy may keep it a minute
//   /live        a ticker                  no-store             → never kept
//   /account     one user's page           private              → a browser may keep it, a proxy not
//   /whoami      what this site saw        no-store
//   /headers     the request headers, as JSON (for tests)
//   /echo        the request body, sent back as it arrives
//
// Run with --tls (secure.test) it speaks HTTPS with the certificate in the lesson's tls/ folder,
// and copies the CA that signed it to your workspace as ca.pem, for `curl --cacert`.
import http from 'node:http';
import https from 'node:https';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeInsideSync } from '../lib/safe-path.mjs';
import { pairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, totalHandler } from '../lib/lab-server.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').ForwardOriginEvent>} */
const lab = labServer();
const site = `${lab.name}.test`;
const tls = process.argv.includes('--tls');
const started = new Date();

const FRONT_PAGES = {
  'news.test': [
    'news.test: the lab gazette',
    '',
    'Today: proxies found speaking for their clients. Read /headlines, /live, /whoami.',
  ],
  'blocked.test': [
    'blocked.test: a site on the proxy filter list',
    '',
    'If you read this, you came here directly, not through the proxy: the site is up,',
    'it is the proxy that refuses to fetch it.',
  ],
  'secure.test': [
    'secure.test: only you and this site can read this page',
    '',
    `Your code: ${lab.secrets.secureCode ?? 'no-secret-given'}`,
    '',
    'It travelled inside TLS, through the proxy tunnel. Now look at what the proxy logged.',
  ],
};

function text(res, status, cacheControl, lines) {
  const body = lines.join('\n') + '\n';
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': cacheControl,
  });
  res.end(body);
}

function handle(req, res) {
  const fields = lab.observe(req, res, { site });
  const headerPairs = pairs(req.rawHeaders);
  const path = req.url.split('?')[0];

  if (req.method === 'TRACE') {
    // TRACE: echo the request back as received (RFC 9110 §9.3.8), for Max-Forwards experiments.
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`, ...headerPairs.map(([n, v]) => `${n}: ${v}`)];
    const body = lines.join('\r\n') + '\r\n\r\n';
    res.writeHead(200, { 'Content-Type': 'message/http', 'Content-Length': Buffer.byteLength(body) });
    return res.end(body);
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { Allow: 'GET, HEAD, OPTIONS, TRACE' });
    return res.end();
  }
  if (path === '/echo') {
    // The request body, streamed straight back: shows a proxy passing bodies both ways.
    res.writeHead(200, {
      'Content-Type': req.headers['content-type'] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    return req.pipe(res);
  }
  // Drain any request body before answering, so keep-alive connections stay usable.
  req.resume();

  switch (path) {
    case '/':
      // secure.test's page carries a code for one reader: no cache may keep it.
      return text(res, 200, tls ? 'private, no-store' : 'public, max-age=30', FRONT_PAGES[site] ?? [`${site}`]);
    case '/headlines':
      fields.generatedAt = new Date().toISOString();
      return text(res, 200, 'public, max-age=60', [
        `${site} headlines, written at ${fields.generatedAt}`,
        '- Cache keeps headline fresh for sixty seconds',
        '- Origin relieved: second reader served by proxy',
      ]);
    case '/live':
      return text(res, 200, 'no-store', [`${site} live ticker at ${new Date().toISOString()}`]);
    case '/account':
      return text(res, 200, 'private, max-age=60', [
        `${site}: your account page (private: a shared cache must not keep it)`,
      ]);
    case '/whoami':
      return text(res, 200, 'no-store', [
        `${site} saw this request:`,
        `  from:    ${req.socket.remoteAddress}:${req.socket.remotePort}  (the connection's other end)`,
        `  request: ${req.method} ${req.url} HTTP/${req.httpVersion}`,
        '  headers:',
        ...headerPairs.map(([name, value]) => `    ${name}: ${value}`),
      ]);
    case '/headers': {
      const body =
        JSON.stringify({ site, remote: `${req.socket.remoteAddress}:${req.socket.remotePort}`, headers: headerPairs }) +
        '\n';
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        'Content-Length': Buffer.byteLength(body),
      });
      return res.end(body);
    }
    default:
      return text(res, 404, 'no-store', [`${site} has no page ${path}`]);
  }
}

let server;
if (tls) {
  const dir = join(lab.lessonDir, 'tls');
  // Named after the server (secure-cert.pem), not the site: the build skips files named *.test.*.
  server = https.createServer(
    {
      ...labHttpOptions,
      cert: readFileSync(join(dir, `${lab.name}-cert.pem`)),
      key: readFileSync(join(dir, `${lab.name}-key.pem`)),
    },
    totalHandler(handle),
  );
  mkdirSync(lab.workspace, { recursive: true });
  try {
    // By the safe-path rule: a ca.pem in the workspace that is a link is not written through.
    writeInsideSync(lab.workspace, 'ca.pem', readFileSync(join(dir, 'ca.pem')));
  } catch (error) {
    console.log(`${site}: could not put ca.pem in the workspace (${error.code ?? error.message})`);
  }
  // A failed TLS handshake (a client that does not trust our CA) is not a request: log it only.
  server.on('tlsClientError', (error) => console.log(`${site}: TLS handshake failed: ${error.message}`));
} else {
  server = http.createServer(labHttpOptions, totalHandler(handle));
}
server.on('clientError', (/** @type {NodeJS.ErrnoException} */ error, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  console.log(`${site}: unreadable request: ${error.code ?? error.message}`);
});

const port = await lab.listen(server);
lab.onShutdown(() => {
  server.closeAllConnections();
  server.close();
});
console.log(`${site}: ${tls ? 'https' : 'http'}://127.0.0.1:${port} (up since ${started.toISOString()})`);
lab.ready({ port });
