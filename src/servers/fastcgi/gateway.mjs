// One HTTP request through FastCGI, and what each way of failing means for the client:
//
//   every app process stayed busy past the queue bound      → 503 Service Unavailable
//   nobody listens at the app's address                     → 502 Bad Gateway
//   the app closed the connection, or broke the protocol    → 502 Bad Gateway
//   the app's STDOUT is not a CGI response                  → 502 Bad Gateway
//   no END_REQUEST within the timeout                       → 504 Gateway Timeout (and ABORT_REQUEST)
//   the client went away first                              → ABORT_REQUEST, so the app can stop
//
// Every record of the request, both ways, is kept (up to MAX_RECORDS) for the wire view.
import { headerValue } from '../lib/headers.mjs';
import { CgiHeaderReader } from './cgi-response.mjs';
import { describeRecord } from './wire.mjs';

const MAX_RECORDS = 300;
/** Answers up to this size are sent whole, with a Content-Length; bigger ones stream. */
const GATHER_BYTES = 64 * 1024;
/** After ABORT_REQUEST the app should answer END_REQUEST; it gets this long before we hang up. */
const ABORT_GRACE_MS = 2000;

/** @typedef {import('../lib/lab-server.mjs').RequestFields<import('./events.js').FastcgiFrontEvent>} FrontFields */

/**
 * @param {{ req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse,
 *           pool: import('./app-pool.mjs').AppPool, requestId: number,
 *           params: [string, string][], body: Buffer | import('node:stream').Readable | null,
 *           timeoutMs: number, log: (line: string) => void, fields: FrontFields, retried?: boolean }} options
 *   `fields` are added to the request's lab event (records, requestId, pid, appStatus, error)
 * @returns {Promise<void>}
 */
export async function passRequest({
  req,
  res,
  pool,
  requestId,
  params,
  body,
  timeoutMs,
  log,
  fields,
  retried = false,
}) {
  const records = fields.records ?? [];
  let dropped = 0;
  fields.requestId = requestId;
  fields.records = records;
  const keep = (record, dir) => {
    if (records.length < MAX_RECORDS) records.push(describeRecord(record, dir));
    else fields.recordsDropped = ++dropped;
  };

  /** @type {import('./connection.mjs').FcgiConnection | null} */
  let connection = null;
  let finished = false;
  // The client may leave at any moment, even while the request waits for a connection (then
  // nothing has been sent yet). Once records went out, the app is told with ABORT_REQUEST; it
  // answers with END_REQUEST, and then the connection can serve the next request. (Before the
  // lab's own 'close' listener, so the event it writes includes the ABORT_REQUEST.)
  let clientGone = req.socket.destroyed;
  res.prependListener('close', () => {
    if (finished || res.writableFinished) return;
    clientGone = true;
    fields.aborted = true;
    if (!connection) return;
    const open = connection;
    open.abort(requestId);
    setTimeout(() => {
      if (!finished) open.close('no END_REQUEST after ABORT_REQUEST');
    }, ABORT_GRACE_MS).unref();
  });

  try {
    // A retry never takes another kept connection: it may be just as stale as the one that failed.
    connection = retried ? await pool.acquire({ fresh: true }) : (pool.takeIdle() ?? (await pool.acquire()));
  } catch (error) {
    const status = error.kind === 'busy' ? 503 : 502;
    fields.error = error.message;
    if (clientGone) return;
    return answerError(res, status, error.message, status === 503 ? 'Try again in a moment.' : 'Is the app running?');
  }
  if (clientGone) {
    finished = true;
    return pool.release(connection, true); // gone before anything was sent: the app never knew
  }
  fields.appConn = connection.id;
  connection.onRecord = keep;
  // A kept-alive connection may have been closed by the app a moment ago (its process was killed,
  // or it closed an idle connection): if it fails before a single record came back, a request
  // without a body is safe to send again, once, on a newly opened connection (not another idle one).
  const retryable = !retried && connection.reused && body === null && (req.method === 'GET' || req.method === 'HEAD');

  const reader = new CgiHeaderReader();
  /** Why the app's answer could not be passed on. @type {string | null} */
  let broken = null;

  // Like nginx (fastcgi_buffering), a small answer is gathered until END_REQUEST and sent with a
  // Content-Length in one write; past GATHER_BYTES it streams on as STDOUT records arrive.
  /** The CGI header block, parsed. @type {import('./cgi-response.mjs').CgiHead | null} */
  let head = null;
  /** @type {Buffer[]} */
  let held = [];
  let heldBytes = 0;
  let streaming = false;
  /** @param {import('./cgi-response.mjs').CgiHead} head */
  const startStreaming = (head) => {
    try {
      writeHead(res, head);
    } catch (error) {
      broken = `the app sent a header HTTP cannot carry: ${error.message}`;
      return;
    }
    streaming = true;
    for (const part of held) res.write(part);
    held = [];
  };
  const onStdout = (chunk) => {
    if (broken || clientGone) return;
    if (streaming) return void res.write(chunk);
    if (!reader.done) {
      const parsed = reader.push(chunk);
      if (!parsed) return;
      if ('error' in parsed) {
        broken = parsed.error;
        return;
      }
      head = parsed;
      const pid = headerValue(parsed.headers, 'x-app-pid');
      if (pid && /^\d+$/.test(pid)) fields.pid = Number(pid);
      chunk = parsed.rest;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes > GATHER_BYTES && head) startStreaming(head);
  };
  /** END_REQUEST came: send what was gathered, or end the stream. @param {import('./cgi-response.mjs').CgiHead} head */
  const finishResponse = (head) => {
    if (streaming) return void res.end();
    const bodyless = head.status === 204 || head.status === 304 || head.status < 200;
    if (!bodyless && headerValue(head.headers, 'content-length') === undefined) {
      head.headers.push(['Content-Length', String(heldBytes)]);
    }
    try {
      writeHead(res, head);
    } catch (error) {
      broken = `the app sent a header HTTP cannot carry: ${error.message}`;
      return;
    }
    res.end(held.length === 1 ? held[0] : Buffer.concat(held));
  };
  const onStderr = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim()) log(`[app stderr, id ${requestId}] ${line}`);
  };

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.abort(requestId);
    connection.close(`no END_REQUEST within ${timeoutMs} ms`);
  }, timeoutMs);

  try {
    const end = await connection.request({ requestId, params, body, keepConn: true, onStdout, onStderr });
    fields.appStatus = end.appStatus;
    if (!broken && !reader.done) broken = reader.end()?.error ?? null;
    if (!broken && !clientGone && head) finishResponse(head);
    if (broken) {
      fields.error = broken;
      log(`502 for ${req.method} ${req.url}: ${broken}`);
      if (!res.headersSent)
        answerError(res, 502, `The app's answer is not a CGI response: ${broken}.`, 'Read the app log.');
      else res.destroy();
    }
  } catch (error) {
    const nothingBack = !records.some((r) => r.dir === 'in');
    if (retryable && !timedOut && !clientGone && error.kind === 'closed' && nothingBack) {
      clearTimeout(timer);
      finished = true;
      pool.release(connection, false);
      log(`connection #${connection.id} to the app was closed under us (${error.message}); sending again on a new one`);
      fields.retried = true;
      return passRequest({ req, res, pool, requestId, params, body, timeoutMs, log, fields, retried: true });
    }
    const status = timedOut ? 504 : 502;
    const why = timedOut ? `the app sent no END_REQUEST within ${timeoutMs} ms` : error.message;
    fields.error = why;
    if (!clientGone) {
      log(`${status} for ${req.method} ${req.url}: ${why}`);
      if (!res.headersSent) answerError(res, status, `${capitalize(why)}.`, timedOut ? 'The app is too slow.' : '');
      else res.destroy();
    }
  } finally {
    if (!finished) {
      finished = true;
      clearTimeout(timer);
      pool.release(connection, !connection.closed && !broken && !timedOut);
    }
  }
}

/** @param {import('node:http').ServerResponse} res @param {import('./cgi-response.mjs').CgiHead} head */
function writeHead(res, { status, reason, headers }) {
  /** @type {Record<string, string[]>} */
  const grouped = {};
  for (const [name, value] of headers) (grouped[name] ??= []).push(value);
  for (const [name, values] of Object.entries(grouped)) res.setHeader(name, values.length === 1 ? values[0] : values);
  if (reason) res.statusMessage = reason;
  res.writeHead(status);
}

/**
 * The front's own error pages: what happened, and what to try.
 * @param {import('node:http').ServerResponse} res @param {number} status @param {string} message @param {string} [hint]
 */
export function answerError(res, status, message, hint = '') {
  const body = `${status}: ${message}\n${hint ? `${hint}\n` : ''}`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** @param {string} text */
function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
