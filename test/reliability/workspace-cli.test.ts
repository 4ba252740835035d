// Issue 15, defect 8: a workspace the machine will not let the tutor write (read-only, full, no
// permission, a folder where a file belongs) is the learner's environment, not a bug: the built
// command says what is wrong and what to do, exits 4, and shows no stack trace.
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';

function tutor(workspace: string, args: string[]) {
  return execa(process.execPath, [binPath, ...args, '--workspace', workspace], {
    env: commandEnv(workspace),
    reject: false,
    timeout: 30_000,
  });
}

function expectWords(result: { exitCode?: number; stderr: string }, words: RegExp): void {
  expect(result.stderr).toMatch(words);
  expect(result.stderr).not.toMatch(/a bug|This is a bug|\n\s+at /);
  expect(result.exitCode).toBe(4);
}

// Even root may not make folders under /sys (EPERM): a workspace nobody can write, on any Linux.
const unwritable = '/sys/gateway-tutor-workspace';

describe('a workspace the tutor cannot write', () => {
  it('lab says so and exits 4', async () => {
    const result = await tutor(unwritable, ['lab', 'http-basics']);
    expectWords(result, /could not .*: you do not have permission to write .*gateway-tutor-workspace/);
  });

  it('reset says so and exits 4', async () => {
    const result = await tutor(unwritable, ['reset', 'http-basics', '--yes']);
    expectWords(result, /permission/);
  });

  it('a progress.json that is a folder: list and lab say so and exit 4', async () => {
    const workspace = tempDir('eisdir-cli');
    mkdirSync(join(workspace, 'progress.json'));
    expectWords(await tutor(workspace, ['list']), /progress.json is a folder/);
    expectWords(await tutor(workspace, ['lab', 'http-basics']), /progress.json is a folder/);
  });

  it('a --workspace that names a file: list and lab say so and exit 4', async () => {
    const file = join(tempDir('workspace-file'), 'not-a-folder');
    writeFileSync(file, 'x');
    expectWords(await tutor(file, ['list']), /not-a-folder is a file, where the tutor needs a folder/);
    expectWords(await tutor(file, ['lab', 'http-basics']), /is a file, where the tutor needs a folder/);
  });
});
