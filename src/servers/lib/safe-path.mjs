// The one way a lab server finds a file in a learner's folder (static files, index pages, CGI
// scripts): every open goes through here, so a path cannot escape the folder however it is spelled
// and wherever its symlinks point.
//
// The rule: resolve the real path (every symlink followed, "..", "." and repeated slashes gone),
// then check that it is the folder itself or lies inside it. Checking the name as written is not
// enough: `docs/index.html` may be a symlink to /etc/passwd, and so may a folder on the way.
// `openInside` then opens that real path without following a symlink at its last step, so a file
// swapped for a link between the check and the open is refused too. Files a server writes into
// the learner's folder (an access log, a CA certificate to use with curl) go through
// `writeInsideSync`, by the same rule: a `proxy-access.log` that is a link to ~/.bashrc is not
// written through.
import { closeSync, constants, openSync, realpathSync, writeSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

/** Whether `path` is `root` or inside it. Both must be real paths (see realPathInside). */
export function isInside(root, path) {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of `root`/`segments…`, if it exists and lies inside the real `root`.
 * @param {string} root the learner's folder (it may itself be reached through a symlink)
 * @param {...string} segments path pieces below it, already split on "/"
 * @returns {Promise<{ ok: true, path: string, root: string } | { ok: false, reason: 'missing' | 'outside' }>}
 */
export async function realPathInside(root, ...segments) {
  let realRoot;
  let realFile;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(join(realRoot, ...segments));
  } catch {
    return { ok: false, reason: 'missing' };
  }
  if (!isInside(realRoot, realFile)) return { ok: false, reason: 'outside' };
  return { ok: true, path: realFile, root: realRoot };
}

/**
 * Open a file below `root` for reading, by the rule above. The caller closes `handle`.
 * @returns {Promise<{ ok: true, path: string, handle: import('node:fs/promises').FileHandle,
 *                     stats: import('node:fs').Stats }
 *                  | { ok: false, reason: 'missing' | 'outside' | 'not-a-file' }>}
 */
export async function openInside(root, ...segments) {
  const found = await realPathInside(root, ...segments);
  if (!found.ok) return found;
  let handle;
  try {
    handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    // ELOOP: it became a symlink after we resolved it. Anything else: it is gone.
    return { ok: false, reason: error.code === 'ELOOP' ? 'outside' : 'missing' };
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    return { ok: false, reason: 'not-a-file' };
  }
  return { ok: true, path: found.path, handle, stats };
}

/**
 * Write (or append) `data` to the file `name` in `root`: its folder must really be inside `root`,
 * and the file itself must not be a symlink (O_NOFOLLOW). Throws with `code` 'ELOOP' (a link) or
 * 'EXDEV' (a folder outside) otherwise: say so in the log, and go on without that file.
 * @param {string} root @param {string} name @param {string | Buffer} data
 * @param {{ append?: boolean, mode?: number }} [options]
 */
export function writeInsideSync(root, name, data, { append = false, mode = 0o644 } = {}) {
  const realRoot = realpathSync(root);
  const folder = realpathSync(dirname(join(realRoot, name)));
  if (!isInside(realRoot, folder)) {
    throw Object.assign(new Error(`${name} would be written outside ${root}`), { code: 'EXDEV' });
  }
  const { O_WRONLY, O_CREAT, O_NOFOLLOW, O_APPEND, O_TRUNC } = constants;
  const fd = openSync(
    join(folder, basename(name)),
    O_WRONLY | O_CREAT | O_NOFOLLOW | (append ? O_APPEND : O_TRUNC),
    mode,
  );
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  } finally {
    closeSync(fd);
  }
}
