// Static files served by the proxy itself: the backends never see these requests.
//
// Serving files is where web servers most often go wrong, so every step is careful:
//   1. decode the path once; bad percent-encoding, NUL bytes and encoded slashes are refused;
//   2. any "." or ".." segment is refused, however it was spelled (`..`, `%2e%2e`, `.%2E`);
//   3. the file's real path (symlinks followed) must still be inside the static folder, so a
//      symlink cannot lead out of it; a folder's index.html is checked the same way (it may be
//      a link too), all by the one function every server uses for this (lib/safe-path.mjs);
//   4. conditional requests: the client sends back the ETag or Last-Modified it got, and gets
//      "304 Not Modified" with no body when the file has not changed (RFC 9110 §13).
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { realPathInside } from '../lib/safe-path.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.woff2': 'font/woff2',
};

/** Content-Type from the file name; unknown kinds are plain bytes. */
export function contentTypeFor(path) {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Turn the part of the URL path after the static prefix into a file inside `root`.
 * @returns {Promise<{ status: 200, file: string, segments: string[], stats: import('node:fs').Stats }
 *                  | { status: 400 | 403 | 404, reason: string }>}
 */
export async function resolveStaticPath(root, urlPath) {
  if (/%2f|%5c|\\/i.test(urlPath)) return { status: 400, reason: 'encoded slashes and backslashes are not allowed' };
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400, reason: 'the path has bad percent-encoding' };
  }
  if (decoded.includes('\0')) return { status: 400, reason: 'the path contains a NUL byte' };

  let segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return { status: 403, reason: 'dot segments ("." or "..") are refused: they could climb out of the static folder' };
  }
  if (segments.some((segment) => segment.startsWith('.')))
    return { status: 404, reason: 'hidden files are not served' };

  /** @type {{ status: 403, reason: string }} */
  const OUTSIDE = { status: 403, reason: 'the file is a link that leads outside the static folder' };
  let found = await realPathInside(root, ...segments);
  if (!found.ok) return found.reason === 'outside' ? OUTSIDE : { status: 404, reason: 'no such file' };
  let stats = await stat(found.path);
  if (stats.isDirectory()) {
    // The index page is a file of its own, and may be a link of its own: the same check again.
    segments = [...segments, 'index.html'];
    found = await realPathInside(root, ...segments);
    if (!found.ok && found.reason === 'outside') return OUTSIDE;
    if (!found.ok) return { status: 404, reason: 'a folder without index.html (listings are not served)' };
    stats = await stat(found.path);
  }
  if (!stats.isFile()) return { status: 404, reason: 'not a regular file' };
  return { status: 200, file: found.path, segments, stats };
}

/** A validator that changes whenever the file does: modification time and size, in hex. */
export function etagFor(stats) {
  return `"${Math.floor(stats.mtimeMs).toString(16)}-${stats.size.toString(16)}"`;
}

/**
 * Whether the client's copy is still good (then the answer is 304). If-None-Match wins over
 * If-Modified-Since when both are sent (RFC 9110 §13.2.2); ETags compare weakly here.
 */
export function notModified(requestHeaders, { etag, mtime }) {
  const ifNoneMatch = requestHeaders['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const strip = (tag) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => strip(tag) === strip(etag));
  }
  const ifModifiedSince = requestHeaders['if-modified-since'];
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds; the file's mtime has milliseconds.
    return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 <= since;
  }
  return false;
}
