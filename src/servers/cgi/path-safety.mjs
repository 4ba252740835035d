// Is a path inside a folder, once every symlink on the way is followed? A web server that maps
// URLs to files must answer this before it opens (or, here, runs) anything: `..` segments, their
// percent-encoded forms (%2e%2e) and a symlink that points elsewhere all try to leave the folder.
// Comparing strings is not enough; comparing the real paths the kernel resolves is.
//
// Kept small and on its own so a shared helper (src/servers/lib) can replace it in one line.
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';

/**
 * The real path of `path` when it exists and lies inside `root` (or is `root` itself), else
 * null. `root` must already be a real path (see realRoot).
 */
export async function realPathInside(root, path) {
  let real;
  try {
    real = await realpath(path);
  } catch {
    return null; // missing, or a dangling symlink
  }
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep) ? real : null;
}

/** The real path of a folder we serve from, or null when it does not exist. */
export async function realRoot(root) {
  try {
    return await realpath(root);
  } catch {
    return null;
  }
}
