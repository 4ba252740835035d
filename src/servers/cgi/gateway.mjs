// The gateway itself: one request in, one script run, one response out. This is the part RFC 3875
// describes — meta-variables and body in (§4), header block and body out (§6) — and the part
// where a script can go wrong in every way a learner will try: print nothing, print no header,
// hang, die, or answer with a redirect.
import { basename } from 'node:path';
import { parseHead } from './cgi-response.mjs';
import { findScript } from './find-script.mjs';
import { metaVariables, scriptPath, searchWords } from './meta-variables.mjs';
import { readHead } from './read-head.mjs';
import { killGroup, startScript } from './run-script.mjs';

const PATH = scriptPath(process.execPath.replace(/\/[^/]*$/, ''));
let runningScripts = 0;

/**
 * @typedef {object} GatewayConfig
 * @property {string} prefix the URL path of cgi-bin, such as "/cgi-bin"
 * @property {number} timeoutMs how long a script may run
 * @property {number} maxScripts how many may run at once
 * @property {string} software SERVER_SOFTWARE
 * @property {string} documentRoot where PATH_TRANSLATED points
 * @property {(event: import('./events.js').CgiEvent) => void} emit
 */
/**
 * @typedef {{ kind: 'stream', length: number } | { kind: 'buffer', data: Buffer } | { kind: 'none' }} RequestBody
 * @typedef {{ method: string, target: string, headers: [string, string][], body: RequestBody }} CgiRequest
 * @typedef {import('../lib/lab-server.mjs').RequestFields<import('./events.js').CgiEvent>} Report
 */

/**
 * Run the script a request names and answer with what it printed. Resolves `{ localRedirect }`
 * when the script asked the server to serve another path instead.
 * @param {{ req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse,
 *   report: Report, request: CgiRequest, path: string, root: string, config: GatewayConfig,
 *   fail: (res: import('node:http').ServerResponse, report: Report, status: number, reason: string) => void }} job
 * @returns {Promise<{ localRedirect: string } | void>}
 */
export async function runCgi({ req, res, report, request, path, root, config, fail }) {
  const queryString = request.target.split('?').slice(1).join('?');
  const found = await findScript(root, config.prefix, path);
  if (!found.ok) return fail(res, report, found.status, found.reason);
  report.script = found.script;
  if (runningScripts >= config.maxScripts) {
    res.setHeader('Retry-After', '1');
    return fail(res, report, 503, `already ${runningScripts} scripts running; try again in a moment`);
  }

  const contentLength =
    request.body.kind === 'stream'
      ? request.body.length
      : request.body.kind === 'buffer'
        ? request.body.data.length
        : null;
  const { env, leftOut } = metaVariables({
    method: request.method,
    httpVersion: req.httpVersion,
    headers: request.headers,
    scriptName: found.scriptName,
    pathInfo: found.pathInfo,
    queryString,
    // As the client sent it, even after a local redirect (Apache does the same).
    requestUri: req.url ?? request.target,
    contentLength,
    remoteAddress: req.socket.remoteAddress,
    remotePort: req.socket.remotePort,
    localPort: req.socket.localPort,
    scriptFile: found.file,
    documentRoot: Buffer.from(config.documentRoot, 'utf8').toString('latin1'),
    software: config.software,
    path: PATH,
  });
  // For people and checks: the variables as text (bytes that are not UTF-8 show as U+FFFD).
  report.env = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, Buffer.from(value, 'latin1').toString('utf8')]),
  );
  for (const note of leftOut) console.log(`not passed to ${found.script}: ${note}`);

  const started = await startScript({
    file: found.file,
    env,
    args: searchWords(request.method, queryString),
    onStderrLine: (line, pid) => console.error(`[pid ${pid}] ${line}`),
  });
  if (!started.ok) return fail(res, report, 500, `cgi-bin/${found.script} could not be started: ${started.reason}`);

  const { child } = started;
  const pid = /** @type {number} */ (child.pid); // set: the process did start
  runningScripts++;
  report.pid = pid;
  console.log(`pid ${pid} started: ${found.script} for ${request.method} ${request.target}`);
  config.emit({ event: 'spawn', pid, script: found.script, target: request.target });

  let timedOut = false;
  let stoppedByServer = false;
  const stop = () => {
    stoppedByServer ||= child.exitCode === null && child.signalCode === null;
    killGroup(child);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    console.log(`pid ${pid} is still running after ${config.timeoutMs / 1000} s: killing its process group`);
    stop();
  }, config.timeoutMs);
  // The client hung up before the answer was complete: the script's work is wasted, stop it (§3.4).
  res.on('close', () => {
    if (!res.writableFinished) stop();
  });
  /** How the script ended, when that helps explain bad output (not when the server stopped it). */
  const exitNote = () => {
    if (stoppedByServer) return '';
    if (report.signal) return ` (it was killed by ${report.signal})`;
    return report.exitCode ? ` (it exited with code ${report.exitCode}; its stderr is in the lab log)` : '';
  };
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      const livedMs = Math.round((performance.now() - started.started) * 100) / 100;
      runningScripts--;
      clearTimeout(timer);
      Object.assign(report, { exitCode: code, signal, livedMs });
      console.log(`pid ${pid} ${signal ? `was killed (${signal})` : `exited with code ${code}`} after ${livedMs} ms`);
      config.emit({ event: 'exit', pid, script: found.script, code, signal, livedMs, timedOut });
    });
    child.once('close', () => resolve());
  });

  feedBody(req, child, request.body);

  if (basename(found.file).startsWith('nph-')) return passThrough(req, report, child, exited);

  const head = await readHead(child.stdout);
  if (!head.ok) {
    stop();
    await exited;
    if (timedOut)
      return fail(
        res,
        report,
        504,
        `cgi-bin/${found.script} printed no complete header within ${config.timeoutMs / 1000} s and was killed`,
      );
    report.response = 'bad-output';
    return fail(res, report, 502, `cgi-bin/${found.script} ${head.problem}${exitNote()}`);
  }
  const parsed = parseHead(head.head);
  if (!parsed.ok) {
    stop();
    await exited;
    report.response = 'bad-output';
    return fail(res, report, 502, `cgi-bin/${found.script} wrote a broken header: ${parsed.problem}${exitNote()}`);
  }
  for (const warning of parsed.warnings) console.log(`${found.script}: ${warning}`);
  report.response = parsed.kind;

  if (parsed.kind === 'local-redirect' || parsed.kind === 'client-redirect') {
    child.stdout.resume(); // a redirect has no body of the script's to send
    await exited;
    if (parsed.kind === 'local-redirect') return { localRedirect: /** @type {string} */ (parsed.location) };
    setHeaders(res, parsed.headers);
    res.writeHead(302, 'Found', { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`Found: ${parsed.location}\n`);
    return;
  }

  try {
    setHeaders(res, parsed.headers);
    res.writeHead(parsed.status, parsed.reason);
  } catch (error) {
    stop();
    await exited;
    return fail(res, report, 502, `cgi-bin/${found.script} wrote a header Node cannot send: ${error.message}`);
  }
  // The body streams as the script writes it, at the pace the client reads it.
  res.write(head.rest);
  child.stdout.pipe(res, { end: false });
  await exited;
  if (timedOut) {
    report.error = `killed after ${config.timeoutMs / 1000} s, in the middle of its body`;
    res.destroy(); // the client must see the answer cut short, not a complete one
    return;
  }
  res.end();
}

/** Give the script its body on stdin: piped as it arrives, or all at once, or nothing. */
function feedBody(req, child, body) {
  if (body.kind === 'stream') req.pipe(child.stdin);
  else if (body.kind === 'buffer') child.stdin.end(body.data);
  else child.stdin.end();
}

/** An NPH script ("non-parsed header", §5) writes the whole HTTP response, status line included;
 * the server passes its bytes to the client untouched and closes the connection after. */
async function passThrough(req, report, child, exited) {
  report.response = 'nph';
  const socket = req.socket;
  let first = '';
  child.stdout.on('data', (chunk) => {
    if (first.length < 200) first += chunk.toString('latin1');
  });
  child.stdout.pipe(socket, { end: false });
  await exited;
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(first);
  report.status = status ? Number(status[1]) : null;
  report.aborted = false;
  if (!status)
    report.error = `nph script's output does not start with a status line: ${JSON.stringify(first.split('\n')[0].slice(0, 60))}`;
  socket.end();
}

function setHeaders(res, headers) {
  const byName = new Map();
  for (const [name, value] of headers) {
    const entry = byName.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else byName.set(name.toLowerCase(), { name, values: [value] });
  }
  for (const { name, values } of byName.values()) res.setHeader(name, values.length === 1 ? values[0] : values);
}
