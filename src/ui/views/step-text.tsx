// A window of the step's rendered Markdown. Text lines already fit the width (markdown.ts wraps
// them); picture lines (code, drawings, a too-wide table) are shown from column `hscroll`, with
// ‹ › at the edges when part of them is off screen — never wrapped into a broken picture, never
// silently cut. A last line says what is above, below and to the side, and the keys to get there.
import { Box, Text } from 'ink';
import type { TextLine } from '../markdown.js';
import { sliceColumns, visibleWidth } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface StepTextProps {
  lines: TextLine[] | undefined;
  /** First line shown. */
  scroll: number;
  /** First column shown of picture lines. @default 0 */
  hscroll?: number;
  rows: number;
  width: number;
}

/** Widest picture line, so the view knows how far sideways it may scroll. */
export function widestKept(lines: TextLine[] | undefined): number {
  return Math.max(0, ...(lines ?? []).filter((l) => l.keep).map((l) => visibleWidth(l.text)));
}

/** What scrolling leaves out of a window, and the one line that says so (undefined: nothing). */
export function scrollMark(lines: TextLine[], scroll: number, rows: number, hscroll: number, width: number) {
  const above = scroll;
  const visible = lines.slice(scroll, scroll + rows);
  const sideways = visible.some((l) => l.keep && visibleWidth(l.text) > width) || hscroll > 0;
  const needsMark = above > 0 || lines.length > scroll + rows || sideways;
  if (!needsMark) return undefined;
  const below = Math.max(0, lines.length - (scroll + rows - 1));
  const parts: string[] = [];
  if (above > 0) parts.push(`↑ ${above} above`);
  if (below > 0) parts.push(`↓ ${below} below`);
  if (above > 0 || below > 0) parts.push('j/k g/G ^D/^U');
  if (sideways) parts.push('< > sideways');
  return parts.join(' · ');
}

export function StepText({ lines, scroll, hscroll = 0, rows, width }: StepTextProps) {
  const theme = useTheme();
  if (!lines)
    return (
      <Box height={rows}>
        <Text color={theme.muted}>…</Text>
      </Box>
    );
  const mark = scrollMark(lines, scroll, rows, hscroll, width);
  const shown = lines.slice(scroll, scroll + rows - (mark ? 1 : 0));
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {shown.map((line, i) => (
        <Text key={scroll + i} wrap="truncate-end">
          {line.keep ? picture(line.text, hscroll, width) : line.text || ' '}
        </Text>
      ))}
      {mark ? (
        <Text color={theme.muted} wrap="truncate-end">
          {mark}
        </Text>
      ) : null}
    </Box>
  );
}

/** A picture line from column `from`, with ‹ or › where it goes on beyond the screen. */
export function picture(text: string, from: number, width: number): string {
  const total = visibleWidth(text);
  if (total <= width && from === 0) return text || ' ';
  const left = from > 0 && total > 0;
  const right = total > from + width;
  const inner = sliceColumns(text, from + (left ? 1 : 0), width - (left ? 1 : 0) - (right ? 1 : 0));
  return `${left ? '‹' : ''}${inner}${right ? '›' : ''}` || ' ';
}
