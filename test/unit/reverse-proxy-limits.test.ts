// The token bucket behind 429 (src/servers/reverse-proxy/rate-limit.mjs) and the body limit
// behind 413 (body-limit.mjs), with a fake clock: no test here waits for real time to pass.
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { declaredTooLarge, discardBody } from '../../src/servers/reverse-proxy/body-limit.mjs';
import { type HeldBody, holdBody } from '../../src/servers/reverse-proxy/request-body.mjs';
import { tempDir } from '../helpers/env.js';
import { RateLimiter } from '../../src/servers/reverse-proxy/rate-limit.mjs';
import { reasonPhrase } from '../../src/servers/reverse-proxy/reason-phrase.mjs';

describe('RateLimiter', () => {
  function limiter(capacity = 5, refillPerSecond = 1) {
    const time = { now: 0 };
    return { time, limiter: new RateLimiter({ capacity, refillPerSecond, now: () => time.now }) };
  }

  it('lets a burst of `capacity` requests through, then refuses with Retry-After in whole seconds', () => {
    const { limiter: bucket } = limiter(5, 1);
    const verdicts = Array.from({ length: 7 }, () => bucket.take('127.0.0.1'));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(verdicts[4]!.remaining).toBe(0);
    expect(verdicts[5]!.retryAfterSeconds).toBe(1);
  });

  it('refills at the given rate, never above capacity', () => {
    const { time, limiter: bucket } = limiter(2, 0.5);
    bucket.take('a');
    bucket.take('a');
    expect(bucket.take('a')).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    time.now += 2_000;
    expect(bucket.take('a').allowed).toBe(true);
    time.now += 3_600_000;
    expect([1, 2, 3].map(() => bucket.take('a').allowed)).toEqual([true, true, false]);
  });

  it('keeps a separate bucket for each client', () => {
    const { limiter: bucket } = limiter(1, 1);
    expect(bucket.take('10.0.0.1').allowed).toBe(true);
    expect(bucket.take('10.0.0.1').allowed).toBe(false);
    expect(bucket.take('10.0.0.2').allowed).toBe(true);
  });

  it('a client keeping to the refill rate is never refused', () => {
    const { time, limiter: bucket } = limiter(1, 2);
    const allowed = Array.from({ length: 50 }, () => {
      time.now += 500;
      return bucket.take('steady').allowed;
    });
    expect(allowed.every(Boolean)).toBe(true);
  });
});

describe('body limit', () => {
  it('refuses by Content-Length alone when the size is announced', () => {
    expect(declaredTooLarge({ 'content-length': '1048577' }, 1048576)).toBe(true);
    expect(declaredTooLarge({ 'content-length': '1048576' }, 1048576)).toBe(false);
    expect(declaredTooLarge({ 'transfer-encoding': 'chunked' }, 1048576)).toBe(false);
  });
});

describe('holding a request body (proxy_request_buffering on)', () => {
  /** A request stand-in: a stream of the given chunks that ends, as node's IncomingMessage does. */
  function request(chunks: Buffer[]) {
    const req = Object.assign(new PassThrough(), { complete: false, socket: { destroy: () => req.destroy() } });
    req.on('end', () => {
      req.complete = true;
    });
    (async () => {
      for (const chunk of chunks) if (!req.write(chunk)) await once(req, 'drain');
      req.end();
    })();
    return req;
  }
  const read = async (body: HeldBody) => Buffer.concat(await body.stream().toArray());

  it('keeps a small body in memory, whole, and can send it more than once', async () => {
    const body = await holdBody(request([Buffer.from('hello '), Buffer.from('world')]), {
      limit: 1000,
      dir: tempDir('rb'),
    });
    expect(body).toMatchObject({ size: 11, place: 'memory' });
    expect(String(await read(body))).toBe('hello world');
    expect(String(await read(body))).toBe('hello world');
  });

  it('moves a body past the memory limit to a file in the given folder, deleted on discard', async () => {
    const dir = tempDir('rb');
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(300, i));
    const body = await holdBody(request(chunks), { limit: 10_000, dir, memoryLimit: 1000 });
    expect(body).toMatchObject({ size: 3000, place: 'file' });
    expect(readdirSync(dir)).toHaveLength(1);
    expect((await read(body)).equals(Buffer.concat(chunks))).toBe(true);
    body.discard();
    await expect.poll(() => readdirSync(dir)).toEqual([]);
  });

  it('refuses a body without a declared size as soon as it passes the limit, and keeps no file', async () => {
    const dir = tempDir('rb');
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(300));
    const req = request(chunks);
    const ended = once(req, 'end');
    await expect(holdBody(req, { limit: 1000, dir, memoryLimit: 500 })).rejects.toMatchObject({
      code: 'BODY_TOO_LARGE',
    });
    await ended; // the rest of the upload is read and dropped, so the client gets its 413
    await expect.poll(() => readdirSync(dir)).toEqual([]);
  });

  it('a body exactly at the limit is held', async () => {
    const body = await holdBody(request([Buffer.alloc(600, 1), Buffer.alloc(400, 2)]), {
      limit: 1000,
      dir: tempDir('rb'),
    });
    expect((await read(body)).length).toBe(1000);
  });
});
describe('discardBody, after a 413 from Content-Length', () => {
  /** A request whose socket remembers whether it was cut. */
  function upload() {
    const req = Object.assign(new PassThrough(), {
      socket: {
        destroyed: false,
        destroy() {
          this.destroyed = true;
        },
      },
    });
    return req as unknown as IncomingMessage & PassThrough & { socket: { destroyed: boolean } };
  }

  it('reads what the client still sends, so it gets the 413 instead of a reset', () => {
    const req = upload();
    discardBody(req, 10);
    req.write(Buffer.alloc(6));
    req.write(Buffer.alloc(4));
    expect(req.socket.destroyed).toBe(false);
  });

  it('cuts the connection once more than maxBytes arrived', () => {
    const req = upload();
    discardBody(req, 10);
    req.write(Buffer.alloc(6));
    req.write(Buffer.alloc(5));
    expect(req.socket.destroyed).toBe(true);
  });
});

describe('reason phrases', () => {
  it('names 413 and 422 as RFC 9110 does, where node still has the older names', () => {
    expect(reasonPhrase(413)).toBe('Content Too Large');
    expect(reasonPhrase(422)).toBe('Unprocessable Content');
  });

  it("keeps node's phrase where it already matches, and gives an unknown code none", () => {
    expect(reasonPhrase(429)).toBe('Too Many Requests');
    expect(reasonPhrase(502)).toBe('Bad Gateway');
    expect(reasonPhrase(599)).toBe('');
  });
});
