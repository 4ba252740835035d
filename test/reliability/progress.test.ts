// Issue 15, defects 5, 6, 8 (the library side) and 9: progress is never lost. One writer at a time
// (a lock file, stale locks recovered), a write that fails is said in words and kept in memory
// until it can be written, and odd but harmless files are read as what they mean.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TutorError } from '../../src/engine/errors.js';
import { Progress } from '../../src/engine/progress.js';
import { LessonSession } from '../../src/engine/session.js';
import { tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';
import { FakeLab } from '../ui/helpers/fake-lab.js';
import { warmUp } from '../ui/helpers/lessons.js';

// A disk that can be made full: writing a temporary file (how every save starts) then fails
// with ENOSPC, as it would on a real full disk.
const disk = vi.hoisted(() => ({ full: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, ...rest) => {
    if (disk.full && String(path).endsWith('.tmp'))
      throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(path)}'`), {
        code: 'ENOSPC',
        path: String(path),
      });
    return real.open(path, ...rest);
  };
  return { ...real, open, default: { ...real, open } };
});

afterEach(() => {
  disk.full = false;
});

const onDisk = (workspace: string) =>
  JSON.parse(readFileSync(join(workspace, 'progress.json'), 'utf8')) as {
    lessons: Record<string, { passed: string[] }>;
  };

describe('progress on a full disk (defect 5)', () => {
  it('says so in words, keeps the pass in memory, and writes it once the disk has room', async () => {
    const workspace = tempDir('full');
    const progress = await Progress.open(workspace);
    await progress.markPassed('http-basics', 'one');

    disk.full = true;
    const error = await progress.markPassed('http-basics', 'two').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TutorError);
    expect((error as TutorError).message).toBe('Your progress could not be saved: the disk is full.');
    expect((error as TutorError).exitCode).toBe(4);
    expect(progress.isPassed('http-basics', 'two')).toBe(true);
    expect(onDisk(workspace).lessons['http-basics']!.passed).toEqual(['one']);

    disk.full = false;
    await progress.markPassed('http-basics', 'three');
    expect(onDisk(workspace).lessons['http-basics']!.passed).toEqual(['one', 'two', 'three']);
  });

  it('shows the failure under the "passed" result in the TUI session', async () => {
    // Given a probe step that passes as soon as the lab sees a request
    const lab = new FakeLab(warmUp(), (_step, events) =>
      events.some((e) => e.event === 'request')
        ? { status: 'pass', message: 'The origin saw it.', details: [] }
        : { status: 'fail', message: 'Nothing yet.', details: [] },
    );
    const progress = await Progress.open(tempDir('full-tui'));
    await progress.markPassed('warm-up', 'look');
    const session = new LessonSession(lab, progress, { lessonWorkspace: '/nowhere', pollMs: 50, settleMs: 20 });
    try {
      expect(session.snapshot().step.id).toBe('get');
      await session.flushed(); // the step it opened at is written down while the disk has room
      disk.full = true;
      // When the step passes on a full disk
      lab.request({ target: '/' });
      await waitFor(() => session.snapshot().passed.has('get'), 'the step to pass', 3000);
      await session.flushed();
      // Then the learner reads both: it passed, and it could not be saved (under the result while
      // it is shown; the lesson view shows progressError on its own otherwise)
      const { result, progressError, passed } = session.snapshot();
      expect(passed.has('get')).toBe(true);
      expect(progressError).toMatch(/^Your progress could not be saved: the disk is full\./);
      if (result?.step === 'get') expect(result.details.join('\n')).toMatch(/could not be saved: the disk is full/);
    } finally {
      session.dispose();
    }
  });
});

describe('progress with several writers (defect 6)', () => {
  it('keeps every pass when twenty writers pass steps at the same moment', async () => {
    const workspace = tempDir('writers');
    const writers = await Promise.all(Array.from({ length: 20 }, () => Progress.open(workspace)));
    await Promise.all(writers.map((writer, i) => writer.markPassed('http-basics', `step-${i}`)));
    expect(onDisk(workspace).lessons['http-basics']!.passed.sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `step-${i}`).sort(),
    );
  });

  it('keeps every pass when separate processes pass steps at the same moment', async () => {
    // The real case: the TUI and `check` in another terminal. Progress is bundled for node.
    const dir = tempDir('writers-bundle');
    const bundle = join(dir, 'progress.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, '../../src/engine/progress.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'silent',
    });
    const workspace = tempDir('writers-procs');
    const script = `const { Progress } = await import(${JSON.stringify(bundle)});
      const p = await Progress.open(process.argv[1]);
      for (let i = 0; i < 5; i++) await p.markPassed('http-basics', process.argv[2] + '-' + i);`;
    const runs = Array.from(
      { length: 6 },
      (_, n) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, workspace, `p${n}`], {
            stdio: 'inherit',
          });
          child.on('exit', (code) => resolve(code ?? -1));
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(onDisk(workspace).lessons['http-basics']!.passed).toHaveLength(30);
  });

  it('takes over a lock left by a writer that died, and never leaves one of its own', async () => {
    const workspace = tempDir('stale');
    writeFileSync(join(workspace, 'progress.json.lock'), `999999999 ${Date.now()} dead`);
    const progress = await Progress.open(workspace);
    await progress.markPassed('http-basics', 'one');
    expect(onDisk(workspace).lessons['http-basics']!.passed).toEqual(['one']);
    expect(() => readFileSync(join(workspace, 'progress.json.lock'))).toThrow(/ENOENT/);
  });
});

describe('odd progress files', () => {
  it('reads {"version":1,"lessons":[]} as nothing passed yet, and writes the next pass (defect 9)', async () => {
    const workspace = tempDir('list');
    writeFileSync(join(workspace, 'progress.json'), '{"version":1,"lessons":[]}');
    const progress = await Progress.open(workspace);
    expect(progress.warning).toBeUndefined();
    await progress.markPassed('http-basics', 'verbose-get');
    expect((await Progress.open(workspace)).passed('http-basics')).toEqual(['verbose-get']);
  });

  it('says in words that progress.json is a folder, with exit code 4 (defect 8)', async () => {
    const workspace = tempDir('eisdir');
    mkdirSync(join(workspace, 'progress.json'));
    const error = await Progress.open(workspace).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TutorError);
    expect((error as TutorError).message).toMatch(/Your progress could not be read: .*progress.json is a folder/);
    expect((error as TutorError).hint).toMatch(/mv /);
    expect((error as TutorError).exitCode).toBe(4);
  });
});
