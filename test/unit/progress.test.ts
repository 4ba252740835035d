// Progress survives restarts, is written atomically, and a damaged file never crashes the tutor.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/engine/progress.js';
import { tempDir } from '../helpers/env.js';

describe('Progress', () => {
  it('keeps passed steps and the current step across opens', async () => {
    const workspace = tempDir('progress');
    const first = await Progress.open(workspace);
    await first.markPassed('http-basics', 'verbose-get');
    await first.markPassed('http-basics', 'verbose-get');
    await first.setCurrent('http-basics', 'own-header');
    const again = await Progress.open(workspace);
    expect(again.passed('http-basics')).toEqual(['verbose-get']);
    expect(again.isPassed('http-basics', 'verbose-get')).toBe(true);
    expect(again.current('http-basics')).toBe('own-header');
    expect(again.lastLesson()).toBe('http-basics');
    expect(readdirSync(workspace).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('remembers a step solved with help, apart from its pass', async () => {
    const workspace = tempDir('progress');
    const progress = await Progress.open(workspace);
    await progress.markHelped('wsgi', 'hello-json');
    const again = await Progress.open(workspace);
    expect(again.isHelped('wsgi', 'hello-json')).toBe(true);
    expect(again.isPassed('wsgi', 'hello-json')).toBe(false);
    expect(again.isHelped('wsgi', 'other')).toBe(false);
  });

  it('sees what another process wrote before it writes', async () => {
    const workspace = tempDir('progress');
    const tui = await Progress.open(workspace);
    const cli = await Progress.open(workspace);
    await cli.markPassed('http-basics', 'a');
    await tui.markPassed('http-basics', 'b');
    expect((await Progress.open(workspace)).passed('http-basics')).toEqual(['a', 'b']);
  });

  it('sets a damaged file aside with a warning and starts fresh', async () => {
    const workspace = tempDir('progress');
    writeFileSync(join(workspace, 'progress.json'), '{"version":1,"lessons":{"x":{"pass');
    const progress = await Progress.open(workspace);
    expect(progress.warning).toMatch(/could not be read, so it was set aside as .*progress.json.damaged-/);
    expect(progress.passed('x')).toEqual([]);
    const aside = readdirSync(workspace).find((f) => f.startsWith('progress.json.damaged-'))!;
    expect(readFileSync(join(workspace, aside), 'utf8')).toContain('"pass');
    await progress.markPassed('x', 'one');
    expect(existsSync(join(workspace, 'progress.json'))).toBe(true);
  });

  it('forgets one lesson or everything', async () => {
    const workspace = tempDir('progress');
    const progress = await Progress.open(workspace);
    await progress.markPassed('a', '1');
    await progress.markPassed('b', '1');
    await progress.reset('a');
    expect(progress.passed('a')).toEqual([]);
    expect(progress.passed('b')).toEqual(['1']);
    await progress.reset();
    expect((await Progress.open(workspace)).passed('b')).toEqual([]);
  });
});
