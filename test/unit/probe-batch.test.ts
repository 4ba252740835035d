// Programs asked for in one tick run through one /bin/sh: given several, each gets its own output
// and exit status back (the one run beside the others its standard output alone), a missing
// program fails without failing the others, and one whose words hold a newline runs on its own.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { runProbe } from '../../src/engine/probe-batch.js';
import { tempDir } from '../helpers/env.js';

/** Running: not gone, and not a zombie waiting for its parent to collect it. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

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

  it('gives up on a program that hangs at the deadline, and stops it', async () => {
    const dir = tempDir('probe-batch-hang');
    const hang = join(dir, 'hang');
    writeFileSync(hang, `#!/bin/sh\necho $$ > '${dir}/pid'\nexec sleep 60\n`);
    chmodSync(hang, 0o755);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const answers = Promise.all([runProbe(hang, [], { beside: true }), runProbe('echo', ['quick'])]);
      await vi.waitFor(() => expect(existsSync(join(dir, 'pid'))).toBe(true));
      await vi.advanceTimersByTimeAsync(5000);
      // The hanging one failed; the quick one answered either way (in time, or not yet under load).
      const [hung, quick] = await answers;
      expect(hung).toEqual({ ok: false, out: '' });
      expect(quick.ok ? quick.out : '').toMatch(/^(quick\n)?$/);
    } finally {
      vi.useRealTimers();
    }
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    await vi.waitFor(() => expect(alive(pid)).toBe(false));
  });

  it('keeps an empty argument of a program batched with others', async () => {
    const [beside, empty] = await Promise.all([
      runProbe('printf', ['%s'], { beside: true }),
      runProbe('printf', ['[%s]', 'x', '', 'y']),
    ]);
    expect(beside).toEqual({ ok: true, out: '' });
    expect(empty).toEqual({ ok: true, out: '[x][][y]' });
  });

  it('runs a program asked for alone as it is', async () => {
    expect(await runProbe('echo', ['alone'])).toEqual({ ok: true, out: 'alone\n' });
  });

  it('stops probes still running when the tutor leaves before they answer', async () => {
    const dir = tempDir('probe-batch-exit');
    // A tutor in miniature: runProbe bundled as the CLI bundles it, two hung probes (one batched
    // through the shell, one beside), then process.exit before they answer, as q on the map does.
    const module = join(dir, 'probe-batch.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, '../../src/engine/probe-batch.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: module,
      logLevel: 'silent',
    });
    const hang = (name: string) => {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\necho $$ > '${file}.pid'\nexec sleep 30\n`);
      chmodSync(file, 0o755);
      return file;
    };
    const [beside, batched, alone] = [hang('beside'), hang('batched'), hang('alone')];
    const script = `
      import { existsSync } from 'node:fs';
      const { runProbe } = await import(${JSON.stringify(module)});
      runProbe(${JSON.stringify(beside)}, [], { beside: true });
      runProbe(${JSON.stringify(batched)}, []);
      runProbe(${JSON.stringify(alone)}, ['']);
      const pids = [${JSON.stringify(beside)}, ${JSON.stringify(batched)}, ${JSON.stringify(alone)}];
      const started = () => pids.every((p) => existsSync(p + '.pid'));
      const wait = setInterval(() => { if (started()) process.exit(0); }, 10);
      setTimeout(() => { clearInterval(wait); process.exit(2); }, 4000);
    `;
    execFileSync(process.execPath, ['--input-type=module', '-e', script]);
    const pids = [beside, batched, alone].map((file) => Number(readFileSync(`${file}.pid`, 'utf8')));
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 3000, interval: 20 });
  });
});
