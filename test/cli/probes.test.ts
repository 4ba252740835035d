// `list` and `doctor` look for Python the cheapest way and only as often as they must: given a
// python3 on PATH that counts its runs, `list` runs it once and its next run remembers the answer,
// `doctor` always runs it again, and neither starts a probe for what no lesson needs (openssl)
// unless it is doctor, which shows it.
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';

/** A folder with a python3 that answers the tutor's probe as Python 3.12 with Flask, and an
 * openssl, each writing a line to runs.log when run. */
function fakeTools(dir: string): { bin: string; runs: () => string[] } {
  const bin = join(dir, 'bin');
  const log = join(dir, 'runs.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'python3'),
    `#!/bin/sh\necho python3 >> '${log}'\nprintf '%s\\000%s\\000%s\\000\\000\\000' 3.12.1 "$0" 3.0.0\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(bin, 'openssl'), `#!/bin/sh\necho openssl >> '${log}'\necho 'OpenSSL 3.0.0'\n`, {
    mode: 0o755,
  });
  const runs = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { bin, runs };
}

describe('requirement probes of list and doctor', () => {
  it('list probes once and then remembers; doctor probes again every time', async () => {
    const dir = tempDir('probes');
    const { bin, runs } = fakeTools(dir);
    const env = {
      ...commandEnv(join(dir, 'workspace')),
      PATH: `${bin}:${process.env.PATH}`,
      XDG_CACHE_HOME: join(dir, 'cache'),
    };
    delete (env as Record<string, string | undefined>).PYTHON;
    const run = (args: string[]) =>
      execa(process.execPath, [binPath, ...args], { env, extendEnv: false, reject: false });

    const first = await run(['list', '--json']);
    expect(first.exitCode).toBe(0);
    const wsgi = (JSON.parse(first.stdout) as { id: string; available: boolean }[]).find((l) => l.id === 'wsgi');
    expect(wsgi?.available).toBe(true); // Flask 3.0.0, as the fake python3 answered
    expect(runs()).toEqual(['python3']); // and no openssl: no lesson needs it

    await run(['list']);
    expect(runs()).toEqual(['python3']); // remembered

    const doctor = await run(['doctor']);
    expect(doctor.stdout).toMatch(/python3\s+python3 3\.12\.1/);
    expect(doctor.stdout).toMatch(/openssl\s+OpenSSL 3\.0\.0/);
    expect(runs().sort()).toEqual(['openssl', 'python3', 'python3']);
    await run(['doctor']);
    expect(runs().filter((r) => r === 'python3')).toHaveLength(3);
  });
});
