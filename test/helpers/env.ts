// The environment shown commands run in during tests: the built `gateway-tutor` on PATH (so
// `gateway-tutor ctl …` in a lesson works as the learner would type it), the test's workspace,
// and no proxy variables from the machine that would send curl elsewhere.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from '../../src/engine/paths.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gt-${prefix}-`));
}

let shimDir: string | undefined;

/** A folder holding a `gateway-tutor` script that runs this checkout's built CLI. */
export function binShim(): string {
  if (!shimDir) {
    shimDir = tempDir('bin');
    mkdirSync(shimDir, { recursive: true });
    writeFileSync(join(shimDir, 'gateway-tutor'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`, { mode: 0o755 });
  }
  return shimDir;
}

export function commandEnv(workspace: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(https?|all|no)_proxy$/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = `${binShim()}:${process.env.PATH ?? ''}`;
  env.GATEWAY_TUTOR_WORKSPACE = workspace;
  return env;
}
