// `gateway-tutor fcgi ADDR [PATH]`: one FastCGI request (or, with --get-values, one management
// query) to any FastCGI app, over TCP (host:port) or a Unix socket (a path), printing every record
// sent and received, then the response. What libfcgi's cgi-fcgi does, but showing the records.
// It uses the lab's own codec and client (src/servers/fastcgi), loaded only when this runs.
import { parseArgs } from 'node:util';
import { EXIT, TutorError, usageError } from '../engine/errors.js';
import { version } from '../engine/paths.js';

export const FCGI_HELP = `Usage: gateway-tutor fcgi ADDR [PATH] [options]

Send one FastCGI request to the app at ADDR and show every record, then the
response. ADDR is host:port (127.0.0.1:9000) or the path of a Unix socket.
PATH is the request target, with a query if you like (default /).

Options:
  -X, --request METHOD   the REQUEST_METHOD (default GET, or POST with -d)
  -d, --data BODY        a request body, sent as STDIN records (@FILE reads a
                         file, @- stdin)
  -H, --header N:V       a request header, sent as HTTP_N in PARAMS
                         (repeatable); Content-Type goes as CONTENT_TYPE,
                         Content-Length is left out (-d sets CONTENT_LENGTH)
  -p, --param NAME=VALUE set any PARAMS variable (repeatable), e.g.
                         SCRIPT_FILENAME=/srv/index.php
  --get-values           ask the app its limits (GET_VALUES on request id 0)
                         instead
  --json                 one JSON object per record, then the response
  -h, --help             this text`;

const OPTIONS = {
  request: { type: 'string', short: 'X' },
  data: { type: 'string', short: 'd' },
  header: { type: 'string', short: 'H', multiple: true },
  param: { type: 'string', short: 'p', multiple: true },
  'get-values': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'no-color': { type: 'boolean' },
  workspace: { type: 'string' },
} as const;

const TIMEOUT_MS = 30_000;

export async function fcgi(argv: string[]): Promise<number> {
  const parse = () => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw usageError((error as Error).message, FCGI_HELP);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${FCGI_HELP}\n`);
    return EXIT.ok;
  }
  const [address, target = '/', ...extra] = positionals;
  if (!address || extra.length) {
    throw usageError(
      address ? `Unexpected argument "${extra[0]}".` : 'Which FastCGI app? Give its address.',
      'Example: gateway-tutor fcgi 127.0.0.1:9000 /hello?name=Ada',
    );
  }
  const { openConnection } = await import('../servers/fastcgi/connection.mjs');
  const { describeRecord, formatRecord } = await import('../servers/fastcgi/wire.mjs');
  const { MANAGEMENT_NAMES } = await import('../servers/fastcgi/record.mjs');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const show = (record: Parameters<typeof describeRecord>[0], dir: 'out' | 'in') => {
    const entry = describeRecord(record, dir);
    if (values.json) print(JSON.stringify({ event: 'record', ...entry }));
    else for (const line of formatRecord(entry)) print(line);
  };

  const connection = await openConnection(address, { onRecord: show }).catch((error: Error) => {
    throw new TutorError(
      `${error.message}.`,
      'Is a FastCGI app listening there? (In the fastcgi lesson the app listens on the port its lab panel shows, 9000 when free.)',
      EXIT.failed,
    );
  });
  if (!values.json) print(`connected to ${address}`);
  const timer = setTimeout(() => connection.close(`no answer within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
  try {
    if (values['get-values']) {
      const answer = await connection.getValues(MANAGEMENT_NAMES);
      if (values.json) print(JSON.stringify({ event: 'values', values: Object.fromEntries(answer) }));
      else {
        print('');
        if (answer.size === 0) print('The app answered UNKNOWN_TYPE: it does not take GET_VALUES.');
        for (const [name, value] of answer) print(`${name}=${value}`);
      }
      return EXIT.ok;
    }
    const body = values.data === undefined ? null : await readBody(values.data);
    const method = values.request ?? (body ? 'POST' : 'GET');
    const { decodePath } = await import('../servers/fastcgi/params.mjs');
    const params = requestParams(target, method, body, values.header ?? [], values.param ?? [], decodePath);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const end = await connection.request({
      requestId: 1,
      params,
      body,
      keepConn: false,
      onStdout: (chunk) => stdout.push(chunk),
      onStderr: (chunk) => stderr.push(chunk),
    });
    const output = Buffer.concat(stdout);
    if (values.json) {
      print(
        JSON.stringify({
          event: 'response',
          appStatus: end.appStatus,
          protocolStatus: end.protocolStatus,
          stdout: output.toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        }),
      );
    } else {
      print('');
      print(`response (STDOUT, ${output.length} bytes; app status ${end.appStatus}):`);
      process.stdout.write(output);
      if (output.length && output.at(-1) !== 10) print('');
      if (stderr.length) process.stderr.write(Buffer.concat(stderr));
    }
    return end.protocolStatus === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    process.stderr.write(`fcgi: ${(error as Error).message}\n`);
    return EXIT.failed;
  } finally {
    clearTimeout(timer);
    connection.close('done');
  }
}

async function readBody(data: string): Promise<Buffer> {
  if (!data.startsWith('@')) return Buffer.from(data);
  const { readFile } = await import('node:fs/promises');
  if (data === '@-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  return readFile(data.slice(1));
}

/**
 * The CGI variables of one request, as a web server would send them in PARAMS. PARAMS are bytes:
 * every string here is a byte string (one character a byte), so what was typed (text, UTF-8 on
 * the wire) is turned into its UTF-8 bytes first, and the path is percent-decoded into bytes, as
 * nginx decodes its $uri: "/caf%C3%A9" and "/café" both reach the app as 2f 63 61 66 c3 a9.
 */
export function requestParams(
  target: string,
  method: string,
  body: Buffer | null,
  headers: string[],
  extra: string[],
  decodePath: (url: string) => string | { error: string },
): [string, string][] {
  const targetBytes = utf8Bytes(target);
  const question = targetBytes.indexOf('?');
  const path = decodePath(targetBytes);
  if (typeof path !== 'string') throw usageError(`${path.error}`, 'Example: gateway-tutor fcgi ADDR /caf%C3%A9');
  const params: [string, string][] = [
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', `gateway-tutor fcgi/${version}`],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_NAME', 'localhost'],
    ['SERVER_PORT', '80'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REQUEST_METHOD', method.toUpperCase()],
    ['REQUEST_URI', targetBytes],
    ['SCRIPT_NAME', ''],
    ['PATH_INFO', path],
    ['QUERY_STRING', question < 0 ? '' : targetBytes.slice(question + 1)],
  ];
  if (body) params.push(['CONTENT_LENGTH', String(body.length)]);
  for (const header of headers) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw usageError(`-H "${header}" is not NAME:VALUE.`, 'Example: -H "Accept: text/plain"');
    const name = utf8Bytes(header.slice(0, colon).trim());
    const value = utf8Bytes(header.slice(colon + 1).trim());
    const lower = name.toLowerCase();
    if (lower === 'content-type') params.push(['CONTENT_TYPE', value]);
    else if (lower !== 'content-length') params.push([`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value]);
  }
  if (body && !params.some(([n]) => n === 'CONTENT_TYPE')) {
    params.push(['CONTENT_TYPE', 'application/x-www-form-urlencoded']);
  }
  for (const pair of extra) {
    const equals = pair.indexOf('=');
    if (equals <= 0)
      throw usageError(`-p "${pair}" is not NAME=VALUE.`, 'Example: -p SCRIPT_FILENAME=/srv/www/index.php');
    const name = utf8Bytes(pair.slice(0, equals));
    const value = utf8Bytes(pair.slice(equals + 1));
    const existing = params.find(([n]) => n === name);
    if (existing) existing[1] = value;
    else params.push([name, value]);
  }
  return params;
}

/** Typed text as the byte string of its UTF-8 bytes ("é" → "\u00c3\u00a9"). */
function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
