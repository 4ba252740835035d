// A client still uploading when the server answers: it sends a request head that announces a
// large body (Content-Length or chunked), then body bytes at a steady pace, well past the server's
// limit, and only then reads, as a simple client does (Python's http.client, a script that writes
// its whole request before it looks at the answer). Did the server's early answer (413, 403, ...)
// reach it?
//
// A server that closes the connection right after its answer, with the upload still coming, loses
// it: the kernel answers the bytes that arrive after a close with a reset (RST), the client's next
// write fails with ECONNRESET or EPIPE, and the answer waiting in its socket is never read. The
// cure is the lingering close of RFC 9112 §9.6 (half-close, then read and drop for a while).
import { connect } from 'node:net';
import { responseComplete } from './raw-http.js';

export interface UploadOptions {
  /** Request line and header fields, without the empty line that ends the head. */
  head: string;
  /** Send the body as chunks (one per write, never the last chunk): the head should then say
   * `Transfer-Encoding: chunked`. Otherwise the bytes go as they are. */
  chunked?: boolean;
  /** Body bytes to send before reading. */
  totalBytes: number;
  /** Body bytes per write. @default 32768 */
  pieceBytes?: number;
  /** Pause between writes, in ms. @default 5 */
  paceMs?: number;
  /** Give up reading after this long. @default 10000 */
  deadlineMs?: number;
}

export interface UploadResult {
  /** Body bytes the kernel took before the client stopped (all of totalBytes, or fewer). */
  sent: number;
  /** The error a write failed with (ECONNRESET, EPIPE): the server had reset the connection. */
  writeError: string | null;
  /** Everything read afterwards, as latin-1 text. */
  answer: string;
  /** The status code of the first response read, or null. */
  status: number | null;
  /** Whether one whole response (head and the body its framing promises) was read. */
  complete: boolean;
  /** From the connection to the end (answer read, connection ended, or deadline). */
  ms: number;
}

/** Upload past the limit, then read. Resolves once the answer is complete, the connection ended,
 * or the deadline passed; never rejects. */
export function uploadThenRead(port: number, options: UploadOptions): Promise<UploadResult> {
  const { head, chunked = false, totalBytes, pieceBytes = 32 * 1024, paceMs = 5, deadlineMs = 10_000 } = options;
  const piece = Buffer.alloc(pieceBytes, 'a');
  const wire = chunked
    ? Buffer.concat([Buffer.from(`${pieceBytes.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
    : piece;
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    // Not reading while sending: what the server answers waits in the kernel for the first read.
    socket.pause();
    const received: Buffer[] = [];
    let sent = 0;
    let writeError: string | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(received);
      const answer = bytes.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve({
        sent,
        writeError,
        answer,
        status: status ? Number(status[1]) : null,
        complete: responseComplete(bytes),
        ms: performance.now() - started,
      });
    };
    const timer = setTimeout(finish, deadlineMs);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      writeError ??= error.code ?? error.message;
      finish();
    });
    socket.on('close', finish);
    socket.on('end', finish);
    const write = (data: Buffer | string) =>
      new Promise<boolean>((done) => socket.write(data, (error) => done(!error)));
    socket.once('connect', async () => {
      if (!(await write(`${head}\r\n\r\n`))) return;
      while (sent < totalBytes && !done) {
        if (!(await write(wire))) return; // the 'error' handler ends it
        sent += pieceBytes;
        await new Promise((r) => setTimeout(r, paceMs));
      }
      if (done) return;
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (responseComplete(Buffer.concat(received))) finish();
      });
      socket.resume();
    });
  });
}
