// Programs asked for in one tick run through one /bin/sh: given several, each gets its own output
// and exit status back (the one run beside the others its standard output alone), a missing
// program fails without failing the others, and one whose words hold a newline runs on its own.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../src/engine/probe-batch.js';
import { tempDir } from '../helpers/env.js';

describe('runProbe', () => {
  it('answers each program of a batch with its own output and status', async () => {
    const dir = tempDir('probe-batch');
    const slow = join(dir, 'slow');
    writeFileSync(slow, '#!/bin/sh\nsleep 0.2\nprintf "a\\000b"\necho noise >&2\nexit 0\n');
    chmodSync(slow, 0o755);
    const [beside, echo, failing, missing, multiline] = await Promise.all([
      runProbe(slow, ['x y', 'line\none'], { beside: true }),
      runProbe('echo', ['hello', 'world']),
      runProbe('sh', ['-c', 'echo out; echo err >&2; exit 3']),
      runProbe(join(dir, 'no-such-program'), ['--version']),
      runProbe('printf', ['%s', 'two\nlines']),
    ]);
    expect(beside).toEqual({ ok: true, out: 'a\0b' });
    expect(echo).toEqual({ ok: true, out: 'hello world\n' });
    expect(failing).toEqual({ ok: false, out: 'out\nerr\n' });
    expect(missing.ok).toBe(false);
    expect(multiline).toEqual({ ok: true, out: 'two\nlines' });
  });

  it('runs a program asked for alone as it is', async () => {
    expect(await runProbe('echo', ['alone'])).toEqual({ ok: true, out: 'alone\n' });
  });
});
