// Sending a response to the client: from a backend, from the cache, or from a static file.
//
// All three go through here, so compression works the same for each. The body is a stream (or a
// Buffer from the cache); stream.pipeline() moves it with backpressure: when the client reads
// slowly, the proxy stops reading from the backend instead of piling the body up in memory.
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { addVary, chooseEncoding, createCompressor, isCompressible, weakenEtag } from './compression.mjs';
import { getHeader, withoutHeader } from './forwarding.mjs';

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ status: number, pairs: [string, string][], body?: import('node:stream').Readable | Buffer,
 *           fields: Record<string, unknown> }} response  `fields` go into the lab event
 */
export async function sendResponse(req, res, { status, pairs, body, fields }) {
  let headers = pairs;
  const lower = Object.fromEntries(headers.map(([name, value]) => [name.toLowerCase(), value]));
  let compressor = null;

  if (isCompressible({ status, method: req.method, headers: lower })) {
    headers = withoutHeader(headers, 'vary');
    headers.push(['Vary', addVary(lower.vary)]);
    const coding = chooseEncoding(req.headers['accept-encoding']);
    if (coding) {
      compressor = createCompressor(coding);
      headers = withoutHeader(headers, 'content-length');
      headers.push(['Content-Encoding', coding]);
      const etag = getHeader(headers, 'etag');
      if (etag) headers = [...withoutHeader(headers, 'etag'), ['ETag', weakenEtag(etag)]];
      fields.encoding = coding;
    }
  }

  res.statusCode = status;
  for (const [name, value] of headers) res.appendHeader(name, value);

  if (body === undefined || req.method === 'HEAD' || status === 204 || status === 304) {
    if (body instanceof Readable) body.resume();
    res.end();
    return;
  }

  if (Buffer.isBuffer(body)) {
    // From the cache or the proxy itself: all in memory already.
    fields.plainBytes = body.length;
    if (!compressor) return void res.end(body);
    body = Readable.from([body]);
  }
  // Count bytes before and after compression: the lab event reports both.
  fields.plainBytes = 0;
  body.on('data', (chunk) => (fields.plainBytes += chunk.length));
  const stages = [body];
  if (compressor) stages.push(compressor, counter((bytes) => (fields.compressedBytes = bytes)));
  stages.push(res);
  try {
    await pipeline(stages);
  } catch (error) {
    // The client went away, or the backend broke off mid-body. Headers are out already, so all
    // we can do is cut the connection: the client then knows the body is incomplete.
    fields.error = fields.error ?? `body stream broke: ${error.code ?? error.message}`;
    res.destroy();
  }
}

/** A pass-through stream that reports how many bytes went by. */
function counter(report) {
  let bytes = 0;
  report(0);
  return new Transform({
    transform(chunk, _encoding, callback) {
      bytes += chunk.length;
      report(bytes);
      callback(null, chunk);
    },
  });
}

/** A short answer the proxy makes itself (errors, limits, the status page). */
export function sendOwn(req, res, status, message, { fields, headers = [] }) {
  const body = Buffer.from(typeof message === 'string' ? `${message}\n` : `${JSON.stringify(message, null, 2)}\n`);
  const type = typeof message === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  const pairs = [['Content-Type', type], ['Content-Length', String(body.length)], ...headers];
  return sendResponse(req, res, { status, pairs, body, fields });
}
