// The lesson's steps with their state: ✓ passed, ▸ the one shown, – skipped here, · still to do.
// A title too long for the column wraps under itself rather than being cut; when the list is
// taller than the screen it shows the part around the current step.
import { Box, Text } from 'ink';
import type { Step } from '../../engine/types.js';
import { visibleWidth, wrapText } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface StepsListProps {
  steps: Step[];
  current: number;
  passed: ReadonlySet<string>;
  /** Steps this machine cannot do. @default none */
  skipped?: ReadonlyMap<string, string>;
  width: number;
  rows: number;
}

/** Columns for the list (0: no list): enough for the longest title on a wide terminal, about a
 * third of the screen at most (longer titles wrap under themselves), none below 90 columns. */
export function sidebarWidth(steps: Step[], columns: number): number {
  if (columns < 90) return 0;
  // "▸ 10 " before the title, two columns of space after it
  const longest = Math.max(...steps.map((s) => visibleWidth(s.title))) + (steps.length > 9 ? 5 : 4) + 2;
  return Math.max(26, Math.min(longest, Math.floor(columns * 0.36)));
}

export function StepsList({ steps, current, passed, skipped, width, rows }: StepsListProps) {
  const theme = useTheme();
  const entries = steps.map((step, i) => {
    const done = passed.has(step.id);
    const mark = done ? '✓' : i === current ? '▸' : skipped?.has(step.id) ? '–' : '·';
    const number = String(i + 1).padStart(steps.length > 9 ? 2 : 1);
    return { step, i, done, lines: wrapText(step.title, width - 2, { first: `${mark} ${number} ` }) };
  });
  const all = entries.flatMap((e) => e.lines.map((line) => ({ ...e, line })));
  const at = all.findIndex((l) => l.i === current);
  const start = Math.max(0, Math.min(at - Math.floor(rows / 3), all.length - rows));
  return (
    // Two columns between the list and the text, which it never shrinks into.
    <Box flexDirection="column" width={width} flexShrink={0}>
      {all.slice(start, start + rows).map(({ step, i, done, line }, j) => (
        <Text
          key={`${step.id}-${j}`}
          wrap="truncate-end"
          bold={i === current}
          color={i === current ? theme.accent : done ? theme.pass : theme.muted}
        >
          {line}
        </Text>
      ))}
    </Box>
  );
}
