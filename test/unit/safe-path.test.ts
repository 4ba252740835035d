// lib/safe-path.mjs: the one check every file a lab server opens from a learner's folder passes.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, openInside, realPathInside } from '../../src/servers/lib/safe-path.mjs';
import { tempDir } from '../helpers/env.js';

function folder() {
  // Given a learner's folder with a file, a link inside, a link out, and a folder link out
  const base = tempDir('safe-path');
  const root = join(base, 'static');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'page.txt'), 'inside');
  writeFileSync(join(base, 'secret.txt'), 'outside');
  symlinkSync(join(root, 'page.txt'), join(root, 'alias.txt'));
  symlinkSync(join(base, 'secret.txt'), join(root, 'docs', 'index.html'));
  symlinkSync(base, join(root, 'up'));
  // and a root reached through a link of its own
  symlinkSync(root, join(base, 'root-link'));
  return { base, root };
}

describe('safe-path', () => {
  it('finds files and links that stay inside, even through a linked root', async () => {
    const { base, root } = folder();
    expect(await realPathInside(root, 'page.txt')).toMatchObject({ ok: true, path: join(root, 'page.txt') });
    expect(await realPathInside(root, 'alias.txt')).toMatchObject({ ok: true, path: join(root, 'page.txt') });
    expect(await realPathInside(join(base, 'root-link'), 'page.txt')).toMatchObject({ ok: true });
    const opened = await openInside(root, 'alias.txt');
    expect(opened.ok).toBe(true);
    if (opened.ok) {
      expect(await opened.handle.readFile('utf8')).toBe('inside');
      await opened.handle.close();
    }
  });

  it('refuses links out, "..", and folders; says which', async () => {
    const { root } = folder();
    expect(await realPathInside(root, 'docs', 'index.html')).toEqual({ ok: false, reason: 'outside' });
    expect(await realPathInside(root, 'up', 'secret.txt')).toEqual({ ok: false, reason: 'outside' });
    expect(await realPathInside(root, '..', 'secret.txt')).toEqual({ ok: false, reason: 'outside' });
    expect(await realPathInside(root, 'nope.txt')).toEqual({ ok: false, reason: 'missing' });
    expect(await openInside(root, 'docs', 'index.html')).toEqual({ ok: false, reason: 'outside' });
    expect(await openInside(root, 'docs')).toEqual({ ok: false, reason: 'not-a-file' });
  });

  it('does not take a sibling with the same prefix for the inside', () => {
    expect(isInside('/srv/static', '/srv/static/a')).toBe(true);
    expect(isInside('/srv/static', '/srv/static')).toBe(true);
    expect(isInside('/srv/static', '/srv/static-evil/a')).toBe(false);
  });
});
