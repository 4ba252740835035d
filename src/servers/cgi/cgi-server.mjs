// The CGI lab server: a web server that answers each request under /cgi-bin/ by starting a
// program, as web servers have done since 1993 (RFC 3875, CGI/1.1). One request, one process:
//
//   client ──HTTP──▶ this server ──spawn──▶ cgi-bin/hello.sh     (a new process, every time)
//                         │   env: REQUEST_METHOD, QUERY_STRING, HTTP_*…   (meta-variables)
//                         │   stdin: the request body
//                         ◀── stdout: header lines, an empty line, the body
//
//   /cgi-bin/NAME[/PATH_INFO][?QUERY]   runs <workspace>/cgi-bin/NAME
//   /resident                           answered by this server itself, no process started
//   /                                   a list of the scripts
//
// Options: --cgi-bin DIR (relative to the lesson workspace; default cgi-bin), --prefix /cgi-bin,
// --timeout SECONDS (default 10), --max-scripts N (default 32 at once).
//
// The lab log shows each process: its pid when it starts, how it ended and how long it lived,
// and what it wrote on stderr, prefixed by its pid. Events (see events.ts) carry the same.
import { STATUS_CODES, createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pairs } from '../lib/headers.mjs';
import { labHttpOptions, labServer, unparsableStatus } from '../lib/lab-server.mjs';
import { realPathInside } from '../lib/safe-path.mjs';
import { readPath } from './find-script.mjs';
import { runCgi } from './gateway.mjs';
import { listScripts } from './list-scripts.mjs';
import { killAll } from './run-script.mjs';

/** @type {import('../lib/lab-server.mjs').LabServer<import('./events.js').CgiEvent>} */
const lab = labServer();
const { values: options } = parseArgs({
  options: {
    'cgi-bin': { type: 'string', default: 'cgi-bin' },
    prefix: { type: 'string', default: '/cgi-bin' },
    timeout: { type: 'string', default: '10' },
    'max-scripts': { type: 'string', default: '32' },
  },
});
const config = {
  cgiBin: resolve(lab.workspace, options['cgi-bin']),
  prefix: options.prefix.replace(/\/+$/, ''),
  timeoutMs: Number(options.timeout) * 1000,
  maxScripts: Number(options['max-scripts']),
  software: 'gateway-tutor-cgi/1.0',
  // PATH_TRANSLATED maps PATH_INFO onto this folder: the lesson workspace plays the document root.
  documentRoot: dirname(resolve(lab.workspace, options['cgi-bin'])),
  emit: lab.emit,
};
/** A script answering with Location: /path makes the server serve that path instead; a loop of
 * such answers is cut here (Apache stops at 10 too). */
const MAX_LOCAL_REDIRECTS = 10;

const server = createServer({ ...labHttpOptions, maxHeaderSize: 16 * 1024 }, (req, res) => {
  const report = lab.observe(req, res);
  handle(req, res, report).catch((error) => {
    console.error(`cgi: ${req.method} ${req.url}: ${error.stack ?? error}`);
    report.error = `server error: ${error.message}`;
    if (!res.headersSent) sendError(res, 500, `the lab server failed: ${error.message}`);
    else res.destroy();
  });
});

server.on('clientError', (error, socket) => {
  const status = unparsableStatus(error);
  lab.reportUnparsable(error, /** @type {import('node:net').Socket} */ (socket), status);
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  else socket.destroy();
});

async function handle(req, res, report) {
  const body = await requestBody(req);
  if (body.kind === 'too-large')
    return fail(res, report, 413, 'a chunked body over 1 MiB: send it with Content-Length');
  if (body.kind === 'aborted') return void (report.error = 'the client went away before its body was complete');
  let request = { method: req.method, target: req.url ?? '/', headers: pairs(req.rawHeaders), body };
  const redirects = [];
  try {
    for (;;) {
      const outcome = await serve(req, res, report, request);
      if (!outcome?.localRedirect) return;
      redirects.push(outcome.localRedirect);
      report.redirects = redirects;
      if (redirects.length > MAX_LOCAL_REDIRECTS) {
        return fail(
          res,
          report,
          502,
          `more than ${MAX_LOCAL_REDIRECTS} local redirects in a row: ${redirects.slice(-3).join(' → ')}…`,
        );
      }
      console.log(`local redirect to ${outcome.localRedirect}: served inside the server, as a new GET`);
      // As Apache does: the new request is a GET, and the body (already given to the first script)
      // does not follow it, so neither does its length.
      request = {
        method: 'GET',
        target: outcome.localRedirect,
        headers: request.headers.filter(([name]) => !/^(content-length|transfer-encoding)$/i.test(name)),
        body: { kind: 'none' },
      };
    }
  } finally {
    if (!req.complete) req.resume(); // drain what no script read, so the connection stays usable
  }
}

/** One request target: a script, one of the server's own pages, or a 404. */
async function serve(req, res, report, request) {
  const [rawPath = '/'] = request.target.split('?');
  // Decoded and normalized before anything is matched, as Apache does: /cgi-bin/../resident is
  // /resident, and /cgi-bin/%2e%2e/x never reaches cgi-bin (find-script.mjs says how).
  const read = readPath(rawPath);
  if (!read.ok) return fail(res, report, read.status, read.reason);
  const path = read.path;
  if (path === '/' && (request.method === 'GET' || request.method === 'HEAD')) return sendIndex(res);
  if (path === '/resident') {
    report.response = 'resident';
    report.pid = process.pid;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end(`Hello from process ${process.pid}\n`);
  }
  if (!(path === config.prefix || path.startsWith(`${config.prefix}/`))) {
    return fail(res, report, 404, `${rawPath} is not under ${config.prefix}/, where the scripts are`);
  }
  const root = await realPathInside(config.cgiBin);
  if (!root.ok) return fail(res, report, 500, `the folder ${config.cgiBin} does not exist`);
  return runCgi({ req, res, report, request, path, root: root.path, config, fail });
}

/** The request body, as the script will get it: streamed when its length is known; gathered
 * when it comes chunked, because CONTENT_LENGTH must give the length up front (§4.1.2, §4.2). */
async function requestBody(req) {
  if (req.headers['content-length'] !== undefined)
    return { kind: 'stream', length: Number(req.headers['content-length']) };
  if (req.headers['transfer-encoding'] === undefined) return { kind: 'none' };
  const chunks = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += chunk.length;
      if (size > 1024 * 1024) return { kind: 'too-large' };
      chunks.push(chunk);
    }
  } catch {
    return { kind: 'aborted' }; // the connection broke in the middle of the body
  }
  return { kind: 'buffer', data: Buffer.concat(chunks) };
}

/** A refusal or an error, with its reason in the lab log, in the event and in the body. */
function fail(res, report, status, reason) {
  report.error = reason;
  report.response ??= 'error';
  console.log(`${status} ${STATUS_CODES[status]}: ${reason}`);
  sendError(res, status, reason);
}

function sendError(res, status, reason) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status} ${STATUS_CODES[status]}\n\n${reason}\n`);
}

async function sendIndex(res) {
  const scripts = await listScripts(config.cgiBin);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(
    `CGI lab server. Scripts in ${config.cgiBin} (run them as ${config.prefix}/NAME):\n\n` +
      (scripts.length ? scripts.map((s) => `  ${s}\n`).join('') : '  (none)\n') +
      `\n/resident is answered by this server itself (process ${process.pid}), without starting a script.\n`,
  );
}

lab.onShutdown(() => killAll());
process.on('exit', () => killAll());
const port = await lab.listen(server);
console.log(`CGI server on http://127.0.0.1:${port}${config.prefix}/ running scripts from ${config.cgiBin}`);
lab.ready();
