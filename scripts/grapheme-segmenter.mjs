// Stands in for Intl.Segmenter in three of Ink's helpers (string-width, slice-ansi and
// @alcalzone/ansi-tokenize; the build swaps it in, see build.mjs). Each builds a grapheme
// segmenter when it loads, and the first one loads ICU's break-iterator rules: 10–40 ms of the
// first frame and about 3 MB of the tutor's memory, for text that is nearly always ASCII, box
// drawing and arrows. A string made only of characters that are each a grapheme cluster of their
// own (the one-column table of narrow-table.mjs, and ESC, which begins colour codes) is cut
// here one character at a time, as ICU would cut it; any other string goes to a real
// Intl.Segmenter, made the first time one is needed. test/unit/grapheme-segmenter.test.ts checks
// both against Intl.Segmenter.
import { isNarrow } from './narrow-table.mjs';

const ESC = 0x1b;

/** Every character is ESC or in the one-column table. */
export function isSimple(text) {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== ESC && !isNarrow(code)) return false;
  }
  return true;
}

/** What Intl.Segmenter's segment() returns, for a simple string: one segment per character. */
class Segments {
  constructor(input) {
    this.input = input;
  }

  containing(index = 0) {
    const at = Math.trunc(Number(index)) || 0;
    if (at < 0 || at >= this.input.length) return undefined;
    return { segment: this.input[at], index: at, input: this.input };
  }

  *[Symbol.iterator]() {
    for (let index = 0; index < this.input.length; index++)
      yield { segment: this.input[index], index, input: this.input };
  }
}

export class GraphemeSegmenter {
  #locales;
  #options;
  #real;

  constructor(locales, options) {
    this.#locales = locales;
    this.#options = options;
  }

  segment(input) {
    const text = String(input);
    if ((this.#options?.granularity ?? 'grapheme') === 'grapheme' && isSimple(text)) return new Segments(text);
    this.#real ??= new Intl.Segmenter(this.#locales, this.#options);
    return this.#real.segment(text);
  }
}
