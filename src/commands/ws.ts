// `gateway-tutor ws URL`: a small WebSocket client, because curl here speaks no ws://. Every frame
// that arrives is printed with its opcode (text, binary, ping, pong, close); every line typed (or
// piped) is sent as a text message; `/ping`, `/binary TEXT` and `/close [CODE [REASON]]` send the
// other kinds. Framing is the `ws` package's (loaded only when this command runs), not ours.
import { createInterface } from 'node:readline';
import type { ClientOptions, RawData, WebSocket as WsSocket } from 'ws';
import { parseArgs } from 'node:util';
import { EXIT, usageError } from '../engine/errors.js';

/** At the end of piped input, how long to wait for answers that have not come yet. */
const QUIET_MS = 2000;

export const WS_HELP = `Usage: gateway-tutor ws URL [-H NAME:VALUE]... [--subprotocol P]...

Opens a WebSocket to URL (ws://host:port/path) and prints each frame that
arrives with its opcode. Each line you type is sent as a text message. Lines
starting with / are commands:
  /ping [TEXT]            send a ping (the server must answer with a pong)
  /binary TEXT            send TEXT as a binary message
  /close [CODE [REASON]]  close with CODE (default 1000) and REASON
  //TEXT                  send "/TEXT" as text
With input from a pipe, the client sends every line, waits for the answers
(up to ${QUIET_MS / 1000} s of quiet), then closes with 1000. Exit 0 after a clean close, 1 when
the connection failed.`;

const CLOSE_NAMES: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status code in the close frame',
  1006: 'abnormal closure: the connection dropped without a close frame',
  1007: 'invalid data (a text message that is not UTF-8)',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'a needed extension is missing',
  1011: 'internal error on the server',
};

export function closeName(code: number): string {
  return CLOSE_NAMES[code] ?? (code >= 4000 && code <= 4999 ? "the application's own code" : 'code');
}

/** A close both sides agreed on, not an error: normal, going away, or an application's code. */
function cleanClose(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1005 || (code >= 3000 && code <= 4999);
}

function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw usageError(`-H wants NAME:VALUE, got "${value}".`, WS_HELP);
    headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return headers;
}

function describeData(data: RawData, isBinary: boolean): string {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  if (!isBinary) return `text: ${buffer.toString('utf8')}`;
  const hex = buffer.subarray(0, 32).toString('hex');
  return `binary: ${buffer.length} bytes ${hex}${buffer.length > 32 ? '…' : ''}`;
}

const OPTIONS = {
  header: { type: 'string', short: 'H', multiple: true },
  subprotocol: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function ws(argv: string[]): Promise<number> {
  let values: { header?: string[]; subprotocol?: string[]; help?: boolean };
  let args: string[];
  try {
    ({ values, positionals: args } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    throw usageError((error as Error).message, WS_HELP);
  }
  if (values.help) {
    process.stdout.write(`${WS_HELP}\n`);
    return EXIT.ok;
  }
  const [url, ...extra] = args;
  if (!url || extra.length)
    throw usageError(url ? `ws takes one URL, got ${args.join(' ')}.` : 'ws needs a URL.', WS_HELP);
  if (!/^wss?:\/\//.test(url)) throw usageError(`"${url}" is not a ws:// or wss:// URL.`, WS_HELP);
  const { default: WebSocket } = await import('ws');
  const options: ClientOptions = { headers: parseHeaders(values.header ?? []), handshakeTimeout: 10_000 };
  const protocols = values.subprotocol ?? [];
  const socket: WsSocket = new WebSocket(url, protocols, options);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const piped = !process.stdin.isTTY;
  let sent = 0;
  let received = 0;
  let inputEnded = false;
  let quiet: NodeJS.Timeout | undefined;

  const maybeFinish = () => {
    if (!inputEnded || socket.readyState !== WebSocket.OPEN) return;
    clearTimeout(quiet);
    if (received >= sent) socket.close(1000);
    else quiet = setTimeout(() => socket.close(1000), QUIET_MS);
  };

  const handleLine = (line: string) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    const [command = '', ...rest] = line.startsWith('/') && !line.startsWith('//') ? line.slice(1).split(' ') : [];
    if (command === 'ping') socket.ping(rest.join(' '));
    else if (command === 'binary') sendMessage(Buffer.from(rest.join(' ')), true);
    else if (command === 'close') socket.close(Number(rest[0] ?? 1000), rest.slice(1).join(' '));
    else if (command) out(`unknown command /${command}: use /ping, /binary TEXT, /close [CODE [REASON]] or //text`);
    else sendMessage(line.startsWith('//') ? line.slice(1) : line, false);
  };

  const sendMessage = (data: string | Buffer, binary: boolean) => {
    sent++;
    socket.send(data, { binary });
    if (piped) out(`> ${binary ? `binary: ${(data as Buffer).length} bytes` : `text: ${String(data)}`}`);
  };

  return new Promise<number>((resolve) => {
    socket.on('upgrade', (res) => {
      const protocol = res.headers['sec-websocket-protocol'];
      out(`connected to ${url} (HTTP ${res.statusCode}${protocol ? `, subprotocol ${protocol}` : ''})`);
    });
    socket.on('open', () => {
      const lines = createInterface({ input: process.stdin, terminal: false });
      lines.on('line', handleLine);
      lines.on('close', () => {
        inputEnded = true;
        maybeFinish();
      });
    });
    socket.on('message', (data, isBinary) => {
      received++;
      out(`< ${describeData(data, isBinary)}`);
      maybeFinish();
    });
    socket.on('ping', (data) => out(`< ping${data.length ? `: ${data.toString()}` : ''} (answered with a pong)`));
    socket.on('pong', (data) => out(`< pong${data.length ? `: ${data.toString()}` : ''}`));
    socket.on('unexpected-response', (_req, res) => {
      out(`the server answered HTTP ${res.statusCode} ${res.statusMessage ?? ''} instead of 101 Switching Protocols`);
      res.resume();
      socket.terminate();
      finish(EXIT.failed);
    });
    socket.on('close', (code, reason) => {
      out(`closed: ${code} (${closeName(code)})${reason.length ? `, reason "${reason.toString()}"` : ''}`);
      finish(cleanClose(code) ? EXIT.ok : EXIT.failed);
    });
    socket.on('error', (error) => {
      out(`connection failed: ${error.message}`);
      finish(EXIT.failed);
    });
    let finished = false;
    function finish(code: number) {
      if (finished) return;
      finished = true;
      clearTimeout(quiet);
      process.stdin.destroy();
      resolve(code);
    }
  });
}
