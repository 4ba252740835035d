// The bundle's grapheme segmenter (scripts/grapheme-segmenter.mjs) cuts simple strings itself and
// hands the rest to Intl.Segmenter. Given random strings, when both cut them, then they agree on
// every segment, its index, and the segment containing each index.
import { describe, expect, it } from 'vitest';
import { seeded } from '../fuzz/random.js';
import { GraphemeSegmenter, isSimple } from '../../scripts/grapheme-segmenter.mjs';

const intl = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const ours = new GraphemeSegmenter(undefined, { granularity: 'grapheme' });
const plain = (segments: Iterable<{ segment: string; index: number }>) =>
  [...segments].map(({ segment, index }) => [segment, index]);

describe('grapheme segmenter for the bundle', () => {
  it('cuts as Intl.Segmenter does, simple strings and others', () => {
    const pieces = [
      'a',
      ' ',
      '\x1b',
      '[',
      '3',
      '1',
      'm',
      '✓',
      '◐',
      '·',
      '─',
      '❯',
      '↑',
      'é',
      '›',
      '中',
      'e\u0301',
      '👍',
      '\r\n',
      '\n',
      '❤️',
      '🇫🇷',
      '한',
    ];
    const random = seeded(7).next;
    let simple = 0;
    for (let n = 0; n < 3000; n++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 10) },
        () => pieces[Math.floor(random() * (n % 2 ? 15 : pieces.length))],
      ).join('');
      if (isSimple(text)) simple++;
      expect([text, plain(ours.segment(text))]).toEqual([text, plain(intl.segment(text))]);
      const a = ours.segment(text);
      const b = intl.segment(text);
      for (let i = -1; i <= text.length; i++) {
        const x = a.containing(i);
        const y = b.containing(i);
        expect([text, i, x?.segment, x?.index]).toEqual([text, i, y?.segment, y?.index]);
      }
    }
    expect(simple).toBeGreaterThan(1000); // the fast path was exercised
  });

  it('leaves CR LF, combining marks and emoji to Intl.Segmenter', () => {
    for (const text of ['a\r\nb', 'e\u0301', '👍', '\t']) expect(isSimple(text)).toBe(false);
  });
});
