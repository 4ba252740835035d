// How lesson 7's edit checks call the learner's ASGI app: as a client would, over HTTP and
// WebSocket. What the app does wrong (no answer, a broken stream, a 500) comes back as a value
// the check turns into a failed result; nothing here throws for the app's sake.
import { request } from 'node:http';

/** How long a check waits for one answer from the learner's app. */
export const APP_WAIT_MS = 4000;

export interface Streamed {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Each piece of the body as it arrived, with milliseconds since the request was sent. */
  pieces: { ms: number; text: string }[];
  ms: number;
}

export type Got = { ok: true; response: Streamed } | { ok: false; why: string };

/** GET url; never throws. `why` says what happened when there was no complete response. */
export function fetchStreamed(url: string, signal: AbortSignal, waitMs = APP_WAIT_MS): Promise<Got> {
  return new Promise((resolve) => {
    const started = performance.now();
    const since = () => Math.round(performance.now() - started);
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ ok: false, why: `no complete answer within ${waitMs / 1000} s` });
    }, waitMs);
    const stop = () => req.destroy();
    signal.addEventListener('abort', stop, { once: true });
    const done = (got: Got) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      resolve(got);
    };
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      const pieces: { ms: number; text: string }[] = [];
      res.setEncoding('utf8');
      res.on('data', (text: string) => pieces.push({ ms: since(), text }));
      res.on('end', () =>
        done({
          ok: true,
          response: {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: pieces.map((p) => p.text).join(''),
            pieces,
            ms: since(),
          },
        }),
      );
      res.on('error', () => done({ ok: false, why: 'the response broke off before its end' }));
    });
    req.on('error', (error) => done({ ok: false, why: `no response: ${error.message}` }));
    req.end();
  });
}

/** One WebSocket exchange: connect, send `text`, wait for one message back. Never throws. */
export async function wsExchange(
  url: string,
  text: string,
  waitMs = APP_WAIT_MS,
): Promise<{ ok: true; reply: string; binary: boolean } | { ok: false; why: string }> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: waitMs });
    const timer = setTimeout(() => finish({ ok: false, why: `no message back within ${waitMs / 1000} s` }), waitMs);
    function finish(result: { ok: true; reply: string; binary: boolean } | { ok: false; why: string }) {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      // A clean close (1000) when we can, so the lab log does not show the check as a dropped client.
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      resolve(result);
    }
    socket.on('open', () => socket.send(text));
    socket.on('message', (data, isBinary) => finish({ ok: true, reply: data.toString(), binary: isBinary }));
    socket.on('unexpected-response', (_req, res) =>
      finish({ ok: false, why: `the handshake was answered ${res.statusCode} instead of 101` }),
    );
    socket.on('close', (code, reason) =>
      finish({ ok: false, why: `the server closed the WebSocket (code ${code}${reason.length ? `, ${reason}` : ''})` }),
    );
    socket.on('error', (error) => finish({ ok: false, why: error.message }));
  });
}
