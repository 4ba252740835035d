// The Python probe (src/engine/python-probe.ts) finds the lessons' modules without importing them.
// Its answer must be the one the learner's own `python3 app.py` would get, or a learner is told
// "Flask is missing" when it is not. So each case here builds an import path of one kind (a venv,
// a venv with system site packages, a user site with .pth files and usercustomize, PYTHONPATH
// with a sitecustomize, an editable install's import hook, the current folder), on every Python
// this machine has (Debian's, pyenv's), and says what the probe must find there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBE_ARGS, parseProbe } from '../../src/engine/python-probe.js';
import { tempDir } from '../helpers/env.js';

const pyenvRoot = process.env.PYENV_ROOT || join(homedir(), '.pyenv');
const pythons = [
  '/usr/bin/python3',
  ...(() => {
    try {
      return readdirSync(join(pyenvRoot, 'versions'))
        .filter((version) => /^3\.(9|1\d)\.\d+$/.test(version))
        .map((version) => join(pyenvRoot, 'versions', version, 'bin', 'python3'));
    } catch {
      return [];
    }
  })(),
].filter((python) => existsSync(python));

/** The environment without the variables that steer Python's import path, and an empty user
 * site of the test's own unless a case sets one. */
function baseEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUSERBASE: join(dir, 'no-user-base') };
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'PYTHONNOUSERSITE', 'PYTHONSAFEPATH', 'VIRTUAL_ENV'])
    delete env[name];
  return { ...env, ...extra };
}

/** Runs the probe; returns its answer. */
function probe(python: string, env: NodeJS.ProcessEnv, cwd: string) {
  const out = execFileSync(python, PROBE_ARGS, { env, cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const answer = parseProbe(out);
  if (!answer) throw new Error(`not a probe answer: ${JSON.stringify(out)}`);
  return answer;
}

/** A module folder `name` under `dir`, with a .dist-info of `version` beside it when given. */
function fakeModule(dir: string, name: string, version?: string, body = ''): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, '__init__.py'), body);
  if (version) mkdirSync(join(dir, `${name}-${version}.dist-info`), { recursive: true });
}

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A virtual environment as `python -m venv --without-pip` makes one: pyvenv.cfg, bin/python3
 * linking to the interpreter, an empty site-packages. */
function venv(python: string, dir: string, short: string, systemSite: boolean): { python: string; site: string } {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  symlinkSync(python, join(dir, 'bin', 'python3'));
  writeFileSync(
    join(dir, 'pyvenv.cfg'),
    `home = ${dirname(python)}\ninclude-system-site-packages = ${systemSite}\nversion = ${short}\n`,
  );
  const site = join(dir, 'lib', `python${short}`, 'site-packages');
  mkdirSync(site, { recursive: true });
  return { python: join(dir, 'bin', 'python3'), site };
}

describe.each(pythons)('the probe finds what a start of %s imports', (python) => {
  const short = execFileSync(python, ['-S', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])
    .toString()
    .trim();
  const [, minor = 0] = short.split('.').map(Number);
  const debian = python === '/usr/bin/python3';
  /** What this Python finds as installed, with no user site and nothing else added. */
  const installed = (dir: string) => probe(python, baseEnv(dir), '/').modules;

  it('as installed (Debian: python3-flask, -gunicorn, -uvicorn in dist-packages)', () => {
    const dir = tempDir('probe');
    const answer = probe(python, baseEnv(dir), dir);
    expect(answer.version.startsWith(`${short}.`)).toBe(true);
    if (debian && existsSync('/usr/lib/python3/dist-packages/flask')) expect(answer.modules.flask).toMatch(/^\d+\.\d+/);
  });

  it('in a venv: its own site-packages, not the system one, and no user site', () => {
    const dir = tempDir('probe');
    const env = venv(python, join(dir, 'venv'), short, false);
    fakeModule(env.site, 'flask', '3.0.3');
    const userSite = join(dir, 'user', 'lib', `python${short}`, 'site-packages');
    fakeModule(userSite, 'gunicorn', '22.0.0');
    const answer = probe(env.python, baseEnv(dir, { PYTHONUSERBASE: join(dir, 'user') }), dir);
    expect(answer.modules).toEqual({ flask: '3.0.3', gunicorn: null, uvicorn: null });
    expect(answer.importPath).toContain(env.site);
  });

  it('in a venv with include-system-site-packages: its own first, then the system ones', () => {
    const dir = tempDir('probe');
    const env = venv(python, join(dir, 'venv'), short, true);
    fakeModule(env.site, 'uvicorn', '0.30.1');
    const answer = probe(env.python, baseEnv(dir), dir);
    expect(answer.modules.uvicorn).toBe('0.30.1');
    if (debian && existsSync('/usr/lib/python3/dist-packages/flask')) expect(answer.modules.flask).toMatch(/^\d+\.\d+/);
  });

  it('with a user site, its .pth files and usercustomize; and without it under PYTHONNOUSERSITE', () => {
    const dir = tempDir('probe');
    const userSite = join(dir, 'user', 'lib', `python${short}`, 'site-packages');
    fakeModule(userSite, 'gunicorn', '22.0.0');
    fakeModule(join(dir, 'from-user-pth'), 'flask', '3.0.1');
    write(join(userSite, 'mine.pth'), '# a comment\n\n../../../../from-user-pth\n/no/such/folder\n');
    fakeModule(join(dir, 'from-usercustomize'), 'uvicorn', '0.29.0');
    write(
      join(userSite, 'usercustomize.py'),
      `import sys\nsys.path.insert(0, ${JSON.stringify(join(dir, 'from-usercustomize'))})\n`,
    );
    const env = baseEnv(dir, { PYTHONUSERBASE: join(dir, 'user') });
    expect(probe(python, env, dir).modules).toEqual({ flask: '3.0.1', gunicorn: '22.0.0', uvicorn: '0.29.0' });
    expect(probe(python, { ...env, PYTHONNOUSERSITE: '1' }, dir).modules).toEqual(installed(dir));
  });

  it('with PYTHONPATH (whose .pth files site does not read) and a sitecustomize there', () => {
    const dir = tempDir('probe');
    const extra = join(dir, 'extra');
    fakeModule(extra, 'uvicorn', '0.28.0');
    fakeModule(join(dir, 'named-by-pth'), 'gunicorn', '21.2.0');
    write(join(extra, 'ignored.pth'), '../named-by-pth\n');
    fakeModule(join(dir, 'from-sitecustomize'), 'flask', '2.3.3');
    write(
      join(extra, 'sitecustomize.py'),
      `import sys\nsys.path.insert(0, ${JSON.stringify(join(dir, 'from-sitecustomize'))})\n`,
    );
    const answer = probe(python, baseEnv(dir, { PYTHONPATH: extra }), dir);
    expect(answer.modules.uvicorn).toBe('0.28.0');
    expect(answer.modules.flask).toBe('2.3.3');
    expect(answer.modules.gunicorn).toBe(installed(dir).gunicorn);
  });

  it('runs .pth import lines: an editable install import hook, sys.path changes, a line calling exec', () => {
    const dir = tempDir('probe');
    const env = venv(python, join(dir, 'venv'), short, false);
    // As setuptools' editable installs do: a finder on sys.meta_path that maps a name to a folder.
    fakeModule(join(dir, 'checkout', 'src'), 'uvicorn');
    write(
      join(env.site, '__editable___uvicorn_finder.py'),
      `import sys\nfrom importlib.machinery import PathFinder\nMAPPING = {"uvicorn": ${JSON.stringify(join(dir, 'checkout', 'src'))}}\nclass Finder:\n    @classmethod\n    def find_spec(cls, name, path=None, target=None):\n        if name in MAPPING:\n            return PathFinder.find_spec(name, [MAPPING[name]])\n        return None\ndef install():\n    sys.meta_path.append(Finder)\n`,
    );
    write(
      join(env.site, '__editable__.uvicorn-0.30.0.pth'),
      'import __editable___uvicorn_finder; __editable___uvicorn_finder.install()\n',
    );
    fakeModule(join(dir, 'front'), 'gunicorn', '23.0.0');
    write(join(env.site, 'front.pth'), `import\tsys; sys.path.insert(0, ${JSON.stringify(join(dir, 'front'))})\n`);
    fakeModule(join(dir, 'by-exec'), 'flask', '3.1.0');
    write(
      join(env.site, 'by-exec.pth'),
      // exec() called by the line itself: the name it sets is the line's to use.
      `import sys; exec(${JSON.stringify(`where = ${JSON.stringify(join(dir, 'by-exec'))}`)}); sys.path.append(where)\n`,
    );
    const answer = probe(env.python, baseEnv(dir), dir);
    expect(answer.modules).toEqual({ flask: '3.1.0', gunicorn: '23.0.0', uvicorn: 'installed' });
  });

  it('finds what is in the current folder, and with PYTHONPATH naming it too; not under PYTHONSAFEPATH', () => {
    const dir = tempDir('probe');
    const work = join(dir, 'work');
    fakeModule(work, 'flask');
    expect(probe(python, baseEnv(dir), work).modules.flask).toBe('installed');
    expect(probe(python, baseEnv(dir, { PYTHONPATH: work }), work).modules.flask).toBe('installed');
    if (minor >= 11)
      expect(probe(python, baseEnv(dir, { PYTHONSAFEPATH: '1' }), work).modules.flask).toBe(installed(dir).flask);
  });
});
