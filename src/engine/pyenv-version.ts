// Which Python versions pyenv would select, worked out by reading the files pyenv reads, as
// pyenv 2.6's `pyenv version-name -f` does (libexec/pyenv-version-name, -version-file,
// -version-file-read, -latest). Every case it cannot answer exactly returns undefined, and the
// caller runs the shim instead: naming a different interpreter than pyenv would is worse than slow.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface VersionChoice {
  /** Version names, each a folder under $PYENV_ROOT/versions, or "system"; the first that has
   * the command wins. */
  versions: string[];
  /** Files and folders the choice was read from (or would have been, had they existed). */
  consulted: string[];
}

// A missing file answers undefined rather than throwing: most of what is looked for is missing
// (.python-version in every folder up), and an exception costs 15 µs before Python can start.
function isDir(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** The working folder as bash sees it: $PWD when it names this folder (it keeps the symlinks the
 * user cd'd through, and pyenv walks up that path), else the physical one. */
export function logicalCwd(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const pwd = env.PWD;
  if (!pwd || !isAbsolute(pwd)) return cwd;
  try {
    const a = statSync(pwd);
    const b = statSync(cwd);
    return a.dev === b.dev && a.ino === b.ino ? resolve(pwd) : cwd;
  } catch {
    return cwd;
  }
}

/** pyenv-version-file's walk: `dir`/.python-version, then each parent's, up to the root. */
function localVersionFile(dir: string, consulted: string[]): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, '.python-version');
    consulted.push(file);
    if (isFile(file)) return file;
    if (dirname(at) === at) return undefined;
  }
}

/** pyenv-version-file-read: the first word of each line, blank lines and #comments skipped,
 * joined with ':'; '' when the file is missing, empty or has no version; undefined when unclear. */
function readVersionFile(file: string): string | undefined {
  let text: string;
  try {
    if (statSync(file).size > 65536) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const versions: string[] = [];
  for (const line of text.split('\n')) {
    // bash's `read -n 1024` would cut a longer line in two; NUL bytes bash would drop.
    if (line.length > 1000 || line.includes('\0')) return undefined;
    const word = line.split(/[ \t\r]+/).find((w) => w !== '') ?? '';
    if (word === '' || word.startsWith('#')) continue;
    // pyenv checks such names against its versions folder (CVE-2022-35861): not worth copying.
    if (word === '..' || word.includes('/')) return undefined;
    versions.push(word);
  }
  return versions.join(':');
}

/** pyenv-latest -b: the newest installed version that `prefix` is a prefix of ("3.11" →
 * "3.11.7"); null when none is; undefined when the names are not plain X.Y.Z numbers (pyenv's
 * sort of other names is not copied here). */
function latest(root: string, prefix: string): string | null | undefined {
  if (/[0-9]t$/.test(prefix)) return undefined; // pyenv then looks for free-threaded builds only
  let names: string[];
  try {
    names = readdirSync(join(root, 'versions')).filter((name) => isDir(join(root, 'versions', name)));
  } catch {
    return null;
  }
  // pyenv: `^prefix[-.].*`, without -dev, -src, -latest, prereleases and free-threaded builds.
  const matching = names
    .filter((name) => name.startsWith(`${prefix}.`) || name.startsWith(`${prefix}-`))
    .filter((name) => !/(-dev|-src|-latest|(a|b|rc)[0-9]+|[0-9]t)$/.test(name));
  if (matching.length === 0) return null;
  if (!/^\d+(\.\d+)*$/.test(prefix) || !matching.every((name) => /^\d+(\.\d+){0,3}$/.test(name))) return undefined;
  // sort -t. -k2,2nr -k3,3nr -k4,4nr (the first field is the prefix's, the same for all).
  const key = (name: string) => [1, 2, 3].map((i) => Number(name.split('.')[i] ?? 0));
  const sorted = matching.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return (kb[i] ?? 0) - (ka[i] ?? 0);
    return 0;
  });
  const [first, second] = sorted;
  if (second !== undefined && key(first!).join('.') === key(second).join('.')) return undefined;
  return first ?? null;
}

/** pyenv-version-name -f: which versions pyenv selects, as names of installed folders or
 * "system"; undefined when a name is not installed or anything is unclear. */
export function chooseVersions(root: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): VersionChoice | undefined {
  const consulted: string[] = [];
  let selected = env.PYENV_VERSION ?? '';
  if (selected === '') {
    const pwd = logicalCwd(env, cwd);
    let dir = pwd;
    if (env.PYENV_DIR) {
      // pyenv does `cd "$PYENV_DIR"`, where a relative folder would follow CDPATH.
      if (!isAbsolute(env.PYENV_DIR) && env.CDPATH) return undefined;
      dir = resolve(pwd, env.PYENV_DIR);
      if (!isDir(dir)) return undefined;
    }
    const file = localVersionFile(dir, consulted) ?? (dir !== pwd ? localVersionFile(pwd, consulted) : undefined);
    const global = join(root, 'version');
    if (!file) consulted.push(global);
    const read = readVersionFile(file ?? global);
    if (read === undefined) return undefined;
    selected = read;
  }
  consulted.push(join(root, 'versions'));
  if (selected === '' || selected === 'system') return { versions: ['system'], consulted };
  // bash splits the unquoted value on ':' and would expand glob characters against the folder.
  const names = selected.replace(/:$/, '').split(':');
  if (names.some((name) => name === '' || /[*?[\\]/.test(name) || name.includes('/'))) return undefined;
  const versions: string[] = [];
  for (const name of names) {
    const normalised = name.replace(/^python-/, '');
    if (name === 'system' || isDir(join(root, 'versions', name))) versions.push(name);
    else if (isDir(join(root, 'versions', normalised))) versions.push(normalised);
    else {
      let found = latest(root, name);
      if (found === null && normalised !== name) found = latest(root, normalised);
      if (!found) return undefined; // not installed (pyenv would go on to "system"), or unclear
      versions.push(found);
    }
  }
  return { versions, consulted };
}
