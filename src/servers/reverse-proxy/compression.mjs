// Compressing responses on the way out (gzip and brotli, with node:zlib).
//
// The client lists what it can decode in Accept-Encoding, with optional weights:
//   Accept-Encoding: br;q=1.0, gzip;q=0.8, *;q=0.1
// The proxy picks the best coding both sides know, compresses the body as it streams, and says
// so with Content-Encoding. The length changes, so Content-Length goes (the body is sent chunked).
// Because the same URL now has several possible bodies, the response carries
// `Vary: Accept-Encoding`: a cache between us and the client must not hand a gzip body to a
// client that did not ask for one. Text compresses well; JPEGs and zips do not, so only text-like
// types are touched, and tiny bodies are left alone (the gzip header would cost more than it saves).
import { constants, createBrotliCompress, createGzip } from 'node:zlib';

/** Codings this proxy can produce, best first. */
const SUPPORTED = ['br', 'gzip'];
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|[\w.+-]+\+(json|xml))|image\/svg\+xml)/i;
const MIN_BYTES = 1024;

/** The coding to use for this Accept-Encoding value, or null for "send it as it is". */
export function chooseEncoding(acceptEncoding) {
  if (!acceptEncoding) return null;
  const weights = new Map();
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (!coding) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    weights.set(coding, Number.isFinite(q) ? q : 0);
  }
  let best = null;
  let bestQ = 0;
  for (const coding of SUPPORTED) {
    const q = weights.get(coding) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/** Whether a response is worth compressing at all (independent of what this client accepts). */
export function isCompressible({ status, method, headers }) {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304) return false;
  if (headers['content-encoding'] && headers['content-encoding'] !== 'identity') return false;
  if (/\bno-transform\b/i.test(headers['cache-control'] ?? '')) return false;
  if (!COMPRESSIBLE.test(headers['content-type'] ?? '')) return false;
  const length = headers['content-length'];
  return length === undefined || Number(length) >= MIN_BYTES;
}

/** A zlib stream for the coding. Fast settings: a proxy compresses every response, live. */
export function createCompressor(coding) {
  if (coding === 'br') {
    return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
  }
  return createGzip({ level: 6 });
}

/** Add Accept-Encoding to a Vary value, keeping what the backend already put there. */
export function addVary(existing) {
  if (!existing) return 'Accept-Encoding';
  const names = existing.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('accept-encoding') || names.includes('*')) return existing;
  return `${existing}, Accept-Encoding`;
}

/** A strong ETag names exact bytes; after compression the bytes differ, so it becomes weak. */
export function weakenEtag(etag) {
  if (!etag || etag.startsWith('W/')) return etag;
  return `W/${etag}`;
}
