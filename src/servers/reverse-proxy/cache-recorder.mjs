// Copying a response into the cache while it streams to the client, so nobody waits for the
// whole body first. The copy is stored only if the body arrived complete and was small enough.
import { Transform } from 'node:stream';
import { withoutHeader } from '../lib/headers.mjs';

/** A stream that passes `source` through and stores the bytes in `cache` at the end. */
export function recordInto(source, cache, key, requestHeaders, { status, headers, pairs }) {
  const chunks = [];
  let size = 0;
  const recorder = new Transform({
    transform(chunk, _encoding, callback) {
      size += chunk.length;
      if (size <= cache.maxEntryBytes) chunks.push(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (size <= cache.maxEntryBytes && source.complete) {
        // X-Cache describes one answer, not the stored copy: the HIT path adds its own.
        const stored = withoutHeader(pairs, 'x-cache');
        cache.store(key, requestHeaders, { status, headers, pairs: stored, body: Buffer.concat(chunks) });
      }
      callback();
    },
  });
  source.on('error', (error) => recorder.destroy(error));
  return source.pipe(recorder);
}
