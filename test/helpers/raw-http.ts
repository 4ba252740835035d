// Raw bytes to a lab server and what came back: for requests no HTTP client would send. Every
// exchange has a deadline; the result says whether the server answered, closed, or did neither.
import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server sent, as latin-1 text. */
  answer: string;
  /** The status code of the first response, or null when none came. */
  status: number | null;
  /** How the exchange ended: the server closed, reset, or we gave up at the deadline. */
  ending: 'closed' | 'reset' | 'deadline';
}

export interface RawOptions {
  /** Close our sending side after the bytes (a node:http server then drops what it has not
   * answered yet, so this is for cases about half-closed connections). @default false */
  halfClose?: boolean;
  /** Reset the connection right after the bytes are written, without waiting for an answer. */
  reset?: boolean;
  /** Give up after this long. @default 5000 */
  deadlineMs?: number;
  /** Stop once one whole response has arrived (its head and the body its framing promises),
   * rather than waiting for the server to close. @default true */
  untilResponse?: boolean;
}

/** Send `chunks` (with a pause of `gapMs` between them) and collect the answer. */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[] | string | Buffer,
  options: RawOptions & { gapMs?: number } = {},
): Promise<RawExchange> {
  const list = Array.isArray(chunks) ? chunks : [chunks];
  const { halfClose = false, reset = false, deadlineMs = 5000, untilResponse = true, gapMs = 0 } = options;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (ending: RawExchange['ending']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = Buffer.concat(received).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve({ answer, status: match ? Number(match[1]) : null, ending });
    };
    const timer = setTimeout(() => finish('deadline'), deadlineMs);
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (untilResponse && responseComplete(Buffer.concat(received))) finish('closed');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'closed'));
    socket.once('connect', async () => {
      for (const [index, chunk] of list.entries()) {
        if (done) return;
        if (index > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        socket.write(chunk);
      }
      if (reset) {
        socket.resetAndDestroy();
        finish('reset');
      } else if (halfClose) socket.end();
    });
  });
}

/** Whether `bytes` hold one whole response: a head, then the body its framing announces. */
export function responseComplete(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = bytes.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  if (status === 101) return true; // a switched protocol: the head is all of HTTP there is
  if ((status >= 100 && status < 200) || status === 204 || status === 304) {
    return status >= 200 || responseComplete(bytes.subarray(end + 4)); // 100 Continue: the next one
  }
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return bytes.length - (end + 4) >= Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return bytes.includes('\r\n0\r\n\r\n', end);
  return false; // the body ends when the connection does
}
