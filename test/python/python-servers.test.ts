// The Python lab servers have their own unittest suites (src/servers/python/tests). This runs
// them with the Python the lessons use, so `npm test` covers them, and shows their output on failure.
// Their servers are started by the tutor (`gateway-tutor lab`, from dist/: run `npm run build` first)
// under this Node.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPython } from '../../src/engine/requirements.js';

const root = join(import.meta.dirname, '..', '..');
const python = await findPython();

describe.skipIf(!python)(
  `Python lab servers (unittest)${python ? '' : ' (skipped: no Python 3.9+ found; set PYTHON)'}`,
  () => {
    it('src/servers/python/tests pass', async () => {
      const tests = join(root, 'src/servers/python/tests');
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          python!.path,
          ['-W', 'ignore::ResourceWarning', '-m', 'unittest', 'discover', '-s', tests, '-t', tests],
          {
            cwd: root,
            timeout: 170_000,
            maxBuffer: 16 * 1024 * 1024,
            env: { ...process.env, GT_NODE: process.execPath },
          },
          (error, stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
              output: `${stdout}${stderr}`,
            }),
        );
      });
      expect(code, `python -m unittest failed:\n${output}`).toBe(0);
      expect(output).toMatch(/\bOK\b/);
    }, 180_000);
  },
);
