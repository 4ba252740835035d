// Answering /static/… from a folder, using the careful path rules of static-files.mjs.
import { openInside } from '../lib/safe-path.mjs';
import { contentTypeFor, etagFor, notModified, resolveStaticPath } from './static-files.mjs';
import { sendOwn, sendResponse } from './respond.mjs';

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ root: string, urlPath: string, fields: import('./events.js').ProxyFields }} options
 *   urlPath is still percent-encoded, exactly as it came after the /static/ prefix.
 */
export async function serveStatic(req, res, { root, urlPath, fields }) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendOwn(req, res, 405, 'static files can only be read: GET or HEAD', {
      fields,
      headers: [['Allow', 'GET, HEAD']],
    });
  }
  const found = await resolveStaticPath(root, urlPath);
  if (found.status !== 200) {
    fields.error = found.reason;
    return sendOwn(req, res, found.status, `static file refused: ${found.reason}`, { fields });
  }
  const { file, segments, stats } = found;
  const etag = etagFor(stats);
  /** @type {[string, string][]} */
  const validators = [
    ['ETag', etag],
    ['Last-Modified', stats.mtime.toUTCString()],
    ['Cache-Control', 'public, max-age=60'],
  ];
  if (notModified(req.headers, { etag, mtime: stats.mtime })) {
    return sendResponse(req, res, { status: 304, pairs: validators, fields });
  }
  /** @type {[string, string][]} */
  const pairs = [['Content-Type', contentTypeFor(file)], ['Content-Length', String(stats.size)], ...validators];
  if (req.method === 'HEAD') return sendResponse(req, res, { status: 200, pairs, fields });
  // Opened by the same rule that found it: a file swapped for a link since then is refused.
  const opened = await openInside(root, ...segments);
  if (!opened.ok) {
    fields.error = `the file changed while it was being served (${opened.reason})`;
    return sendOwn(req, res, opened.reason === 'outside' ? 403 : 404, `static file refused: ${fields.error}`, {
      fields,
    });
  }
  const body = opened.handle.createReadStream();
  return sendResponse(req, res, { status: 200, pairs, body, fields });
}
