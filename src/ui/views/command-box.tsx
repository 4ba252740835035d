// The commands a step asks the learner to run, with the live lab's ports filled in. Ruled above
// and below but not at the sides, so a command copied from the terminal is only the command (on
// a short terminal the rules go, to leave the step text its room).
import { Box, Text } from 'ink';
import { commandLines } from '../command-lines.js';
import { visibleWidth } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface CommandBoxProps {
  commands: string[];
  width: number;
  /** Rules above and below. @default true */
  rules?: boolean;
  /** The command the run and copy keys act on (marked when there are several). */
  selected?: number;
}

/** Rows the commands take at this width, rules not counted (long words wrap, never cut). */
export function commandBoxRows(commands: string[], width: number): number {
  const rows = (line: string) => Math.max(1, Math.ceil((visibleWidth(line) + 2) / Math.max(1, width)));
  return commands.reduce((sum, c) => sum + commandLines(c, width - 2).reduce((n, line) => n + rows(line), 0), 0);
}

export function CommandBox({ commands, width, rules = true, selected }: CommandBoxProps) {
  const theme = useTheme();
  if (commands.length === 0) return null;
  return (
    <Box
      flexDirection="column"
      width={width}
      borderStyle={rules ? 'single' : undefined}
      borderLeft={false}
      borderRight={false}
      borderColor={theme.border}
    >
      {commands.flatMap((command, i) =>
        commandLines(command, width - 2).map((line, j) => (
          <Text key={`${i}-${j}`} color={theme.accent} bold={selected === i && commands.length > 1}>
            {j > 0 ? '  ' : <Text inverse={selected === i && commands.length > 1}>$</Text>}
            {j > 0 ? '' : ' '}
            {line}
          </Text>
        )),
      )}
    </Box>
  );
}
