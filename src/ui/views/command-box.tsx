// The commands a step asks the learner to run, with the live lab's ports filled in. Ruled above
// and below but not at the sides, so a command copied from the terminal is only the command.
import { Box, Text } from 'ink';
import { commandLines } from '../command-lines.js';
import { useTheme } from '../theme.js';

export interface CommandBoxProps {
  commands: string[];
  width: number;
}

/** Lines the box takes at this width (commands wrap rather than lose characters). */
export function commandBoxRows(commands: string[], width: number): number {
  if (commands.length === 0) return 0;
  const rows = (line: string) => Math.max(1, Math.ceil((line.length + 2) / Math.max(1, width)));
  return 2 + commands.reduce((sum, c) => sum + commandLines(c, width - 2).reduce((n, line) => n + rows(line), 0), 0);
}

export function CommandBox({ commands, width }: CommandBoxProps) {
  const theme = useTheme();
  if (commands.length === 0) return null;
  return (
    <Box
      flexDirection="column"
      width={width}
      borderStyle="single"
      borderLeft={false}
      borderRight={false}
      borderColor={theme.border}
    >
      {commands.flatMap((command, i) =>
        commandLines(command, width - 2).map((line, j) => (
          <Text key={`${i}-${j}`} color={theme.accent}>
            {j === 0 ? '$ ' : '  '}
            {line}
          </Text>
        )),
      )}
    </Box>
  );
}
