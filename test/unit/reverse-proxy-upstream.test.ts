// The reverse proxy's hand-written HTTP/1.1 client (upstream.mjs, backend-connection.mjs,
// response-reader.mjs): where a response ends (RFC 9112 §6.3), when a connection is used again,
// and what each broken answer becomes. The backends here are raw TCP servers that send exactly
// the bytes of each case, in the pieces a case needs.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendResponse, WholeResponse } from '../../src/servers/reverse-proxy/backend-response.mjs';
import { Backend } from '../../src/servers/reverse-proxy/balancer.mjs';
import { ChunkedDecoder, MalformedResponse, parseHead } from '../../src/servers/reverse-proxy/response-reader.mjs';
import { HeldBody } from '../../src/servers/reverse-proxy/request-body.mjs';
import { requestHead } from '../../src/servers/reverse-proxy/request-head.mjs';
import { mayRetry, UpstreamError } from '../../src/servers/reverse-proxy/retry-rules.mjs';
import { sendToBackend } from '../../src/servers/reverse-proxy/upstream.mjs';

describe('parseHead: where the body ends', () => {
  const head = (text: string, method = 'GET') => parseHead(text, method);

  it('reads the status, the fields as raw pairs, and a Content-Length', () => {
    const parsed = head('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Served-By: app-1');
    expect(parsed).toMatchObject({ statusCode: 200, statusMessage: 'OK', httpVersion: '1.1', bodyLength: 5 });
    expect(parsed.rawHeaders).toEqual(['Content-Length', '5', 'X-Served-By', 'app-1']);
    expect(parsed.keepAlive).toBe(true);
  });

  it('gives HEAD, 204 and 304 no body, whatever their Content-Length says', () => {
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 100', 'HEAD').bodyLength).toBe(0);
    expect(head('HTTP/1.1 204 No Content').bodyLength).toBe(0);
    expect(head('HTTP/1.1 304 Not Modified\r\nContent-Length: 100').bodyLength).toBe(0);
  });

  it('reads a body without a length until the close, and never reuses that connection', () => {
    const parsed = head('HTTP/1.1 200 OK\r\nContent-Type: text/plain');
    expect(parsed).toMatchObject({ bodyLength: -1, chunked: false, keepAlive: false });
    expect(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip')).toMatchObject({ chunked: false, keepAlive: false });
  });

  it('keeps the connection unless told to close (HTTP/1.1), closes unless told to keep it (HTTP/1.0)', () => {
    expect(head('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Close').keepAlive).toBe(false);
    expect(head('HTTP/1.0 200 OK\r\nContent-Length: 0').keepAlive).toBe(false);
    expect(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive').keepAlive).toBe(true);
    // HTTP/1.0 knows no Transfer-Encoding: after such a body the connection closes (RFC 9112 §6.1).
    expect(head('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive').keepAlive).toBe(false);
  });

  it('passes on a value with tabs, spaces and bytes above 0x7f (obs-text)', () => {
    expect(head('HTTP/1.1 200 OK\r\nX-A: a\tb c\xe9\r\nContent-Length: 0').rawHeaders).toEqual([
      'X-A',
      'a\tb c\xe9',
      'Content-Length',
      '0',
    ]);
  });

  it.each([
    ['a status line that is not HTTP', 'HTTP/2 200 OK'],
    ['a status code of two digits', 'HTTP/1.1 20 OK'],
    ['garbage', 'hello there'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5'],
    ['a folded line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  2'],
    ['Transfer-Encoding and Content-Length', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5'],
    ['two different lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6'],
    ['a length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: -1'],
    ['an empty Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: '],
    [
      'an empty Transfer-Encoding beside a Content-Length',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 5',
    ],
    ['a control character in a value (node:http would refuse to pass it on)', 'HTTP/1.1 200 OK\r\nX-A: a\x01b'],
    ['DEL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x7fb'],
  ])('refuses %s', (_case, text) => {
    expect(() => head(text)).toThrow(MalformedResponse);
  });
});

describe('ChunkedDecoder', () => {
  const body = '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n';

  it('decodes the same body whatever the packet boundaries, one byte at a time included', () => {
    for (const size of [1, 2, 3, 7, body.length]) {
      const decoder = new ChunkedDecoder();
      const pieces: string[] = [];
      let used = 0;
      for (let at = 0; at < body.length; at += size) {
        const packet = Buffer.from(body.slice(at, at + size));
        used += decoder.feed(packet, (piece) => pieces.push(piece.toString()));
      }
      expect(pieces.join(''), `packets of ${size}`).toBe('hello, world');
      expect(decoder.state).toBe('done');
      expect(used).toBe(body.length);
    }
  });

  it('says where the body ends, so the bytes after it are not taken for it', () => {
    const decoder = new ChunkedDecoder();
    const packet = Buffer.from('2\r\nhi\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n');
    expect(decoder.feed(packet, () => {})).toBe(packet.indexOf('HTTP'));
  });

  it.each([
    ['a size that is not hexadecimal', 'zz\r\n'],
    ['a chunk longer than its size', '2\r\nhello\r\n'],
    ['a bare LF', '2\nhi\r\n'],
    ['trailer fields without end', `0\r\n${'X-T: 1234567890\r\n'.repeat(2000)}`],
  ])('refuses %s', (_case, text) => {
    expect(() => new ChunkedDecoder().feed(Buffer.from(text), () => {})).toThrow(MalformedResponse);
  });
});

describe('requestHead', () => {
  it('writes what node:http wrote: the pairs in order, then Connection: keep-alive', () => {
    expect(
      requestHead('GET', '/a?b', [
        ['Host', 'x'],
        ['Accept', '*/*'],
      ]),
    ).toBe('GET /a?b HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n');
    // A POST without a body or a length went out as an empty chunked body.
    expect(requestHead('POST', '/', [['Host', 'x']])).toBe(
      'POST / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    expect(requestHead('POST', '/', [['Content-Length', '0']])).toBe(
      'POST / HTTP/1.1\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n',
    );
  });
});

// --- against raw backends ---------------------------------------------------------------------

type Answer = (socket: Socket, request: string, index: number) => void;
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A backend that calls `answer` for every request head it receives (the n-th over all
 * connections), and counts its connections. */
async function backend(answer: Answer) {
  const state = { connections: 0, requests: [] as string[] };
  const server = createServer((socket) => {
    state.connections++;
    let buffered = '';
    socket.on('error', () => {});
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const request = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        if (request === '0\r\n\r\n') continue; // the empty chunked body of a POST
        state.requests.push(request);
        answer(socket, request, state.requests.length - 1);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { state, app: new Backend('app-1', `http://127.0.0.1:${port}`) };
}

/** Just enough of a client's ServerResponse: the client never hangs up here. */
function clientResponse() {
  return Object.assign(new EventEmitter(), { destroyed: false, writableFinished: false });
}

/** The backend's response to one request, its body unread. */
function ask(app: Backend, { method = 'GET', timeoutMs = 10_000, bodyIdleMs = undefined as number | undefined } = {}) {
  return sendToBackend({
    req: { method, url: '/x' },
    res: clientResponse() as never,
    backend: app,
    headers: [['Host', 'test']],
    timeoutMs,
    bodyIdleMs,
  });
}

/** A response's whole body: the one that came with its head, or its stream read to the end. */
async function bodyOf(response: Awaited<ReturnType<typeof ask>>) {
  if (response instanceof WholeResponse) return response.whole;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function send(app: Backend, method = 'GET', timeoutMs = 10_000) {
  const response = await ask(app, { method, timeoutMs });
  const body = await bodyOf(response);
  return { status: response.statusCode, body: body.toString(), complete: response.complete };
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('sendToBackend over kept-alive connections', () => {
  it('sends the next request on the same connection, and reads a chunked body across packets', async () => {
    const { state, app } = await backend((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r');
      setTimeout(() => socket.write('\nabc\r\n0\r\n'), 5);
      setTimeout(() => socket.write('\r\n'), 10);
    });
    expect(await send(app)).toEqual({ status: 200, body: 'abc', complete: true });
    expect(await send(app)).toEqual({ status: 200, body: 'abc', complete: true });
    expect(state.connections).toBe(1);
  });

  it('hands over a body that came whole with its head as one Buffer, and reuses the connection', async () => {
    const { state, app } = await backend((socket) => socket.write(ok('hello', 'X-Served-By: app-1\r\n')));
    const response = await ask(app);
    expect(response).toBeInstanceOf(WholeResponse);
    expect(response).toMatchObject({ statusCode: 200, complete: true });
    expect(response.headers['x-served-by']).toBe('app-1');
    expect((await bodyOf(response)).toString()).toBe('hello');
    expect(await send(app)).toEqual({ status: 200, body: 'hello', complete: true });
    expect(state.connections).toBe(1);
  });

  it('streams a body that comes after its head, and one sent in pieces', async () => {
    const { state, app } = await backend((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
      setTimeout(() => socket.write('def'), 5);
    });
    const response = await ask(app);
    expect(response).toBeInstanceOf(BackendResponse);
    expect((await bodyOf(response)).toString()).toBe('abcdef');
    expect(response.complete).toBe(true);
    expect(await send(app)).toEqual({ status: 200, body: 'abcdef', complete: true });
    expect(state.connections).toBe(1);
  });

  it('does not reuse a connection whose whole answer came with bytes after it', async () => {
    const { state, app } = await backend((socket) => socket.write(`${ok('one')}HTTP/1.1 200 OK\r\n`));
    expect(await send(app)).toEqual({ status: 200, body: 'one', complete: true });
    expect(await send(app)).toEqual({ status: 200, body: 'one', complete: true });
    expect(state.connections).toBe(2);
  });

  it('reads no body after HEAD, 204 or 304 and goes on using the connection', async () => {
    const { state, app } = await backend((socket, request) => {
      if (request.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
      else if (request.includes('/x')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    });
    expect(await send(app, 'HEAD')).toEqual({ status: 200, body: '', complete: true });
    expect(await send(app, 'GET')).toEqual({ status: 204, body: '', complete: true });
    expect(state.connections).toBe(1);
  });

  it('skips an interim 1xx answer', async () => {
    const { app } = await backend((socket) =>
      socket.write(`HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${ok('hi')}`),
    );
    expect(await send(app)).toMatchObject({ status: 200, body: 'hi' });
  });

  it('opens a new connection after Connection: close, and after a body that ran until the close', async () => {
    const { state, app } = await backend((socket, _request, index) => {
      if (index === 0) socket.end(ok('one', 'Connection: close\r\n'));
      else if (index === 1) socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the close');
      else socket.write(ok('three'));
    });
    expect(await send(app)).toMatchObject({ body: 'one' });
    expect(await send(app)).toEqual({ status: 200, body: 'until the close', complete: true });
    expect(await send(app)).toMatchObject({ body: 'three' });
    expect(state.connections).toBe(3);
  });

  it('answers a malformed status line with an error that names it, and does not retry', async () => {
    const { app } = await backend((socket) => socket.write('HTTP/1.1 OK 200\r\n\r\n'));
    const error = await send(app).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(/app-1 sent a malformed response: the status line "HTTP\/1.1 OK 200"/);
    expect(error.malformed).toBe(true);
    expect(mayRetry({ method: 'GET' }, error)).toBe(false);
  });

  it('retries a GET on a fresh connection when the backend closed the kept-alive one as it was written', async () => {
    // The backend answers once, then closes that connection when the next request arrives on it.
    const { state, app } = await backend((socket, _request, index) => {
      if (index === 1) socket.destroy();
      else socket.write(ok('fine'));
    });
    expect(await send(app)).toMatchObject({ body: 'fine' });
    expect(await send(app)).toMatchObject({ status: 200, body: 'fine' });
    expect(state.connections).toBe(2);
  });

  it('tries the GET again on a new connection, not on another idle one the backend may have closed too', async () => {
    // Two connections served once each; then the backend closes every connection that has served.
    const served = new WeakSet<Socket>();
    const { state, app } = await backend((socket) => {
      if (served.has(socket)) return void socket.destroy();
      served.add(socket);
      socket.write(ok('fine'));
    });
    await Promise.all([send(app), send(app)]);
    expect(state.connections).toBe(2);
    expect(await send(app)).toMatchObject({ status: 200, body: 'fine' });
    expect(state.connections).toBe(3);
  });

  it('cuts off a body that stops coming (the wait between two pieces has a deadline)', async () => {
    const { app } = await backend((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const response = await ask(app, { bodyIdleMs: 300 });
    if (!(response instanceof BackendResponse)) throw new Error('a body still to come is a stream');
    const chunks: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of response) chunks.push(chunk as Buffer);
    })().catch((e) => e);
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    expect(error?.message).toMatch(/app-1 sent nothing more of its body for 0.3 s/);
    expect(response.complete).toBeFalsy();
  });

  it('calls a POST on such a connection stale, and leaves it unretried (it may have been applied)', async () => {
    const { app } = await backend((socket, _request, index) => {
      if (index === 1) socket.destroy();
      else socket.write(ok('fine'));
    });
    await send(app, 'POST');
    const error = await send(app, 'POST').catch((e) => e);
    expect(error).toMatchObject({ kind: 'connect', stale: true, broken: true });
    expect(mayRetry({ method: 'POST' }, error)).toBe(false);
  });

  it('sends a body held in a file whole, after its head, and reuses the connection afterwards', async () => {
    const body = new HeldBody();
    const dir = mkdtempSync(join(tmpdir(), 'gt-upstream-'));
    await body.toFile(dir, Buffer.alloc(200_000, 'x'));
    await body.closeFile();
    body.size = 200_000;
    // A backend that reads each request's head and then its whole body, and says how much came.
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      let bytes = '';
      socket.on('data', (data) => {
        bytes += data.toString('latin1');
        const end = bytes.indexOf('\r\n\r\n');
        const length = Number(/Content-Length: (\d+)/.exec(bytes.slice(0, end))?.[1] ?? 0);
        if (end === -1 || bytes.length < end + 4 + length) return;
        socket.write(ok(length ? String(bytes.length - end - 4) : 'none'));
        bytes = '';
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const app = new Backend('app-1', `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    const response = await sendToBackend({
      req: { method: 'POST', url: '/upload' },
      res: clientResponse() as never,
      backend: app,
      headers: [['Content-Length', '200000']],
      timeoutMs: 10_000,
      body,
    });
    expect((await bodyOf(response)).toString()).toBe('200000');
    body.discard();
    rmSync(dir, { recursive: true, force: true });
    expect(await send(app)).toMatchObject({ body: 'none' });
    expect(connections).toBe(1);
  });

  it('gives up with a timeout when no head comes in time', async () => {
    const { app } = await backend(() => {});
    const error = await send(app, 'GET', 100).catch((e) => e);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('fails the body, not the head, when the backend closes in the middle of it', async () => {
    const { app } = await backend((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf'));
    const error = await send(app).catch((e) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
  });
});
