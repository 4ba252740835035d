// The PARAMS a web server sends for one HTTP request: the CGI/1.1 meta-variables of RFC 3875 §4.1
// (FastCGI carries the same variables a CGI program would find in its environment), plus the
// few that FastCGI apps such as php-fpm and fcgiwrap need to find their script.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export const SERVER_SOFTWARE = 'gateway-tutor-fastcgi-front/1.0';

/** Headers that never become HTTP_* variables, and why. */
const LEFT_OUT = new Set([
  'content-length', // already CONTENT_LENGTH
  'content-type', // already CONTENT_TYPE
  'authorization', // RFC 3875 §4.1.18: credentials are not handed to scripts
  'proxy', // "httpoxy": HTTP_PROXY would look like the proxy setting many libraries obey
  'connection', // hop-by-hop: about the client's connection to us, not the app's business
  'keep-alive',
  'transfer-encoding',
]);

/**
 * Where the script is, for apps that run files (php-fpm, fcgiwrap). With a document root, the
 * path's first segments that name a file become SCRIPT_NAME and the rest PATH_INFO
 * ("/hello.sh/extra" → "/hello.sh" + "/extra"), the way nginx's fastcgi_split_path_info does.
 * Without one, the whole app lives at "/": SCRIPT_NAME is empty and the path is PATH_INFO.
 * Returns null when no file under the root matches (the front answers 404).
 *
 * `path` is a byte string (decodePath), and so is everything returned: SCRIPT_FILENAME and
 * DOCUMENT_ROOT carry the file name's bytes as the file system has them (UTF-8 here), as nginx's
 * do. Only where a path touches the disk does it become a Buffer of those same bytes.
 */
export function splitScript(/** @type {string} */ path, /** @type {string | undefined} */ documentRoot) {
  if (!documentRoot) return { scriptName: '', pathInfo: path };
  const root = realBytes(documentRoot);
  const segments = path.split('/').filter(Boolean);
  for (let i = 1; i <= segments.length; i++) {
    const scriptName = `/${segments.slice(0, i).join('/')}`;
    let real;
    try {
      real = realBytes(Buffer.from(join(root, scriptName), 'latin1'));
    } catch {
      return null;
    }
    // No path escapes the document root: "..", symlinks and all are resolved first.
    if (real !== root && !real.startsWith(root + sep)) return null;
    if (statSync(Buffer.from(real, 'latin1')).isFile()) {
      return { scriptName, pathInfo: path.slice(scriptName.length), filename: real, documentRoot: root };
    }
  }
  return null;
}

/** The real path (symlinks resolved) as a byte string: its bytes, one character each. (The
 * native realpath: the JavaScript one reads a Buffer path as UTF-8 text and loses other bytes.) */
function realBytes(/** @type {string | Buffer} */ path) {
  return realpathSync.native(path, { encoding: 'buffer' }).toString('latin1');
}

/**
 * All PARAMS for `req`, as [name, value] pairs in the order they are sent.
 * @param {import('node:http').IncomingMessage} req
 * @param {{ script: { scriptName: string, pathInfo: string, filename?: string, documentRoot?: string },
 *           serverPort: number, hasBody: boolean, contentLength: number }} options
 * @returns {[string, string][]}
 */
export function cgiParams(req, { script, serverPort, hasBody, contentLength }) {
  const url = req.url ?? '/';
  const question = url.indexOf('?');
  const host = (req.headers.host ?? '').replace(/:\d+$/, '') || '127.0.0.1';
  /** @type {[string, string][]} */
  const params = [
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', SERVER_SOFTWARE],
    ['SERVER_PROTOCOL', `HTTP/${req.httpVersion}`],
    ['SERVER_NAME', host],
    ['SERVER_ADDR', req.socket.localAddress ?? '127.0.0.1'],
    ['SERVER_PORT', String(serverPort)],
    ['REMOTE_ADDR', req.socket.remoteAddress ?? ''],
    ['REMOTE_PORT', String(req.socket.remotePort ?? '')],
    ['REQUEST_METHOD', req.method ?? 'GET'],
    ['REQUEST_URI', url],
    ['SCRIPT_NAME', script.scriptName],
    ['PATH_INFO', script.pathInfo],
    ['QUERY_STRING', question < 0 ? '' : url.slice(question + 1)],
  ];
  if (script.filename && script.documentRoot) {
    params.push(['SCRIPT_FILENAME', script.filename], ['DOCUMENT_ROOT', script.documentRoot]);
  }
  if (script.pathInfo && script.documentRoot) {
    params.push(['PATH_TRANSLATED', join(script.documentRoot, script.pathInfo)]);
  }
  // CONTENT_LENGTH only when there is a body (RFC 3875 §4.1.2); CONTENT_TYPE when the client gave one.
  if (hasBody) params.push(['CONTENT_LENGTH', String(contentLength)]);
  if (req.headers['content-type']) params.push(['CONTENT_TYPE', req.headers['content-type']]);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    // A name with "_" would collide with its "-" twin once converted: left out, as nginx does.
    if (LEFT_OUT.has(name) || name.includes('_')) continue;
    const key = `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
    const existing = params.find(([n]) => n === key);
    // The same header twice becomes one variable, values joined (RFC 3875 §4.1.18).
    if (existing) existing[1] += `, ${req.rawHeaders[i + 1]}`;
    else params.push([key, req.rawHeaders[i + 1]]);
  }
  return params;
}

/**
 * The path of a request target as nginx makes its $uri (the PATH_INFO and SCRIPT_NAME it sends):
 * percent-decoded into bytes, then normalized. "/caf%C3%A9" → the bytes 2f 63 61 66 c3 a9, whatever
 * they mean: a byte string (one character a byte, U+0000–U+00FF), which PARAMS carry unchanged
 * ("é", U+00E9, would be the one wrong byte e9). A target is ASCII (RFC 3986; node:http refuses
 * any other byte in it), so only %XX makes bytes past 7f. Then, as nginx does, "//" becomes "/",
 * and "." and ".." segments are resolved (RFC 3986 §5.2.4), encoded ones too: no "../" reaches an
 * app that opens files by PATH_INFO.
 * Refused, for a 400 (nginx answers 400 to each): a "%" without two hex digits, %00 (a NUL byte
 * no C string, file name or environment variable can hold), and a ".." above the root.
 * @param {string} url @returns {string | { error: string }}
 */
export function decodePath(url) {
  const question = url.indexOf('?');
  let path = question < 0 ? url : url.slice(0, question);
  let percent = path.indexOf('%');
  if (percent >= 0) {
    let decoded = '';
    let from = 0;
    for (; percent >= 0; percent = path.indexOf('%', from)) {
      const hex = path.slice(percent + 1, percent + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        return { error: `The path has "%${hex}": a "%" must be followed by two hex digits (write "%" itself as %25).` };
      }
      const byte = Number.parseInt(hex, 16);
      if (byte === 0) return { error: 'The path has %00, a NUL byte, which no file name or CGI variable can hold.' };
      decoded += path.slice(from, percent) + String.fromCharCode(byte);
      from = percent + 3;
    }
    path = decoded + path.slice(from);
  }
  if (!path.startsWith('/') || !(path.includes('//') || path.includes('/.'))) return path;
  return normalize(path);
}

/** "//" → "/", "/./" → "/", "/a/../" → "/"; a last "." or ".." segment leaves a "/" at the end
 * ("/a/b/.." → "/a/"), as nginx leaves it. @param {string} path @returns {string | { error: string }} */
function normalize(path) {
  const segments = path.split('/');
  /** @type {string[]} */
  const kept = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '..') {
      if (kept.length === 0) return { error: 'The path goes above "/" with "..": there is nothing there.' };
      kept.pop();
    } else if (segment !== '' && segment !== '.') {
      kept.push(segment);
      continue;
    }
    if (last) kept.push('');
  }
  return `/${kept.join('/')}`;
}
