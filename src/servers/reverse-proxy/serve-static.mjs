// Answering /static/… from a folder, using the careful path rules of static-files.mjs.
import { createReadStream } from 'node:fs';
import { contentTypeFor, etagFor, notModified, resolveStaticPath } from './static-files.mjs';
import { sendOwn, sendResponse } from './respond.mjs';

/**
 * @param {{ root: string, urlPath: string, fields: Record<string, unknown> }} options
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
  const { file, stats } = found;
  const etag = etagFor(stats);
  const validators = [
    ['ETag', etag],
    ['Last-Modified', stats.mtime.toUTCString()],
    ['Cache-Control', 'public, max-age=60'],
  ];
  if (notModified(req.headers, { etag, mtime: stats.mtime })) {
    return sendResponse(req, res, { status: 304, pairs: validators, fields });
  }
  const pairs = [['Content-Type', contentTypeFor(file)], ['Content-Length', String(stats.size)], ...validators];
  const body = req.method === 'HEAD' ? undefined : createReadStream(file);
  return sendResponse(req, res, { status: 200, pairs, body, fields });
}
