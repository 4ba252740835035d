// From a URL path to a script: which file under cgi-bin runs, and what is left over for the
// script as PATH_INFO (RFC 3875 §3.2: "the server will identify all or a leading part of this
// path with an individual script ... The remainder of the path, if any, is ... interpreted by
// the script").
//
//   /cgi-bin/env.sh/books/42?x=1   →  script cgi-bin/env.sh, SCRIPT_NAME /cgi-bin/env.sh,
//                                     PATH_INFO /books/42 (QUERY_STRING is split off before)
//
// The path is read as Apache httpd reads it (the reference CGI host; compared byte for byte in
// test/interop/cgi-paths-apache.test.ts): percent-decoded into bytes, not text, so /caf%C3%A9
// gives the script the bytes c3 a9 and a lone %C3 the byte c3; "//", "." and ".." (encoded ones
// too) are resolved first. That is the FastCGI front's decodePath, which follows nginx: the two
// servers agree on all of it but %2F and %00 (see readPath).
//
// Every answer that is not a script says why, with the status the client gets: the lab log shows
// that reason, so a learner can see why a request was refused.
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { decodePath } from '../fastcgi/params.mjs';
import { isInside } from '../lib/safe-path.mjs';

/**
 * The request path as the server works with it: a byte string (one character a byte, as
 * decodePath makes it), normalized, so "/cgi-bin/../secret.sh" is "/secret.sh" and never reaches
 * cgi-bin. Refused as Apache refuses them: a "%" without two hex digits and a ".." above "/" with
 * 400; then an encoded slash (%2F) or NUL (%00) with 404. (Apache's AllowEncodedSlashes is Off
 * by default, so %2F cannot make a path segment, and it answers %00 the same way. nginx instead
 * decodes %2F into a "/" and answers %00 with 400.)
 * @param {string} rawPath the path of the request target, still percent-encoded, no query
 * @returns {{ ok: true, path: string } | { ok: false, status: number, reason: string }}
 */
export function readPath(rawPath) {
  const encoded = /%(2f|00)/i.exec(rawPath);
  // Apache resolves "." and ".." before it looks at %2F and %00, so those two stand for an
  // ordinary byte here ("_") while the rest is checked: "/..%2F" holds no ".." segment.
  const path = decodePath(encoded ? rawPath.replace(/%(2f|00)/gi, '_') : rawPath);
  if (typeof path !== 'string') return refuse(400, path.error);
  if (encoded) {
    const what = encoded[1] === '00' ? 'a NUL byte (%00)' : `an encoded slash (${encoded[0]})`;
    return refuse(404, `the path has ${what}, which Apache answers with 404 too`);
  }
  return { ok: true, path };
}

/**
 * @param {string} realCgiBin the real path of the cgi-bin folder
 * @param {string} prefix the URL path the folder is served under, such as "/cgi-bin"
 * @param {string} path the path from readPath (a byte string), under prefix
 * @returns {Promise<{ok: true, file: string, scriptName: string, pathInfo: string, script: string}
 *   | {ok: false, status: number, reason: string}>} file, scriptName and pathInfo are byte
 *   strings; script is the name under cgi-bin as text, for the log and the events
 */
export async function findScript(realCgiBin, prefix, path) {
  const root = Buffer.from(realCgiBin, 'utf8').toString('latin1');
  const segments = path.slice(prefix.length + 1).split('/'); // after "/cgi-bin/"
  // readPath left none, but this function alone must not walk out of cgi-bin either.
  const climbing = segments.find((segment) => segment === '..' || segment === '.');
  if (climbing) return refuse(403, `the path has a "${climbing}" segment: nothing may climb out of cgi-bin`);

  // Walk down from cgi-bin: folders are entered, the first file is the script, and whatever
  // follows it is PATH_INFO. Each step is checked by its real path (every symlink followed), so
  // no link can lead out of cgi-bin. File names are bytes too: Buffers, never text, on the disk.
  const scriptParts = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '') break; // only last: the path ends with "/"
    scriptParts.push(segment);
    const script = text(scriptParts.join('/'));
    const candidate = `${root}/${scriptParts.join('/')}`;
    let real;
    let info;
    try {
      real = (await realpath(bytes(candidate), { encoding: 'buffer' })).toString('latin1');
      if (isInside(root, real)) info = await stat(bytes(real));
    } catch {
      return refuse(404, `no script ${script} in cgi-bin`);
    }
    if (!info) return refuse(403, `${script} is a symlink that leads out of cgi-bin`);
    if (info.isDirectory()) continue;
    if (!info.isFile()) return refuse(403, `${script} is not a regular file`);
    try {
      await access(bytes(candidate), constants.X_OK);
    } catch {
      return refuse(
        403,
        `${script} is not executable (no run bit): the server will not run it. Try: chmod +x cgi-bin/${script}`,
      );
    }
    // PATH_INFO is everything after the script ("/" alone is "a single void path segment",
    // RFC 3875 §4.1.5), "" when nothing follows.
    const pathInfo = path.slice(prefix.length + 1 + scriptParts.join('/').length);
    return { ok: true, file: candidate, script, scriptName: `${prefix}/${scriptParts.join('/')}`, pathInfo };
  }
  if (scriptParts.length === 0) return refuse(403, 'that is the cgi-bin folder itself, not a script in it');
  return refuse(403, `${text(scriptParts.join('/'))} is a folder, not a script`);
}

/** A byte string as the Buffer of its bytes, for the file system. @param {string} byteString */
const bytes = (byteString) => Buffer.from(byteString, 'latin1');
/** A byte string as text, for people (bytes that are not UTF-8 show as U+FFFD). @param {string} byteString */
const text = (byteString) => bytes(byteString).toString('utf8');

/**
 * @param {number} status
 * @param {string} reason
 * @returns {{ ok: false, status: number, reason: string }}
 */
function refuse(status, reason) {
  return { ok: false, status, reason };
}
