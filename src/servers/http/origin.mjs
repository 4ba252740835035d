// The origin: a small HTTP server to practise on with curl. Everything it answers is plain
// node:http; what matters for the lesson is what it reports: every request it sees (method,
// target, headers in wire order, which TCP connection carried it) becomes a lab event.
//
//   GET  /              a short page
//   GET  /headers       the request headers you sent, as JSON
//   GET  /status/CODE   a response with that status code
//   GET  /secret        a response carrying this lab run's token in a header
//   POST /echo          what you posted, and how the server understood it
import { createServer, STATUS_CODES } from 'node:http';
import { pairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, requestUrl, totalHandler, unparsableStatus } from '../lib/lab-server.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').OriginEvent>} */
const lab = labServer();
const MAX_BODY = 1024 * 1024;

const options = { ...labHttpOptions, maxHeaderSize: 16 * 1024, requestTimeout: 30_000 };
const server = createServer(
  options,
  totalHandler((req, res) => {
    const report = lab.observe(req, res);
    const url = requestUrl(req);
    // "//%" would be read as a URL with a host named "%": not a target this server can make sense of.
    if (!url) return send(res, 400, { error: `"${req.url}" is not a path this server understands` });
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (size > MAX_BODY) return send(res, 413, { error: `body over ${MAX_BODY} bytes` });
      route(req, res, url, body, report);
    });
  }),
);

function route(req, res, url, body, report) {
  if (body.length > 0) {
    report.bodyBytes = body.length;
    report.body = body.toString('utf8').slice(0, 2000);
    report.contentType = req.headers['content-type'] ?? null;
  }
  if (url.pathname === '/') {
    // "/" exists, so another method is 405 with Allow (RFC 9110 §15.5.6), not "nothing here".
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, { error: `${req.method} is not allowed at /; to send a body, POST to /echo` });
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    return res.end('Hello from the origin server.\nTry /headers, /status/404, /secret, or POST to /echo.\n');
  }
  if (url.pathname === '/headers') {
    // rawHeaders keeps the order and spelling you sent; req.headers would lower-case them.
    return send(res, 200, { method: req.method, target: req.url, headers: pairs(req.rawHeaders) });
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (status) {
    const code = Number(status[1]);
    if (code < 200 || code > 599) return send(res, 400, { error: 'pick a status from 200 to 599' });
    return send(res, code, { status: code, reason: STATUS_CODES[code] ?? 'Unknown' });
  }
  if (url.pathname === '/secret') {
    res.setHeader('X-Secret-Token', lab.secrets.token ?? 'no-token');
    return send(res, 200, { message: 'The token is not in this body. Look at the response headers (curl -i).' });
  }
  if (url.pathname === '/echo') {
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.setHeader('Allow', 'POST, PUT');
      return send(res, 405, { error: `${req.method} is not allowed here; send a body with POST` });
    }
    // The media type is the part before any ";" parameters, and it is case-insensitive.
    const type = req.headers['content-type'] ?? '';
    const mediaType = type.split(';')[0].trim().toLowerCase();
    let parsed = false;
    let json;
    let parseError = null;
    if (mediaType === 'application/json') {
      try {
        json = JSON.parse(body.toString('utf8'));
        parsed = true;
      } catch (error) {
        parseError = error.message;
      }
    }
    report.json = parsed;
    if (parseError) report.parseError = parseError;
    return send(res, parseError ? 400 : 200, {
      contentType: type || null,
      bytes: body.length,
      understoodAs: parsed ? 'JSON' : parseError ? 'broken JSON' : 'not JSON (no application/json Content-Type)',
      ...(parsed ? { json } : { text: body.toString('utf8') }),
      ...(parseError ? { error: parseError } : {}),
    });
  }
  return send(res, 404, {
    error: `nothing at ${url.pathname}`,
    try: ['/', '/headers', '/status/404', '/secret', '/echo'],
  });
}

function send(res, status, body) {
  // 1xx, 204 and 304 responses end at the empty line: no body, and no Content-Length to
  // promise one (RFC 9110 §8.6, §15.3.5, §15.4.5).
  if (status < 200 || status === 204 || status === 304) {
    res.writeHead(status);
    return res.end();
  }
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

// Requests node:http cannot parse never reach the handler above. Answer them ourselves, report
// them, and keep serving everyone else.
server.on(
  'clientError',
  (/** @type {NodeJS.ErrnoException} */ error, /** @type {import('node:net').Socket} */ socket) => {
    if (!socket.writable) return socket.destroy();
    const status = unparsableStatus(error);
    const reason = STATUS_CODES[status];
    const text = `${reason}: ${status === 431 ? 'the request headers are too large' : 'that is not a valid HTTP request'}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
    lab.reportUnparsable(error, socket, status);
  },
);

const port = await lab.listen(server);
console.log(`origin listening on http://127.0.0.1:${port}`);
lab.ready();
