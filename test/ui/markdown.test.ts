// Step texts render without Markdown syntax showing through, wrap by screen columns without
// losing a word, and keep pictures whole.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/ui/markdown.js';
import { visibleWidth } from '../../src/ui/text-width.js';

const texts = (lines: { text: string }[]) => lines.map((l) => stripVTControlCharacters(l.text));
const words = (lines: { text: string; keep: boolean }[]) =>
  texts(lines.filter((l) => !l.keep))
    .join(' ')
    .split(/[\s│─┼]+/)
    .filter(Boolean);

describe('renderMarkdown', () => {
  it('renders bold and code inside list items instead of showing the asterisks and backticks', async () => {
    const lines = await renderMarkdown('- `>` lines are what curl **sent**\n- a *second* item\n', 60, true);
    const text = texts(lines).join('\n');
    expect(text).toContain('• > lines are what curl sent');
    expect(text).not.toMatch(/\*|`/);
  });

  it('styles inline code and bold in a list item when there is colour', async () => {
    const lines = await renderMarkdown('* `*` lines are **info**\n', 60, false);
    expect(lines[0]!.text).toMatch(/\x1b\[33m\*\x1b\[39m lines are \x1b\[1minfo\x1b\[22m/);
  });

  it('joins a list item hard-wrapped in the source and wraps it again under its own text', async () => {
    const source =
      '1. The first command asks for `http://news.test/` directly. curl must look the name up\n   itself, fails, and exits with code 6.\n2. Second.\n';
    const lines = texts(await renderMarkdown(source, 40, true));
    expect(lines[0]).toMatch(/^1\. The first command asks for/);
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/^ {3}\S/);
    expect(lines.at(-1)).toBe('2. Second.');
    expect(lines.join(' ')).toContain('look the name up itself, fails');
  });

  it('keeps "(" and the word after it together, and starts no wrapped line with a space', async () => {
    const source = `A proxy consumes what is meant for it (${'`Proxy-Authorization`'}) and forwards the rest of the request on.`;
    for (const width of [20, 30, 41, 50]) {
      const lines = texts(await renderMarkdown(source, width, true));
      for (const line of lines) {
        expect(line).not.toMatch(/^\s/);
        expect(line).not.toMatch(/\($/);
        expect(visibleWidth(line)).toBeLessThanOrEqual(width);
      }
    }
  });

  it('fits a table by wrapping its cells, every word kept', async () => {
    const source =
      '| class | meaning | examples |\n| --- | --- | --- |\n| 3xx | look elsewhere | 301, 302, 307, 308; 304 Not Modified (use the copy you have) |\n';
    const lines = await renderMarkdown(source, 50, true);
    for (const line of texts(lines)) expect(visibleWidth(line)).toBeLessThanOrEqual(50);
    expect(lines.every((l) => !l.keep)).toBe(true);
    expect(words(lines)).toEqual(expect.arrayContaining(['Modified', '(use', 'copy', 'have)']));
  });

  it("keeps a code block's lines whole, for the view to scroll sideways", async () => {
    const long = `curl ${'x'.repeat(100)}`;
    const lines = await renderMarkdown(`Text.\n\n\`\`\`\n${long}\n\`\`\`\n`, 40, true);
    const code = lines.find((l) => l.text.includes('curl'))!;
    expect(code.keep).toBe(true);
    expect(code.text).toContain(long);
  });

  describe('every step text of every lesson', () => {
    const root = join(import.meta.dirname, '../../lessons');
    const files = readdirSync(root).flatMap((lesson) =>
      readdirSync(join(root, lesson, 'steps')).map((file) => join(root, lesson, 'steps', file)),
    );
    it.each([60, 79, 100, 120])('wraps at %i columns within the width, losing or changing no word', async (width) => {
      for (const file of files) {
        const source = readFileSync(file, 'utf8');
        const wide = await renderMarkdown(source, 2000, true);
        const narrow = await renderMarkdown(source, width, true);
        for (const line of narrow.filter((l) => !l.keep))
          expect(visibleWidth(line.text), file).toBeLessThanOrEqual(width);
        // A table wraps its cells, so compare words outside tables; prose must be identical.
        const prose = (lines: typeof wide) => words(lines.filter((l) => !/│/.test(l.text)));
        expect(prose(narrow), file).toEqual(prose(wide));
        expect(
          texts(narrow).filter((l) => /^ \S/.test(l)),
          file,
        ).toEqual([]);
      }
    });
  });
});
