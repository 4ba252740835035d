// The environment commands run in during tests: the test's workspace for the tutor's own
// commands, and no proxy variables from the machine that would send curl elsewhere. Nothing is
// added to PATH: a lesson's shown `{{tutor}} …` commands must work as a learner would paste them.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gt-${prefix}-`));
}

/** A folder whose path has a space and a quote in it, as a learner's might. */
export function awkwardDir(prefix: string): string {
  const dir = join(tempDir(prefix), 'my labs', "ada's");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The machine's environment less proxy variables. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(https?|all|no)_proxy$/i.test(key) || key === 'GATEWAY_TUTOR_WORKSPACE') continue;
    env[key] = value;
  }
  return env;
}

/** For running the built CLI against `workspace`. */
export function commandEnv(workspace: string): Record<string, string> {
  return { ...cleanEnv(), GATEWAY_TUTOR_WORKSPACE: workspace };
}
