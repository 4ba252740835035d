// From a URL path to a script: which file under cgi-bin runs, and what is left over for the
// script as PATH_INFO (RFC 3875 §3.2: "the server will identify all or a leading part of this
// path with an individual script ... The remainder of the path, if any, is ... interpreted by
// the script").
//
//   /cgi-bin/env.sh/books/42?x=1   →  script cgi-bin/env.sh, SCRIPT_NAME /cgi-bin/env.sh,
//                                     PATH_INFO /books/42 (QUERY_STRING is split off before)
//
// Every answer that is not a script says why, with the status the client gets: the lab log shows
// that reason, so a learner can see why a request was refused.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { realPathInside } from '../lib/safe-path.mjs';

/**
 * @param {string} realCgiBin the real path of the cgi-bin folder
 * @param {string} prefix the URL path the folder is served under, such as "/cgi-bin"
 * @param {string} rawPath the path of the request target, still percent-encoded, no query
 * @returns {Promise<{ok: true, file: string, scriptName: string, pathInfo: string, script: string}
 *   | {ok: false, status: number, reason: string}>}
 */
export async function findScript(realCgiBin, prefix, rawPath) {
  const rest = rawPath.slice(prefix.length + 1); // after "/cgi-bin/"
  const segments = [];
  for (const raw of rest.split('/')) {
    let segment;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse(400, `the path has a broken %-escape: ${JSON.stringify(raw)}`);
    }
    // Decoding first, then looking, is what catches %2e%2e: it is ".." once decoded.
    if (segment === '..' || segment === '.') {
      return refuse(
        403,
        `the path has a "${segment}" segment (${JSON.stringify(raw)}): nothing may climb out of cgi-bin`,
      );
    }
    if (segment.includes('/')) return refuse(404, `the path has an encoded slash (%2F) in ${JSON.stringify(raw)}`);
    if (segment.includes('\0')) return refuse(400, 'the path has a NUL byte (%00)');
    segments.push(segment);
  }

  // Walk down from cgi-bin: folders are entered, the first file is the script, and whatever
  // follows it is PATH_INFO. Empty segments ("//") before the script are skipped. Each step is
  // checked by its real path (every symlink followed), so no link can lead out of cgi-bin.
  const scriptParts = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '') {
      if (i === segments.length - 1) break;
      continue;
    }
    const inside = await realPathInside(realCgiBin, ...scriptParts, segment);
    scriptParts.push(segment);
    if (!inside.ok && inside.reason === 'outside') {
      return refuse(403, `${scriptParts.join('/')} is a symlink that leads out of cgi-bin`);
    }
    let info;
    try {
      if (!inside.ok) throw new Error('missing');
      info = await stat(inside.path);
    } catch {
      return refuse(404, `no script ${scriptParts.join('/')} in cgi-bin`);
    }
    if (info.isDirectory()) continue;
    if (!info.isFile()) return refuse(403, `${scriptParts.join('/')} is not a regular file`);
    const script = scriptParts.join('/');
    const candidate = join(realCgiBin, ...scriptParts);
    try {
      await access(candidate, constants.X_OK);
    } catch {
      return refuse(
        403,
        `${script} is not executable (no run bit): the server will not run it. Try: chmod +x cgi-bin/${script}`,
      );
    }
    // PATH_INFO keeps everything after the script as decoded text, empty segments included
    // (RFC 3875 §4.1.5: "A PATH_INFO of "/" represents a single void path segment").
    const pathInfo = segments.slice(i + 1).length > 0 ? '/' + segments.slice(i + 1).join('/') : '';
    const scriptName = `${prefix}/${script}`;
    return { ok: true, file: candidate, script, scriptName, pathInfo };
  }
  if (scriptParts.length === 0) return refuse(403, 'that is the cgi-bin folder itself, not a script in it');
  return refuse(403, `${scriptParts.join('/')} is a folder, not a script`);
}

/**
 * @param {number} status
 * @param {string} reason
 * @returns {{ ok: false, status: number, reason: string }}
 */
function refuse(status, reason) {
  return { ok: false, status, reason };
}
