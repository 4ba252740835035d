// Every command a step text shows in a code block is one the lesson declares in a step's
// `commands`, so the walk test runs it: nothing on screen goes untested.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';

const catalog = await loadCatalog();
const COMMAND = /^(\$ )?(curl |\{\{tutor\}\}|gateway-tutor |https?_proxy=|tail |cat |python3? )/;

describe.each(catalog.lessons.map((lesson) => [lesson.id, lesson] as const))('%s step texts', (_id, lesson) => {
  const declared = new Set(lesson.steps.flatMap((step) => step.commands ?? []).map((c) => c.trim()));
  it('show only commands the walk test runs', () => {
    const unrun: string[] = [];
    for (const step of lesson.steps) {
      const text = lesson.texts[step.id] ?? '';
      for (const block of text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)) {
        for (const line of block[2]!.split('\n')) {
          const command = line.trim().replace(/^\$ /, '');
          const drawing = /[─═│▶◀✕┌└╔]|\S\s{3,}\S/.test(line);
          if (COMMAND.test(line.trim()) && !drawing && !declared.has(command)) unrun.push(`${step.text}: ${command}`);
        }
      }
    }
    expect(unrun).toEqual([]);
  });
});
