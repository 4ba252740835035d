// The bundle's string-width (scripts/string-width-fast.mjs) answers from a table for strings made
// only of one-column characters that stand alone; everything else goes to string-width. Given
// every character of the table and random mixes, when both are asked, then both say the same.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { seeded } from '../fuzz/random.js';
import fastStringWidth, { NARROW, narrowWidth } from '../../scripts/string-width-fast.mjs';

const table = NARROW as [number, number][];
const segmenter = new Intl.Segmenter();

describe('string-width for the bundle', () => {
  it('lists only characters that are one column wide and a grapheme cluster of their own', () => {
    const wrong: string[] = [];
    for (const [first, last] of table) {
      for (let code = first; code <= last; code++) {
        const c = String.fromCharCode(code);
        // Its own cluster whatever comes before or after it (no mark, joiner, prepend, jamo).
        const alone = [...segmenter.segment(`a${c}a${c}${c}`)].length === 5;
        if (stringWidth(c) !== 1 || stringWidth(`a${c}${c}`) !== 3 || !alone) wrong.push(code.toString(16));
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps its table in order, so a lookup may stop early', () => {
    for (let i = 1; i < table.length; i++) expect(table[i]![0]).toBeGreaterThan(table[i - 1]![1]);
  });

  it('answers as string-width does, colours, emoji, CJK and combining marks included', () => {
    const pieces = [
      'a',
      ' ',
      '✓',
      '◐',
      '·',
      '─',
      '❯',
      '↑',
      'é',
      'e\u0301',
      '👍',
      '❤️',
      '中',
      '\x1b[31m',
      '\x1b[0m',
      '\u200b',
      '\t',
      'ｱﾞ',
      '한',
      '🇫🇷',
      '❤',
      '\u00ad',
    ];
    const random = seeded(42).next;
    for (let n = 0; n < 2000; n++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
      expect([text, fastStringWidth(text)]).toEqual([text, stringWidth(text)]);
    }
    expect(fastStringWidth('')).toBe(0);
    expect(fastStringWidth('·', { ambiguousIsNarrow: false })).toBe(stringWidth('·', { ambiguousIsNarrow: false }));
  });

  it('leaves to string-width what is not in its table', () => {
    expect(narrowWidth('✓ done')).toBe(6);
    expect(narrowWidth('👍')).toBeUndefined();
    expect(narrowWidth('e\u0301')).toBeUndefined();
  });
});
