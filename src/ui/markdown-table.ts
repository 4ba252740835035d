// A Markdown table laid out for the terminal. When it is wider than the screen its widest columns
// give up room and their cells wrap inside the column, so every word stays on screen. Only a
// table too wide even then (many columns on a narrow terminal) is kept whole, to be scrolled
// sideways by the view — never cut.
import type { Tokens } from 'marked';
import { renderInline, type Styles } from './markdown-inline.js';
import { padColumns, visibleWidth, wrapText } from './text-width.js';

export interface TableLines {
  lines: string[];
  /** The table is wider than `width`: the view scrolls it sideways. */
  wide: boolean;
}

const GAP = ' │ ';
/** Narrowest a wrapped column may get before the table is scrolled instead. */
const MIN_COLUMN = 6;

export function renderTable(table: Tokens.Table, width: number, styles: Styles): TableLines {
  const header = table.header.map((cell) => renderInline(cell.tokens, styles));
  const rows = table.rows.map((row) => row.map((cell) => renderInline(cell.tokens, styles)));
  const natural = header.map((h, i) => Math.max(1, visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const widths = fitColumns(natural, width - GAP.length * (natural.length - 1));
  const wide = widths === undefined;
  const columns = widths ?? natural;
  const lines = [
    ...rowLines(
      header.map((h) => styles.bold(h)),
      columns,
    ),
    styles.muted(columns.map((w) => '─'.repeat(w)).join('─┼─')),
    ...rows.flatMap((row) => rowLines(row, columns)),
  ];
  return { lines, wide };
}

/** Column widths that fit `room`, taking from the widest first; undefined when none fit. */
export function fitColumns(natural: number[], room: number): number[] | undefined {
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= room) return natural;
  const floor = natural.map((n) => Math.min(n, MIN_COLUMN));
  if (floor.reduce((a, b) => a + b, 0) > room) return undefined;
  // Water-filling: every column gets up to a common cap; the cap is the largest that fits.
  let low = 1;
  let high = Math.max(...natural);
  while (low < high) {
    const cap = Math.ceil((low + high) / 2);
    const used = natural.reduce((sum, n, i) => sum + Math.max(floor[i]!, Math.min(n, cap)), 0);
    if (used <= room) low = cap;
    else high = cap - 1;
  }
  return natural.map((n, i) => Math.max(floor[i]!, Math.min(n, low)));
}

function rowLines(cells: string[], widths: number[]): string[] {
  const wrapped = widths.map((w, i) => wrapText(cells[i] ?? '', w));
  const height = Math.max(...wrapped.map((c) => c.length));
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    lines.push(
      widths
        .map((w, i) => padColumns(wrapped[i]![r] ?? '', w))
        .join(GAP)
        .trimEnd(),
    );
  }
  return lines;
}
