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
import { isNarrow } from './narrow-table.mjs';

export { isNarrow, NARROW } from './narrow-table.mjs';

/** Width of `text` when every character is in NARROW (after colour codes are taken out), else
 * undefined. */
export function narrowWidth(text) {
  for (let i = 0; i < text.length; i++) if (!isNarrow(text.charCodeAt(i))) return undefined;
  return text.length;
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
