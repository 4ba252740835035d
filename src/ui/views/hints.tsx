// Hints the learner asked for so far, one more per key press.
import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';

export interface HintsProps {
  hints: string[];
  shown: number;
}

export function Hints({ hints, shown }: HintsProps) {
  const theme = useTheme();
  if (shown === 0) return null;
  return (
    <Box flexDirection="column">
      {hints.slice(0, shown).map((hint, i) => (
        <Text key={i} color={theme.warn} wrap="wrap">
          hint {i + 1}/{hints.length}: {hint}
        </Text>
      ))}
    </Box>
  );
}
