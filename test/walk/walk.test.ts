// The lesson walk: for every lesson in lessons/, start its real lab and go through every step as
// a learner would. Each check must fail before the learner acts and pass after; every command the
// lesson shows is run, with the lab's real ports filled in. A new lesson is walked without
// touching this file.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { lessonAvailability } from '../../src/engine/requirements.js';
import { walkLesson } from './walk-lesson.js';

const catalog = await loadCatalog();
const only = process.env.WALK_LESSON;

it('finds lessons, and every lesson folder loads without problems', () => {
  expect(catalog.problems).toEqual([]);
  expect(catalog.lessons.length).toBeGreaterThan(0);
});

for (const lesson of catalog.lessons) {
  if (only && only !== lesson.id) continue;
  const availability = await lessonAvailability(lesson);
  describe.skipIf(!availability.available)(
    `${lesson.id}${availability.available ? '' : ` (skipped: ${availability.missing.map((m) => m.why).join('; ')})`}`,
    () => {
      walkLesson(lesson);
    },
  );
}
