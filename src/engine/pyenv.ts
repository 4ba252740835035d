// A pyenv shim is a bash script that runs `pyenv exec`, which runs several more bash programs
// (120 ms or more) to find the interpreter it then execs. This file finds the same interpreter by
// reading the files pyenv reads, as pyenv 2.6 does (libexec/pyenv-exec, -which, -hooks), so the
// tutor can run Python directly. Whatever it cannot answer exactly (another pyenv release, hooks
// it does not know, a version not installed, a PATH it would have to guess about) answers
// undefined, and the caller runs the shim as before: it must name exactly what the shim would run.
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { chooseVersions } from './pyenv-version.js';

export interface PyenvAnswer {
  /** The interpreter the shim would exec. */
  interpreter: string;
  /** Files and folders the answer was read from: if one changes, the answer may. */
  consulted: string[];
}

// The shim pyenv-rehash writes (the SHIM_PATH lines since 2.6.18), with its PYENV_ROOT and pyenv.
const SHIM =
  /^#!\/usr\/bin\/env bash\nset -e\n\[ -n "\$PYENV_DEBUG" \] && set -x\n\nprogram="\$\{0##\*\/\}"\n\nexport PYENV_ROOT="([^"$`\\*?[]+)"\n(SHIM_PATH=\$\{0%\/\*\}\nif \[\[ \$SHIM_PATH != "[^"]*\/shims" \]\]; then\n {2}export _PYENV_SHIM_PATH="\$SHIM_PATH"\nfi\n)?exec "([^"$`\\]+)" exec "\$program" "\$@"\n$/;

/** An executable regular file, as bash's `command -v` and `[ -x ]` on a file find it. */
export function isExecutableFile(path: string): boolean {
  try {
    // Missing is the common answer (each folder of PATH): undefined, not an exception.
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function shimParts(path: string): { root: string; pyenv: string; shimPathLines: boolean } | undefined {
  try {
    if (statSync(path).size > 4096) return undefined;
    const match = SHIM.exec(readFileSync(path, 'utf8'));
    if (!match) return undefined;
    return { root: match[1]!.replace(/\/$/, ''), pyenv: match[3]!, shimPathLines: match[2] !== undefined };
  } catch {
    return undefined;
  }
}

/** pyenv's release, from libexec/pyenv---version beside the pyenv it runs. */
function pyenvRelease(libexec: string): number[] | undefined {
  try {
    const text = readFileSync(join(libexec, 'pyenv---version'), 'utf8');
    return /^version="(\d+)\.(\d+)\.(\d+)/m.exec(text)?.slice(1).map(Number);
  } catch {
    return undefined;
  }
}

function bashFiles(dir: string): string[] {
  if (!existsSync(dir)) return []; // most hook folders are missing: no exception for each
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.bash') && !name.startsWith('.'));
  } catch {
    return [];
  }
}

/** A `which` hook that only acts when the command was not found (pyenv-virtualenv's three are):
 * its code is one `if [ ! -x "${PYENV_COMMAND_PATH}" ]` block, and this file answers only when
 * the command was found. */
function actsOnlyWhenNotFound(file: string): boolean {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    const [first, last] = [lines[0] ?? '', lines[lines.length - 1]];
    return (
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's text, not a template
      first.startsWith('if [ ! -x "${PYENV_COMMAND_PATH}" ]') &&
      last === 'fi' &&
      lines.slice(1, -1).every((line) => /^\s/.test(line))
    );
  } catch {
    return false;
  }
}

/** pyenv-hooks for the commands a shim runs through: every one must be known not to change the
 * answer for `command`. pyenv's pip-rehash exec hook acts on pip and `-m pip` only. */
function hooksAreHarmless(root: string, prefix: string, env: NodeJS.ProcessEnv, command: string): boolean {
  if (/^(pip|easy_install)/.test(command)) return false;
  const paths = [
    ...(env.PYENV_HOOK_PATH ?? '').split(':'),
    join(root, 'pyenv.d'),
    ...(prefix !== root ? [join(prefix, 'pyenv.d')] : []),
    '/usr/etc/pyenv.d',
    '/usr/local/etc/pyenv.d',
    '/etc/pyenv.d',
    '/usr/lib/pyenv/hooks',
    ...subfolders(join(root, 'plugins')).map((plugin) => join(plugin, 'etc', 'pyenv.d')),
  ].filter(Boolean);
  for (const path of paths) {
    if (bashFiles(join(path, 'version-name')).length > 0) return false;
    for (const name of bashFiles(join(path, 'exec')))
      if (name !== 'pip-rehash.bash' || ![root, prefix].some((p) => path === join(p, 'pyenv.d'))) return false;
    for (const name of bashFiles(join(path, 'which')))
      if (!actsOnlyWhenNotFound(join(path, 'which', name))) return false;
  }
  return true;
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  try {
    return readdirSync(dir).map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** The interpreter `shim` (a path, as it would be executed) would run; undefined when it is not
 * a pyenv shim or when the answer would be a guess. */
export function resolvePyenvShim(
  shim: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): PyenvAnswer | undefined {
  if (!isAbsolute(shim)) return undefined;
  const parts = shimParts(shim);
  if (!parts || !isAbsolute(parts.pyenv)) return undefined;
  // Variables a shim or an earlier pyenv left that steer its search: rare, and not worth copying.
  if (Object.keys(env).some((name) => name.startsWith('_PYENV_SHIM_PATHS_') || name.startsWith('BASH_FUNC_')))
    return undefined;
  let libexec: string;
  try {
    libexec = dirname(realpathSync(parts.pyenv));
  } catch {
    return undefined;
  }
  const release = pyenvRelease(libexec);
  if (release?.[0] !== 2 || (release[1] ?? 0) < 6) return undefined;
  const { root } = parts;
  const prefix = dirname(libexec);
  const command = basename(shim);
  if (!hooksAreHarmless(root, prefix, env, command)) return undefined;
  const choice = chooseVersions(root, env, cwd);
  if (!choice) return undefined;
  const consulted = [shim, ...choice.consulted];
  const system = () => systemCommand(root, prefix, shim, parts.shimPathLines, env, command);
  // pyenv-which: the first selected version that has the command, then the system's.
  for (const version of [...choice.versions, 'system']) {
    if (version === 'system') {
      const found = system();
      if (found === undefined) return undefined;
      if (found) return { interpreter: found, consulted };
      continue;
    }
    const candidate = join(root, 'versions', version, 'bin', command);
    consulted.push(candidate);
    const kind = executable(candidate);
    if (kind === 'file') return { interpreter: candidate, consulted };
    if (kind === 'other') return undefined;
  }
  return undefined;
}

/** 'file' for an executable regular file; 'other' for something else bash's `[ -x ]` accepts
 * (a folder); 'none' when there is nothing executable there. */
function executable(path: string): 'file' | 'other' | 'none' {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return 'none';
    accessSync(path, constants.X_OK);
    return stats.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

/** The "system" version: `command -v` on PATH without pyenv's shims folder (and the folder this
 * shim was run from), after the folders pyenv puts first (libexec, plugins' bin); null when there
 * is none, undefined when unclear. */
function systemCommand(
  root: string,
  prefix: string,
  shim: string,
  shimPathLines: boolean,
  env: NodeJS.ProcessEnv,
  command: string,
): string | null | undefined {
  const first = [
    join(prefix, 'libexec'),
    ...subfolders(join(prefix, 'plugins')),
    ...subfolders(join(root, 'plugins')),
  ].map((dir) => (dir.endsWith('libexec') ? dir : join(dir, 'bin')));
  if (first.some((dir) => isExecutableFile(join(dir, command)))) return undefined;
  // pyenv removes these entries by comparing strings, so they are compared as written.
  const skip = new Set([`${root}/shims`, ...(shimPathLines ? [shim.slice(0, shim.lastIndexOf('/'))] : [])]);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty entry means the current folder, `~` bash would expand: not worth copying.
    if (!isAbsolute(dir) || dir.includes('~')) return undefined;
    if (skip.has(dir)) continue;
    const candidate = join(dir, command);
    const kind = executable(candidate);
    if (kind === 'other') continue; // command -v passes over folders
    if (kind === 'file') return shimParts(candidate) ? undefined : candidate;
  }
  return null;
}
