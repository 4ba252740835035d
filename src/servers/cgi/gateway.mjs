// The gateway itself: one request in, one script run, one response out. This is the part RFC 3875
// describes — meta-variables and body in (§4), header block and body out (§6) — and the part
// where a script can go wrong in every way a learner will try: print nothing, print no header,
// hang, die, or answer with a redirect.
import { basename } from 'node:path';
import { findHeadEnd, MAX_HEAD_BYTES, parseHead } from './cgi-response.mjs';
import { findScript } from './find-script.mjs';
import { metaVariables, scriptPath, searchWords } from './meta-variables.mjs';
import { killGroup, startScript } from './run-script.mjs';

const PATH = scriptPath(process.execPath.replace(/\/[^/]*$/, ''));
let runningScripts = 0;

/**
 * Run the script a request names and answer with what it printed. Resolves `{ localRedirect }`
 * when the script asked the server to serve another path instead.
 */
export async function runCgi({ req, res, report, request, root, config, fail }) {
  const [rawPath = '/', ...rest] = request.target.split('?');
  const queryString = rest.join('?');
  const found = await findScript(root, config.prefix, rawPath);
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
    documentRoot: config.documentRoot,
    software: config.software,
    path: PATH,
  });
  report.env = env;
  for (const note of leftOut) console.log(`not passed to ${found.script}: ${note}`);

  const started = await startScript({
    file: found.file,
    env,
    args: searchWords(request.method, queryString),
    onStderrLine: (line, pid) => console.error(`[pid ${pid}] ${line}`),
  });
  if (!started.ok) return fail(res, report, 500, `cgi-bin/${found.script} could not be started: ${started.reason}`);

  const { child } = started;
  const pid = child.pid;
  runningScripts++;
  report.pid = pid;
  console.log(`pid ${pid} started: ${found.script} for ${request.method} ${request.target}`);
  config.emit({ event: 'spawn', pid, script: found.script, target: request.target });

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.log(`pid ${pid} is still running after ${config.timeoutMs / 1000} s: killing its process group`);
    killGroup(child);
  }, config.timeoutMs);
  // The client hung up before the answer was complete: the script's work is wasted, stop it (§3.4).
  res.on('close', () => {
    if (!res.writableFinished) killGroup(child);
  });
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
    killGroup(child);
    await exited;
    if (timedOut)
      return fail(
        res,
        report,
        504,
        `cgi-bin/${found.script} printed no complete header within ${config.timeoutMs / 1000} s and was killed`,
      );
    report.response = 'bad-output';
    return fail(res, report, 502, `cgi-bin/${found.script} ${head.problem}${exitNote(report)}`);
  }
  const parsed = parseHead(head.head);
  if (!parsed.ok) {
    killGroup(child);
    await exited;
    report.response = 'bad-output';
    return fail(
      res,
      report,
      502,
      `cgi-bin/${found.script} wrote a broken header: ${parsed.problem}${exitNote(report)}`,
    );
  }
  for (const warning of parsed.warnings) console.log(`${found.script}: ${warning}`);
  report.response = parsed.kind;

  if (parsed.kind === 'local-redirect' || parsed.kind === 'client-redirect') {
    child.stdout.resume(); // a redirect has no body of the script's to send
    await exited;
    if (parsed.kind === 'local-redirect') return { localRedirect: parsed.location };
    setHeaders(res, parsed.headers);
    res.writeHead(302, 'Found', { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end(`Found: ${parsed.location}\n`);
  }

  try {
    setHeaders(res, parsed.headers);
    res.writeHead(parsed.status, parsed.reason);
  } catch (error) {
    killGroup(child);
    await exited;
    return fail(res, report, 502, `cgi-bin/${found.script} wrote a header Node cannot send: ${error.message}`);
  }
  // The body streams as the script writes it, at the pace the client reads it.
  res.write(head.rest);
  child.stdout.pipe(res, { end: false });
  await exited;
  if (timedOut) {
    report.error = `killed after ${config.timeoutMs / 1000} s, in the middle of its body`;
    return res.destroy(); // the client must see the answer cut short, not a complete one
  }
  res.end();
}

/** Give the script its body on stdin: piped as it arrives, or all at once, or nothing. */
function feedBody(req, child, body) {
  if (body.kind === 'stream') req.pipe(child.stdin);
  else if (body.kind === 'buffer') child.stdin.end(body.data);
  else child.stdin.end();
}

/** Read stdout up to the empty line that ends the header block. */
function readHead(stdout) {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = findHeadEnd(buffered);
      if (end) {
        done();
        stdout.pause();
        return resolve({ ok: true, head: buffered.subarray(0, end.headEnd), rest: buffered.subarray(end.bodyStart) });
      }
      if (buffered.length > MAX_HEAD_BYTES) {
        done();
        resolve({
          ok: false,
          problem: `wrote ${MAX_HEAD_BYTES / 1024} KiB without the empty line that ends the header block`,
        });
      }
    };
    const onEnd = () => {
      done();
      if (buffered.length === 0) return resolve({ ok: false, problem: 'printed nothing at all: no header, no body' });
      resolve({
        ok: false,
        problem: `ended its output without the empty line that ends the header block; ${whereItBroke(buffered)}`,
      });
    };
    const done = () => {
      stdout.off('data', onData);
      stdout.off('end', onEnd);
    };
    stdout.on('data', onData);
    stdout.on('end', onEnd);
  });
}

/** Point at the first line of an unfinished header block that is not a header field. */
function whereItBroke(output) {
  const lines = output
    .toString('latin1')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop(); // the newline that ended the last line
  const index = lines.findIndex((line) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(line));
  if (index === -1) return 'every line looked like a header field, but no empty line followed them';
  const quoted = JSON.stringify(lines[index].slice(0, 60));
  if (index === 0) return `its first line, ${quoted}, is not a header field`;
  return `line ${index + 1}, ${quoted}, is not a header field: is the empty line between the header lines and the body missing?`;
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

function exitNote(report) {
  if (report.signal) return ` (it was killed by ${report.signal})`;
  return report.exitCode ? ` (it exited with code ${report.exitCode}; its stderr is in the lab log)` : '';
}
