// Terminal width is counted in columns, not in string length: a colour code takes none, a box
// drawing character one, an emoji or a CJK character two. Every line the TUI lays out goes
// through these helpers (which Ink itself uses), so a line is never wider than the screen and a
// height worked out in advance is the height Ink draws.
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** Columns the text takes on screen (colour codes take none). */
export function visibleWidth(text: string): number {
  return stringWidth(text);
}

export interface WrapOptions {
  /** Put before the first line (a list marker, "hint 1/2: "); counts toward the width. */
  first?: string;
  /** Put before every other line, so the text hangs under the first line's text. @default
   * spaces as wide as `first` */
  rest?: string;
}

/** Lines of at most `width` columns: words stay whole unless one is wider than a line, wrapped
 * lines start with no stray space, and newlines in the text start new lines. */
export function wrapText(text: string, width: number, options: WrapOptions = {}): string[] {
  const first = options.first ?? '';
  const rest = options.rest ?? ' '.repeat(visibleWidth(first));
  const indent = Math.max(visibleWidth(first), visibleWidth(rest));
  const room = Math.max(1, width - indent);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const wrapped = wrapAnsi(paragraph, room, { hard: true, trim: true, wordWrap: true });
    for (const line of wrapped.split('\n')) lines.push((lines.length === 0 ? first : rest) + line);
  }
  return lines.map((line) => line.trimEnd());
}

/** The columns [from, from + width) of a line, colours kept. */
export function sliceColumns(text: string, from: number, width: number): string {
  return sliceAnsi(text, from, from + width);
}

/** Pads with spaces to `width` columns (never cuts). */
export function padColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/** How many screen rows `text` takes when wrapped at `width` (with a hanging indent). */
export function rowsOf(text: string, width: number, options: WrapOptions = {}): number {
  return wrapText(text, width, options).length;
}
