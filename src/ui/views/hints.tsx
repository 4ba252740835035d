// Hints the learner asked for so far, one more per key press, wrapped under their label.
import { Box, Text } from 'ink';
import { wrapText } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface HintsProps {
  hints: string[];
  shown: number;
  width: number;
}

export function hintLines(hints: string[], shown: number, width: number): string[] {
  return hints
    .slice(0, shown)
    .flatMap((hint, i) => wrapText(hint, width, { first: `hint ${i + 1}/${hints.length}: `, rest: '  ' }));
}

export function Hints({ hints, shown, width }: HintsProps) {
  const theme = useTheme();
  if (shown === 0) return null;
  return (
    <Box flexDirection="column">
      {hintLines(hints, shown, width).map((line, i) => (
        <Text key={i} color={theme.warn} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
