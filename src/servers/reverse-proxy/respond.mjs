// Sending a response to the client: from a backend, from the cache, or from a static file.
//
// All three go through here, so compression works the same for each. The body is a stream (or a
// Buffer: from the cache, or a backend's answer that came whole), moved with backpressure: when the client reads slowly, the proxy stops
// reading from the backend instead of piling the body up in memory.
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { headerValue, withoutHeader } from '../lib/headers.mjs';
import { addVary, chooseEncoding, createCompressor, isCompressible, weakenEtag } from './compression.mjs';
import { reasonPhrase } from './reason-phrase.mjs';

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ status: number, pairs: [string, string][], body?: import('node:stream').Readable | Buffer,
 *           fields: import('./events.js').ProxyFields }} response  `fields` go into the lab event
 */
export async function sendResponse(req, res, { status, pairs, body, fields }) {
  let headers = pairs;
  const lower = compressionFields(headers);
  let compressor = null;

  if (isCompressible({ status, method: req.method, headers: lower })) {
    headers = withoutHeader(headers, 'vary');
    headers.push(['Vary', addVary(lower.vary)]);
    const coding = chooseEncoding(req.headers['accept-encoding']);
    if (coding) {
      compressor = createCompressor(coding);
      headers = withoutHeader(headers, 'content-length');
      headers.push(['Content-Encoding', coding]);
      const etag = headerValue(headers, 'etag');
      if (etag) headers = [...withoutHeader(headers, 'etag'), ['ETag', weakenEtag(etag)]];
      fields.encoding = coding;
    }
  }

  res.statusCode = status;
  res.statusMessage = reasonPhrase(status);
  for (const [name, value] of headers) res.appendHeader(name, value);

  if (body === undefined || req.method === 'HEAD' || status === 204 || status === 304) {
    if (body instanceof Readable) body.resume();
    res.end();
    return;
  }

  if (Buffer.isBuffer(body)) {
    // From the cache, the proxy itself or a backend's whole answer: all in memory already.
    fields.plainBytes = body.length;
    if (!compressor) return void res.end(body);
    body = Readable.from([body]);
  }
  // Count bytes before and after compression: the lab event reports both.
  fields.plainBytes = 0;
  if (!compressor) return relay(body, res, fields);
  body.on('data', (chunk) => (fields.plainBytes += chunk.length));
  try {
    await pipeline(
      body,
      compressor,
      counter((bytes) => (fields.compressedBytes = bytes)),
      res,
    );
  } catch (error) {
    bodyBroke(res, fields, error);
  }
}

/**
 * The common case, a body passed on as it is, chunk by chunk, counted on the way. This is what
 * `body.pipe(res)` does, written out: a slow client pauses the body until its socket drains; when
 * either end fails, the other is stopped. (pipe() and stream.pipeline() set up and tear down
 * several listeners and an AbortController per call; at thousands of requests a second that was a
 * visible part of the proxy's CPU time, cheap next to compressing a body. The listeners here are
 * shared: each finds its request through the stream.)
 */
function relay(body, res, fields) {
  body[RELAY] = { res, fields };
  res[RELAY] = body;
  body.on('data', relayData);
  body.on('end', relayEnd);
  body.on('error', relayError);
  res.on('close', relayClose);
}
const RELAY = Symbol('relay');

/** @this {any} */
function relayData(chunk) {
  const { res, fields } = this[RELAY];
  fields.plainBytes += chunk.length;
  if (res.write(chunk)) return;
  this.pause(); // the client reads slower than the backend sends: wait for it
  res.once('drain', () => this.resume());
}

/** @this {any} */
function relayEnd() {
  this[RELAY].res.end();
}

/** @this {any} */
function relayError(error) {
  const { res, fields } = this[RELAY];
  bodyBroke(res, fields, error);
}

/** @this {any} */
function relayClose() {
  if (this.writableFinished) return;
  // The client went away mid-body: stop reading from the backend (its connection is dropped,
  // not reused, since it still holds the rest of a body nobody wants).
  this[RELAY][RELAY].fields.error ??= 'body stream broke: the client went away';
  this[RELAY].destroy();
}

/**
 * The client went away, or the backend broke off mid-body. Headers are out already, so all we can
 * do is cut the connection: the client then knows the body is incomplete.
 */
function bodyBroke(res, fields, error) {
  fields.error ??= `body stream broke: ${error.code ?? error.message}`;
  res.destroy();
}

/**
 * The five fields compression looks at, by lower-case name, read in one pass without an object of
 * every field (this runs for every response). A field sent on several lines (two `Vary` lines: one
 * from a CORS layer, one from a compression layer) is one comma-separated list (RFC 9110 §5.3):
 * keeping only the last line would drop `Vary: Origin` when Accept-Encoding is added.
 * @param {[string, string][]} pairs
 */
export function compressionFields(pairs) {
  /** @type {Record<'content-encoding' | 'cache-control' | 'content-type' | 'content-length' | 'vary', string | undefined>} */
  const lower = {
    'content-encoding': undefined,
    'cache-control': undefined,
    'content-type': undefined,
    'content-length': undefined,
    vary: undefined,
  };
  for (const [name, value] of pairs) {
    // The five names are 4, 12, 13, 14 and 16 characters long: other lengths are passed over.
    const length = name.length;
    if (length !== 4 && (length < 12 || length > 16 || length === 15)) continue;
    const key = name.toLowerCase();
    if (
      key !== 'vary' &&
      key !== 'content-type' &&
      key !== 'cache-control' &&
      key !== 'content-length' &&
      key !== 'content-encoding'
    )
      continue;
    const seen = lower[key];
    lower[key] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return lower;
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

/**
 * A short answer the proxy makes itself (errors, limits, the status page).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string | object} message  an object is sent as JSON
 * @param {{ fields: import('./events.js').ProxyFields, headers?: [string, string][] }} options
 */
export function sendOwn(req, res, status, message, { fields, headers = [] }) {
  const body = Buffer.from(typeof message === 'string' ? `${message}\n` : `${JSON.stringify(message, null, 2)}\n`);
  const type = typeof message === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  /** @type {[string, string][]} */
  const pairs = [['Content-Type', type], ['Content-Length', String(body.length)], ...headers];
  return sendResponse(req, res, { status, pairs, body, fields });
}
