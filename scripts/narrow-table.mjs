// The one-column table that string-width-fast.mjs and grapheme-segmenter.mjs share: characters
// one column wide that are each a grapheme cluster of their own. A module of its own so that the
// segmenter, which string-width itself loads, does not import string-width-fast (which imports
// string-width): with that cycle, a bundle that orders the modules differently ran string-width
// before GraphemeSegmenter was defined. test/unit/string-width-fast.test.ts checks the table.

/** [first, last] code points, all one column wide and each its own grapheme cluster. */
export const NARROW = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0xac], // Latin-1 (not U+00AD, the soft hyphen, which takes no column)
  [0xae, 0x2ff], // Latin-1 and Latin Extended
  [0x370, 0x482], // Greek, Cyrillic (not its combining marks from U+0483)
  [0x48a, 0x52f], // Cyrillic
  [0x1e00, 0x200a], // Latin Extended Additional, Greek Extended, spaces
  [0x2010, 0x2029], // dashes, quotes, bullets, … (not U+200B–U+200F, which take no column)
  [0x202f, 0x205f], // per mille, primes, …
  [0x2070, 0x20cf], // super- and subscripts, currency
  [0x2100, 0x2319], // letterlike symbols, number forms, arrows, mathematical operators
  [0x232b, 0x23e8], // technical symbols (not ⌚ ⌛ ⏩…, which are emoji)
  [0x23f4, 0x25fc], // enclosed numbers, box drawing, blocks, geometric shapes (not ◽ ◾)
  [0x270c, 0x2727], // dingbats: ✓ ✗ …
  [0x2729, 0x274b],
  [0x2758, 0x2794], // ❯ …
  [0x2798, 0x27af],
  [0x27c0, 0x2b1a], // mathematical symbols, supplemental arrows
];

/** Is this UTF-16 code unit a character of the one-column table? */
export function isNarrow(code) {
  if (code <= 0x7e && code >= 0x20) return true;
  for (const [first, last] of NARROW) {
    if (code < first) return false;
    if (code <= last) return true;
  }
  return false;
}
