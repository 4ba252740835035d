// The lab reverse proxy and its backends as real processes, driven with real curl (and raw
// sockets for requests curl refuses to send): each feature from the outside, bad input answered
// with a clear status while the proxy keeps serving, and the failure codes 502, 503, 504.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReverseProxyLab } from '../helpers/reverse-proxy-lab.js';

const run = promisify(execFile);

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-s', ...args], { encoding: 'latin1', maxBuffer: 64 << 20 });
  return stdout;
}

/** Status code of a curl request. */
async function status(...args: string[]): Promise<number> {
  return Number(await curl('-o', '/dev/null', '-w', '%{http_code}', ...args));
}

/** Send raw bytes and read until the server closes (or 2 s pass): for requests curl won't send. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (d) => (got += d));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('reverse proxy lab, through curl', () => {
  let lab: ReverseProxyLab;
  beforeAll(async () => {
    lab = await ReverseProxyLab.start();
  });
  afterAll(() => lab?.teardown());

  it('rotates requests over all three backends and tells them about the client', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await curl(`${lab.url}/whoami`));
    expect(answers.map((a) => a.split(' ')[0])).toEqual(['app-1', 'app-2', 'app-3', 'app-1', 'app-2', 'app-3']);

    const response = await curl('-i', '-H', 'X-Forwarded-For: 203.0.113.9', `${lab.url}/headers`);
    const id = /^x-request-id: (\w+)/im.exec(response)?.[1];
    const seen = JSON.parse(response.slice(response.indexOf('{'))).headers;
    expect(seen['X-Forwarded-For']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['X-Forwarded-Proto']).toBe('http');
    expect(seen['X-Request-Id']).toBe(id);
    expect(seen.Forwarded).toMatch(/for=127\.0\.0\.1;proto=http;host="127\.0\.0\.1:\d+"/);
    expect(response).toMatch(/^Via: 1\.1 gateway-tutor-proxy/m);
  });

  it('compresses with the coding the client prefers, with Vary, and the bytes decode back to the original', async () => {
    const plain = await curl(`${lab.url}/big`);
    const gzipHead = await curl('-D', '-', '-o', '/dev/null', '-H', 'Accept-Encoding: gzip', `${lab.url}/big`);
    expect(gzipHead).toMatch(/^Content-Encoding: gzip/im);
    expect(gzipHead).toMatch(/^Vary: Accept-Encoding/im);
    expect(gzipHead).not.toMatch(/^Content-Length/im);
    expect(await curl('--compressed', `${lab.url}/big`)).toBe(plain);
    const gzipped = await curl('-H', 'Accept-Encoding: gzip', `${lab.url}/big`);
    const brotli = await curl('-H', 'Accept-Encoding: br;q=1, gzip;q=0.5', `${lab.url}/big`);
    expect(gzipped.length).toBeLessThan(plain.length / 10);
    expect(brotli.length).toBeLessThan(gzipped.length);
    // (events arrive on their own pipe, a moment after curl has its answer: wait for them)
    const event = await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.target === '/big' && e.encoding === 'gzip',
      'the gzip event',
    );
    expect(event).toMatchObject({ plainBytes: plain.length, compressedBytes: gzipped.length });
  });

  it('serves /slow from the cache the second time, with Age, without asking a backend', async () => {
    const first = await curl('-D', '-', `${lab.url}/slow?ms=200`);
    await lab.waitForEvent(
      (e) => e.server !== 'proxy' && e.event === 'request' && e.target === '/slow?ms=200',
      'a backend computing /slow',
    );
    const appRequestsBefore = lab
      .requests()
      .filter((e) => e.server !== 'proxy' && String(e.target).startsWith('/slow')).length;
    const second = await curl('-D', '-', `${lab.url}/slow?ms=200`);
    expect(first).toMatch(/^X-Cache: MISS/m);
    expect(second).toMatch(/^X-Cache: HIT/m);
    expect(second).toMatch(/^Age: \d+/m);
    expect(second.split('\r\n\r\n')[1]).toBe(first.split('\r\n\r\n')[1]);
    const appRequestsAfter = lab
      .requests()
      .filter((e) => e.server !== 'proxy' && String(e.target).startsWith('/slow')).length;
    expect(appRequestsAfter).toBe(appRequestsBefore);
    expect(await curl('-D', '-', '-o', '/dev/null', '-H', 'Cache-Control: no-cache', `${lab.url}/slow?ms=200`)).toMatch(
      /^X-Cache: BYPASS/m,
    );
  });

  it('streams a body to a backend and back unchanged', async () => {
    const file = join(lab.root, 'upload.bin');
    const bytes = randomBytes(900_000);
    writeFileSync(file, bytes);
    const echoed = await curl(
      '--data-binary',
      `@${file}`,
      '-H',
      'Content-Type: application/octet-stream',
      `${lab.url}/echo`,
    );
    expect(Buffer.from(echoed, 'latin1').equals(bytes)).toBe(true);
    const since = lab.lastSeq;
    const chunked = await curl('-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`, `${lab.url}/upload`);
    expect(JSON.parse(chunked).received).toBe(900_000);
    // The backend reports the upload when its response closes, which can come after curl is done:
    // wait for it here, so it never lands in the next test's window.
    await lab.waitForEvent(
      (e) => e.server !== 'proxy' && e.target === '/upload' && e.received === 900_000,
      'the backend report of the 900 kB upload',
      since,
    );
  });

  it('refuses bodies over the limit with 413, announced or chunked, and no backend receives any of them', async () => {
    const since = lab.lastSeq;
    const file = join(lab.root, 'large.bin');
    writeFileSync(file, Buffer.alloc(2_000_000));
    const head = await curl('-D', '-', '-o', '/dev/null', '--data-binary', `@${file}`, `${lab.url}/upload`);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 413 Content Too Large'); // RFC 9110's name, not node's older one
    expect(await status('-H', 'Expect:', '--data-binary', `@${file}`, `${lab.url}/upload`)).toBe(413);
    expect(await status('-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`, `${lab.url}/upload`)).toBe(
      413,
    );
    await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.status === 413 && e.bodyLimit === 'content-length',
      'a 413 from Content-Length',
      since,
    );
    await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.status === 413 && e.bodyLimit === 'streamed',
      'a 413 counted as the chunked body arrived',
      since,
    );
    // Then a small upload to each backend (round robin: three in a row), and only those reached them:
    // every backend reports each request it saw, in order, even one cut short.
    for (let i = 0; i < 3; i++) expect(await status('-d', 'x=1', `${lab.url}/upload`)).toBe(200);
    for (const app of ['app-1', 'app-2', 'app-3'])
      await lab.waitForEvent((e) => e.server === app && e.target === '/upload', `the small upload at ${app}`, since);
    const uploads = lab.requests().filter((e) => e.server !== 'proxy' && e.target === '/upload' && e.seq > since);
    expect(uploads.map((e) => e.received)).toEqual([3, 3, 3]);
    expect(await status(`${lab.url}/whoami`)).toBe(200);
  });

  it('holds a body until it is complete, then sends it with a Content-Length, from memory or a file', async () => {
    const small = await curl('-H', 'Transfer-Encoding: chunked', '-d', 'hello', `${lab.url}/headers`);
    const seen = JSON.parse(small.slice(small.indexOf('{'))).headers;
    expect(seen['Content-Length']).toBe('5');
    expect(seen['Transfer-Encoding']).toBeUndefined();
    // A body past the memory limit goes through a temporary file in the proxy's run folder,
    // which is gone once the request is over.
    const file = join(lab.root, 'medium.bin');
    writeFileSync(file, randomBytes(300_000));
    const answer = await curl('-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`, `${lab.url}/upload`);
    expect(JSON.parse(answer).received).toBe(300_000);
    await expect.poll(() => readdirSync(lab.runDir).filter((f) => f.startsWith('request-body'))).toEqual([]);
  });

  it('rate limits /api/ per client with 429 and Retry-After', async () => {
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push(await status(`${lab.url}/api/quote`));
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(codes).toContain(429);
    const refused = await lab.waitForEvent((e) => e.server === 'proxy' && e.status === 429, 'a 429 event');
    expect(refused.rateLimited).toBe(true);
    expect((refused.responseHeaders as [string, string][]).find(([n]) => n === 'retry-after')?.[1]).toMatch(
      /^[1-9]\d*$/,
    );
    expect(await status(`${lab.url}/whoami`)).toBe(200); // other paths are not limited
  });

  it('serves static files itself, with validators and 304, and no backend sees them', async () => {
    const head = await curl('-D', '-', '-o', '/dev/null', `${lab.url}/static/index.html`);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/^Content-Type: text\/html; charset=utf-8/m);
    const etag = /^ETag: (.+)$/m.exec(head)![1]!.trim();
    expect(await status('-H', `If-None-Match: ${etag}`, `${lab.url}/static/index.html`)).toBe(304);
    const modified = /^Last-Modified: (.+)$/m.exec(head)![1]!.trim();
    expect(await status('-H', `If-Modified-Since: ${modified}`, `${lab.url}/static/index.html`)).toBe(304);
    expect(await status(`${lab.url}/static/docs/readme.txt`)).toBe(200);
    expect(lab.requests().filter((e) => e.server !== 'proxy' && String(e.target).startsWith('/static'))).toEqual([]);
  });

  it('refuses every way out of the static folder with a clear status, and keeps serving', async () => {
    mkdirSync(join(lab.workspace, 'static'), { recursive: true });
    writeFileSync(join(lab.root, 'outside.txt'), 'secret');
    symlinkSync(join(lab.root, 'outside.txt'), join(lab.workspace, 'static', 'leak.txt'));
    const attempts: [string, number][] = [
      ['/static/../proxy.mjs', 403],
      ['/static/%2e%2e/%2e%2e/etc/passwd', 403],
      ['/static/docs/..%2f..%2fsecret', 400],
      ['/static/.%2E/x', 403],
      ['/static/%zz', 400],
      ['/static/leak.txt', 403],
      ['/static/nope.html', 404],
    ];
    for (const [path, expected] of attempts) {
      expect({ path, status: await status('--path-as-is', `${lab.url}${path}`) }).toEqual({ path, status: expected });
    }
    expect(await status('-X', 'POST', `${lab.url}/static/index.html`)).toBe(405);
    expect(await status(`${lab.url}/static/index.html`)).toBe(200);
  });

  it('answers malformed requests with 400 (431 for huge headers), reports them, and keeps serving', async () => {
    const port = portOf(lab.url);
    expect(await raw(port, 'NONSENSE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(port, 'GET / HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /); // no Host
    expect(await raw(port, 'GET http://elsewhere.test/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 /,
    );
    expect(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 /,
    );
    await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.status === 400 && e.method === 'NONSENSE' && typeof e.error === 'string',
      'the 400 reported',
    );
    expect(await status(`${lab.url}/whoami`)).toBe(200);
  });

  it('terminates TLS on the second port and tells the backend X-Forwarded-Proto: https', async () => {
    const body = await curl('--fail', '--cacert', join(lab.workspace, 'lab-ca.pem'), `${lab.httpsUrl}/headers`);
    const seen = JSON.parse(body).headers;
    expect(seen['X-Forwarded-Proto']).toBe('https');
    expect(seen.Forwarded).toContain('proto=https');
    // without the lab CA, curl must refuse the certificate
    await expect(run('curl', ['-s', '--fail', `${lab.httpsUrl}/whoami`])).rejects.toMatchObject({ code: 60 });
  });

  it('passes a WebSocket upgrade through to a backend and relays frames both ways', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = connect(portOf(lab.url), '127.0.0.1', () => {
        socket.write(
          'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      let buffer = Buffer.alloc(0);
      let upgraded = false;
      socket.on('data', (data) => {
        buffer = Buffer.concat([buffer, data]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end === -1) return;
          expect(buffer.subarray(0, end).toString()).toMatch(
            /^HTTP\/1\.1 101 [\s\S]*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/,
          );
          upgraded = true;
          buffer = buffer.subarray(end + 4);
          const payload = Buffer.from('through the proxy');
          const mask = Buffer.from([7, 7, 7, 7]);
          socket.write(
            Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]),
          );
        }
        if (upgraded && buffer.length >= 2 && buffer.length >= 2 + buffer[1]!) {
          resolve(buffer.subarray(2, 2 + buffer[1]!).toString());
          socket.destroy();
        }
      });
      socket.on('error', reject);
    });
    expect(echoed).toBe('through the proxy');
    await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.status === 101 && e.upgrade === 'websocket',
      'the upgrade reported',
    );
  });
});

describe('reverse proxy lab, failures', () => {
  let lab: ReverseProxyLab;
  beforeAll(async () => {
    // Slow health checks so that only real requests discover a dead backend; a short timeout.
    lab = await ReverseProxyLab.start({ apps: 2, proxyEnv: { RP_HEALTH_INTERVAL_MS: '60000', RP_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => lab?.teardown());

  it('504 when a backend in slow mode takes longer than the proxy waits', async () => {
    lab.command('app-1', { cmd: 'slow', on: true, ms: 3000 });
    lab.command('app-2', { cmd: 'slow', on: true, ms: 3000 });
    await lab.waitForEvent((e) => e.event === 'mode' && e.server === 'app-2' && e.slow === true, 'app-2 in slow mode');
    await lab.waitForEvent((e) => e.event === 'mode' && e.server === 'app-1' && e.slow === true, 'app-1 in slow mode');
    expect(await status(`${lab.url}/whoami`)).toBe(504);
    lab.command('app-1', { cmd: 'slow', on: false });
    lab.command('app-2', { cmd: 'slow', on: false });
    await lab.waitForEvent(
      (e) => e.event === 'mode' && e.server === 'app-1' && e.slow === false,
      'app-1 back to normal',
    );
    await lab.waitForEvent(
      (e) => e.event === 'mode' && e.server === 'app-2' && e.slow === false,
      'app-2 back to normal',
    );
  });

  it('after a refused connection retries any request on another backend, a POST included', async () => {
    // Given app-1 is gone and the proxy has not noticed yet
    await lab.stop('app-1');
    const since = lab.lastSeq;
    // When POSTs are sent until each backend had its turn
    const posts = [await curl('-d', 'x=1', `${lab.url}/upload`), await curl('-d', 'x=1', `${lab.url}/upload`)];
    // Then both were answered by app-2: app-1 refused the connection, so it never got the POST,
    // and sending it elsewhere is safe (RFC 9110 §9.2.2)
    expect(posts.map((p) => JSON.parse(p))).toEqual([
      { server: 'app-2', received: 3 },
      { server: 'app-2', received: 3 },
    ]);
    const retried = await lab.waitForEvent(
      (e) => e.server === 'proxy' && e.method === 'POST' && Array.isArray(e.retries),
      'a POST retried on another backend',
      since,
    );
    expect(retried).toMatchObject({ status: 200, retries: ['app-1', 'app-2'] });
    const down = await lab.waitForEvent(
      (e) => e.event === 'health' && e.backend === 'app-1' && e.state === 'down',
      'app-1 marked down',
      since,
    );
    expect(down.via).toBe('passive');
    // …and after that, GETs all land on app-2
    for (let i = 0; i < 3; i++) expect(await curl(`${lab.url}/whoami`)).toMatch(/^app-2 /);
  });

  it('503 when no backend is up, 502 when the last one dies under a request', async () => {
    // Given app-1 is gone (the test before leaves it so; stopping it again does nothing), and
    // active checks are paused (a backend down makes them run every 250 ms), so only a real
    // request can find out that app-2 is gone too
    await lab.stop('app-1');
    const paused = lab.lastSeq;
    lab.command('proxy', { cmd: 'health-checks', paused: true });
    await lab.waitForEvent((e) => e.event === 'health-checks' && e.paused === true, 'active checks paused', paused);
    // When app-2 stops too
    await lab.stop('app-2');
    // Then the next request tries app-2, is refused, and has nowhere left to go: 502
    const since = lab.lastSeq;
    expect(await status(`${lab.url}/whoami`)).toBe(502);
    const down = await lab.waitForEvent(
      (e) => e.event === 'health' && e.backend === 'app-2' && e.state === 'down',
      'app-2 marked down',
      since,
    );
    expect(down.via).toBe('passive');
    // …and the one after finds no backend up at all: 503, with a hint when to come back
    const response = await curl('-i', `${lab.url}/whoami`);
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response).toMatch(/^Retry-After: \d+/m);
  });

  it('takes a backend back once an active check finds it healthy', async () => {
    // Given active checks run again
    const resumed = lab.lastSeq;
    lab.command('proxy', { cmd: 'health-checks', paused: false });
    await lab.waitForEvent((e) => e.event === 'health-checks' && e.paused === false, 'active checks resumed', resumed);
    const since = lab.lastSeq;
    await lab.start('app-2');
    // health checks run every 250 ms while something is down
    await lab.waitForEvent(
      (e) => e.event === 'health' && e.backend === 'app-2' && e.state === 'up',
      'app-2 back up',
      since,
    );
    expect(await curl(`${lab.url}/whoami`)).toMatch(/^app-2 /);
  });
});
