// The lesson loader names the file and the problem for every broken lesson, and loads good ones
// from any folder (--lessons DIR).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { tempDir } from '../helpers/env.js';

const tiny = join(import.meta.dirname, '..', 'fixtures', 'tiny-server.mjs');

function lessonFolder(root: string, folder: string, definition: string, texts: string[] = ['intro.md']): void {
  const dir = join(root, folder);
  mkdirSync(join(dir, 'steps'), { recursive: true });
  writeFileSync(join(dir, 'lesson.mjs'), definition);
  for (const text of texts) writeFileSync(join(dir, 'steps', text), '# text\n');
}

const good = (id: string) => `export default {
  id: '${id}', title: 'Good', summary: 's', layer: 'client', requires: [],
  servers: [{ name: 'web', role: 'r', program: { node: ${JSON.stringify(tiny)} }, port: 9000 }],
  steps: [
    { id: 'intro', kind: 'read', title: 'Intro', text: 'steps/intro.md', commands: ['curl {{web.url}}/'] },
    { id: 'probe', kind: 'probe', title: 'Probe', text: 'steps/intro.md', check: async () => ({ status: 'pass', message: 'ok' }) },
  ],
};`;

describe('loadCatalog', () => {
  it('loads lessons from a pack folder, in folder-number order', async () => {
    const root = tempDir('pack');
    lessonFolder(root, '02-second', good('second'));
    lessonFolder(root, '01-first', good('first'));
    const catalog = await loadCatalog({ lessonsDir: root });
    expect(catalog.problems).toEqual([]);
    expect(catalog.lessons.map((l) => l.id)).toEqual(['first', 'second']);
    expect(catalog.find('second')?.texts.intro).toBe('# text\n');
  });

  it('names the file and the problem for each kind of mistake', async () => {
    const root = tempDir('pack');
    lessonFolder(root, '01-first', good('first'));
    lessonFolder(root, '02-first', good('first'));
    lessonFolder(root, '03-missing-text', good('missing-text'), []);
    lessonFolder(root, '04-wrong', good('other'));
    lessonFolder(
      root,
      '05-bad-steps',
      `export default {
        id: 'bad-steps', title: 'Bad', summary: 's', layer: 'client', requires: [],
        servers: [{ name: 'web', role: 'r', program: { node: '/nowhere/server.mjs' }, port: 9000 }],
        steps: [
          { id: 'a', kind: 'probe', title: 'A', text: 'steps/intro.md' },
          { id: 'a', kind: 'read', title: 'A again', text: 'steps/intro.md', commands: ['curl {{proxy.url}}/', 'curl {{web.nope}}'] },
          { id: 'b', kind: 'answer', title: 'B', text: 'steps/intro.md', check: async () => ({}) },
        ],
      };`,
    );
    mkdirSync(join(root, '06-empty'));
    const { problems, lessons } = await loadCatalog({ lessonsDir: root });
    const text = problems.join('\n');
    expect(text).toMatch(/02-first: lesson id "first" is already used by .*01-first/);
    expect(text).toMatch(/03-missing-text\/lesson.mjs: step "intro" names steps\/intro.md, which does not exist/);
    expect(text).toMatch(/04-wrong\/lesson.mjs: id "other" does not match the folder name's id "wrong"/);
    expect(text).toMatch(/05-bad-steps\/lesson.mjs: server "web": program \/nowhere\/server.mjs does not exist/);
    expect(text).toMatch(/step "a" is a probe step but has no check/);
    expect(text).toMatch(/step id "a" is used twice/);
    expect(text).toMatch(/\{\{proxy.url\}\} names no server of this lesson \(servers: web\)/);
    expect(text).toMatch(/\{\{web.nope\}\}: server "web" has no "nope"/);
    expect(text).toMatch(/answer step "b" needs a solve\(\)/);
    expect(text).toMatch(/06-empty: no lesson.js or lesson.ts/);
    expect(lessons.map((l) => l.id)).toEqual(['first']);
  });

  it('says so when the folder does not exist', async () => {
    const { problems, lessons } = await loadCatalog({ lessonsDir: '/no/such/folder' });
    expect(lessons).toEqual([]);
    expect(problems).toEqual(['/no/such/folder: no such lessons folder']);
  });
});
