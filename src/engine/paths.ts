// Where the tutor's own files are: run from the bundle (dist/cli.js and dist/chunks/*) the lessons
// and servers sit in dist/; run from source (tests) they are lessons/ and src/servers/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __GT_BUNDLED__: boolean | undefined;
declare const __GT_VERSION__: string | undefined;

const bundled = typeof __GT_BUNDLED__ !== 'undefined' && __GT_BUNDLED__;

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
const assets = bundled ? join(packageRoot, 'dist') : packageRoot;

/** The lessons that ship with the tutor. */
export const builtinLessonsDir = join(assets, 'lessons');
/** Lab server programs shared by several lessons (`@servers/…` in a ServerSpec). */
export const serversDir = bundled ? join(assets, 'servers') : join(packageRoot, 'src', 'servers');
/** The built command, for tests and for shown `gateway-tutor …` commands. */
export const binPath = join(packageRoot, 'bin', 'gateway-tutor.js');

export const version: string =
  typeof __GT_VERSION__ !== 'undefined' ? __GT_VERSION__ : (process.env.npm_package_version ?? '0.0.0-dev');
