// A window of the step's rendered Markdown. Box drawing, tables and code are cut at the edge
// rather than wrapped, so a narrow terminal shows less of them, never a broken picture.
import { Box, Text } from 'ink';
import type { TextLine } from '../markdown.js';
import { useTheme } from '../theme.js';

export interface StepTextProps {
  lines: TextLine[] | undefined;
  /** First line shown. */
  scroll: number;
  rows: number;
}

export function StepText({ lines, scroll, rows }: StepTextProps) {
  const theme = useTheme();
  if (!lines)
    return (
      <Box height={rows}>
        <Text color={theme.muted}>…</Text>
      </Box>
    );
  const more = lines.length > scroll + rows;
  const shown = lines.slice(scroll, scroll + rows - (more ? 1 : 0));
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      {shown.map((line, i) => (
        <Text key={scroll + i} wrap={line.keep ? 'truncate-end' : 'wrap'}>
          {line.text || ' '}
        </Text>
      ))}
      {more ? (
        <Text color={theme.muted}>
          ↓ more (j/k or ↑/↓ to scroll) {scroll + shown.length}/{lines.length}
        </Text>
      ) : null}
    </Box>
  );
}
