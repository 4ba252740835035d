// A view that takes the place of the step text (a command's output, a server's log or source,
// the solution): a title line, then lines that scroll like the step text.
import { Box, Text } from 'ink';
import type { TextLine } from '../markdown.js';
import { useTheme } from '../theme.js';
import { StepText } from './step-text.js';

export interface TextPaneProps {
  title: string;
  lines: TextLine[];
  scroll: number;
  hscroll: number;
  rows: number;
  width: number;
}

export function TextPane({ title, lines, scroll, hscroll, rows, width }: TextPaneProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" width={width}>
      <Text color={theme.accent} bold wrap="truncate-end">
        {title}
      </Text>
      <StepText lines={lines} scroll={scroll} hscroll={hscroll} rows={Math.max(1, rows - 1)} width={width} />
    </Box>
  );
}
