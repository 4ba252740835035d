// A pyenv shim's interpreter found by reading pyenv's files, as pyenv 2.6 would choose it, in a fake
// PYENV_ROOT: given version files, PYENV_VERSION, PYENV_DIR, prefixes and "system", the resolver
// names the interpreter pyenv would exec; given anything it cannot answer exactly (a version not
// installed, a hook it does not know, another pyenv release, a script that is not a shim), it
// answers undefined, and findPython then runs the shim itself.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolvePyenvShim } from '../../src/engine/pyenv.js';
import { tempDir } from '../helpers/env.js';

const write = (path: string, text: string, mode = 0o644) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
};

/** The shim pyenv-rehash writes, for this root and pyenv. */
const shimText = (root: string, pyenv: string) => `#!/usr/bin/env bash
set -e
[ -n "$PYENV_DEBUG" ] && set -x

program="\${0##*/}"

export PYENV_ROOT="${root}"
SHIM_PATH=\${0%/*}
if [[ $SHIM_PATH != "${root}/shims" ]]; then
  export _PYENV_SHIM_PATH="$SHIM_PATH"
fi
exec "${pyenv}" exec "$program" "$@"
`;

describe('pyenv shim resolution', () => {
  let base: string;
  let root: string;
  let shim: string;
  let system: string;
  let env: NodeJS.ProcessEnv;
  let work: string;

  /** An installed version; its python3 answers the tutor's probe as a real one would. */
  const install = (version: string, withPython3 = true) => {
    const bin = join(root, 'versions', version, 'bin');
    mkdirSync(bin, { recursive: true });
    if (withPython3) write(join(bin, 'python3'), fakePython(version, join(bin, 'python3')), 0o755);
  };
  const fakePython = (version: string, executable: string) =>
    `#!/bin/sh\nprintf '%s\\000%s\\000\\000\\000\\000' '${version}' '${executable}'\n`;
  const resolve = (extra: NodeJS.ProcessEnv = {}, cwd = work) =>
    resolvePyenvShim(shim, { ...env, ...extra }, cwd)?.interpreter;

  beforeEach(() => {
    base = tempDir('pyenv');
    root = join(base, 'pyenv-root');
    // pyenv itself: running it (the shim's way) leaves a mark, so a test can tell it was not run.
    write(join(root, 'libexec', 'pyenv'), `#!/bin/sh\ntouch "${base}/shim-ran"\nexit 1\n`, 0o755);
    write(join(root, 'libexec', 'pyenv---version'), 'set -e\nversion="2.6.30"\n');
    shim = join(root, 'shims', 'python3');
    write(shim, shimText(root, join(root, 'libexec', 'pyenv')), 0o755);
    system = join(base, 'usr-bin', 'python3');
    write(system, fakePython('3.11.2', system), 0o755);
    for (const version of ['3.9.18', '3.11.7', '3.11.10', '3.12.1']) install(version);
    install('2.7.18', false); // no python3 in it, as in a real 2.7
    write(join(root, 'version'), '3.12.1\n');
    work = join(base, 'projects', 'site', 'src');
    mkdirSync(work, { recursive: true });
    env = { PATH: `${join(root, 'shims')}:${join(base, 'usr-bin')}`, HOME: base };
  });

  const versionBin = (version: string) => join(root, 'versions', version, 'bin', 'python3');

  it('reads the global version file when no folder names one', () => {
    expect(resolve()).toBe(versionBin('3.12.1'));
  });

  it('takes the nearest .python-version up from the current folder, comments and blank lines skipped', () => {
    write(join(base, 'projects', '.python-version'), '3.9.18\n');
    expect(resolve()).toBe(versionBin('3.9.18'));
    write(join(base, 'projects', 'site', '.python-version'), '# the site\n\n  3.11.7  trailing words\r\n');
    expect(resolve()).toBe(versionBin('3.11.7'));
  });

  it('gives PYENV_VERSION precedence over the files, and PYENV_DIR over the current folder', () => {
    write(join(work, '.python-version'), '3.11.7\n');
    expect(resolve({ PYENV_VERSION: '3.9.18' })).toBe(versionBin('3.9.18'));
    const other = join(base, 'other');
    write(join(other, '.python-version'), '3.9.18\n');
    expect(resolve({ PYENV_DIR: other })).toBe(versionBin('3.9.18'));
  });

  it('goes down a list of versions to the first that has python3', () => {
    write(join(work, '.python-version'), '2.7.18\n3.11.7\n');
    expect(resolve()).toBe(versionBin('3.11.7'));
    expect(resolve({ PYENV_VERSION: '2.7.18:3.9.18' })).toBe(versionBin('3.9.18'));
  });

  it('resolves a prefix to the newest installed version it names, numerically', () => {
    expect(resolve({ PYENV_VERSION: '3.11' })).toBe(versionBin('3.11.10'));
    expect(resolve({ PYENV_VERSION: 'python-3.9' })).toBe(versionBin('3.9.18'));
  });

  it('finds "system" on PATH past the shims folder, also after versions without python3', () => {
    expect(resolve({ PYENV_VERSION: 'system' })).toBe(system);
    write(join(work, '.python-version'), 'system\n');
    expect(resolve()).toBe(system);
    expect(resolve({ PYENV_VERSION: '2.7.18' })).toBe(system);
    write(join(work, '.python-version'), '\n');
    expect(resolve()).toBe(system); // a local file with no version means system, not the global one
  });

  it('does not answer for a version that is not installed, an unknown hook, another release, or a plain script', () => {
    expect(resolve({ PYENV_VERSION: '3.13.0' })).toBeUndefined();
    write(join(work, '.python-version'), '3.14\n');
    expect(resolve()).toBeUndefined();
    expect(resolvePyenvShim(system, env, work)).toBeUndefined();
    write(join(root, 'pyenv.d', 'which', 'mine.bash'), 'PYENV_COMMAND_PATH=/elsewhere/python3\n');
    expect(resolve({ PYENV_VERSION: '3.9.18' })).toBeUndefined();
  });

  it('does not answer for a pyenv older than 2.6, whose rules differ', () => {
    write(join(root, 'libexec', 'pyenv---version'), 'version="2.3.9"\n');
    expect(resolve()).toBeUndefined();
  });

  describe('findPython', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      vi.resetModules();
      process.env.PATH = `${env.PATH}:${saved.PATH}`;
      process.env.XDG_CACHE_HOME = join(base, 'cache');
      process.env.PWD = work;
      delete process.env.PYTHON;
      delete process.env.PYENV_VERSION;
      delete process.env.PYENV_DIR;
      vi.spyOn(process, 'cwd').mockReturnValue(work);
    });
    afterEach(() => {
      process.env = { ...saved };
      vi.restoreAllMocks();
    });

    it('runs the interpreter pyenv would pick, without running the shim', async () => {
      const { findPython, probeAfresh } = await import('../../src/engine/requirements.js');
      probeAfresh();
      const python = await findPython();
      expect(python).toMatchObject({ path: 'python3', version: '3.12.1', executable: versionBin('3.12.1') });
      expect(existsSync(join(base, 'shim-ran'))).toBe(false);
    });

    it('runs the shim when the version is not installed', async () => {
      process.env.PYENV_VERSION = '3.13.0';
      const { findPython, probeAfresh } = await import('../../src/engine/requirements.js');
      probeAfresh();
      await findPython();
      expect(existsSync(join(base, 'shim-ran'))).toBe(true);
    });
  });
});
