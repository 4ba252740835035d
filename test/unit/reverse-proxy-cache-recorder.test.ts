// The cache's copy of a streamed answer (cache-recorder.mjs): when the client goes away and the
// stream it read is destroyed, the backend's answer behind it is let go too.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { recordInto } from '../../src/servers/reverse-proxy/cache-recorder.mjs';
import { ResponseCache } from '../../src/servers/reverse-proxy/cache.mjs';

const meta = {
  status: 200,
  headers: { 'cache-control': 'max-age=60' },
  pairs: [['Cache-Control', 'max-age=60']] as [string, string][],
};

describe('recordInto', () => {
  it('destroys the backend answer when the client side is destroyed before it ended', async () => {
    // Given an answer whose body has all arrived, held back because the client reads slowly (the
    // copying stream is full and nobody reads it, so the pipe has paused the answer)
    const source = Object.assign(new PassThrough(), { complete: true });
    for (let i = 0; i < 64; i++) source.write(Buffer.alloc(8 * 1024, 1));
    source.end();
    const recorder = recordInto(source, new ResponseCache(), 'k', {}, meta);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused() || source.readableFlowing === false).toBe(true);
    expect(source.readableEnded).toBe(false);
    // When the client goes away
    recorder.destroy();
    await once(recorder, 'close');
    // Then the answer is destroyed too (its connection and count are given back)
    expect(source.destroyed).toBe(true);
  });

  it('leaves an answer that was read to its end alone, and stores it', async () => {
    const cache = new ResponseCache();
    const source = Object.assign(new PassThrough(), { complete: false });
    const recorder = recordInto(source, cache, 'k', {}, meta);
    const chunks: Buffer[] = [];
    recorder.on('data', (chunk: Buffer) => chunks.push(chunk));
    source.end(Buffer.alloc(1000, 2));
    source.complete = true;
    await once(recorder, 'end');
    expect(Buffer.concat(chunks).length).toBe(1000);
    expect(source.readableEnded).toBe(true);
    expect(cache.entries.size).toBe(1);
  });
});
