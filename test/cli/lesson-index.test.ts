// The built lessons' index (dist/lessons/index.json, from scripts/build.mjs) is what the lesson
// map is drawn from: it must say what the catalog says of the built lessons, in its order, and
// an index that is missing or damaged is not trusted (the tutor then loads the catalog).
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lessonCards, readIndex } from '../../src/commands/lesson-cards.js';
import { loadCatalog } from '../../src/engine/catalog.js';
import { packageRoot } from '../../src/engine/paths.js';
import type { LoadedLesson } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';

const built = join(packageRoot, 'dist', 'lessons');
const card = (lesson: LoadedLesson) => ({
  id: lesson.id,
  order: lesson.order,
  title: lesson.title,
  summary: lesson.summary,
  layer: lesson.layer,
  requires: lesson.requires,
  servers: lesson.servers.map((s) => ({
    name: s.name,
    port: s.port,
    ...(s.extraPorts ? { extraPorts: s.extraPorts } : {}),
    ...(s.requires ? { requires: s.requires } : {}),
  })),
  steps: lesson.steps.map((s) => ({ id: s.id, ...(s.requires ? { requires: s.requires } : {}) })),
});

describe('the lesson index (built)', () => {
  it('says what the catalog says of each built lesson, in the catalog order', async () => {
    const index = JSON.parse(readFileSync(join(built, 'index.json'), 'utf8')) as { lessons: unknown[] };
    const catalog = await loadCatalog({ lessonsDir: built });
    expect(catalog.problems).toEqual([]);
    expect(index.lessons).toEqual(catalog.lessons.map(card));
  });

  it('a card opens as its whole lesson; a missing or damaged index is not trusted', async () => {
    const pack = join(tempDir('lesson-index'), 'lessons');
    cpSync(built, pack, { recursive: true });
    expect(await readIndex(pack)).toEqual(JSON.parse(readFileSync(join(built, 'index.json'), 'utf8')).lessons);
    const fromPack = await lessonCards(pack);
    const lesson = await fromPack.load(fromPack.cards[0]!);
    expect(lesson.texts).toBeDefined();
    writeFileSync(join(pack, 'index.json'), '{"lessons":[{"id":1}]}');
    expect(await readIndex(pack)).toBeUndefined();
    rmSync(join(pack, 'index.json'));
    expect(await readIndex(pack)).toBeUndefined();
  });
});
