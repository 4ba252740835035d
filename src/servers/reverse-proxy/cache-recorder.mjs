// Copying a response into the cache while it streams to the client, so nobody waits for the
// whole body first. The copy is stored only if the body arrived complete and was small enough.
import { Transform } from 'node:stream';
import { withoutHeader } from '../lib/headers.mjs';

/** A stream that passes `source` through and stores the bytes in `cache` at the end. A body that
 * came whole (`source.whole`, backend-response.mjs) is stored at once, and given back as it is. */
export function recordInto(source, cache, key, requestHeaders, { status, headers, pairs }) {
  if (source.whole) {
    if (source.whole.length <= cache.maxEntryBytes)
      // (A copy: the piece may be part of a larger buffer the socket read into.)
      cache.store(key, requestHeaders, {
        status,
        headers,
        pairs: withoutHeader(pairs, 'x-cache'),
        body: Buffer.from(source.whole),
      });
    return source.whole;
  }
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
  // The client went away (respond.mjs destroys the stream it was reading): the backend's answer
  // goes too, even one that had all arrived and waited to be read, so its connection and its
  // place in the backend's count of requests in flight are given back.
  recorder.on('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  return source.pipe(recorder);
}
