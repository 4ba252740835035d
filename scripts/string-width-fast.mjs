// Stands in for string-width in the bundle (Ink, widest-line, cli-truncate and wrap-ansi all ask
// it). string-width is right about every cluster, but the first string it meets that is not plain
// ASCII compiles its \p{RGI_Emoji} pattern (thousands of emoji sequences): 50–110 ms, paid while
// the first frame is drawn, and the map is full of ✓ ◐ · ─ │ ↑ ↓. A string made only of
// characters that are one column each and stand alone (no combining mark, joiner or variation
// selector can follow them inside it, since those are not in the table) is as wide as its length;
// anything else goes to string-width itself. test/unit/string-width-fast.test.ts checks every
// character of the table against string-width.
import stripAnsi from 'strip-ansi';
import realStringWidth from '../node_modules/string-width/index.js';

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

/** Width of `text` when every character is in NARROW (after colour codes are taken out), else
 * undefined. */
export function narrowWidth(text) {
  for (let i = 0; i < text.length; i++) if (!isNarrow(text.charCodeAt(i))) return undefined;
  return text.length;
}

/** Is this UTF-16 code unit a character of the one-column table? */
export function isNarrow(code) {
  if (code <= 0x7e && code >= 0x20) return true;
  for (const [first, last] of NARROW) {
    if (code < first) return false;
    if (code <= last) return true;
  }
  return false;
}

export default function stringWidth(input, options) {
  if (typeof input !== 'string' || input.length === 0) return 0;
  // Other options (ambiguous characters as wide, escape codes counted) are string-width's to answer.
  if (options && (options.ambiguousIsNarrow === false || options.countAnsiEscapeCodes)) {
    return realStringWidth(input, options);
  }
  const plain = stripAnsi(input);
  return narrowWidth(plain) ?? realStringWidth(plain, options);
}
