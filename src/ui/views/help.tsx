// Every key, for `?`.
import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';

const SECTIONS: [string, [string, string][]][] = [
  [
    'Lesson map',
    [
      ['↑/↓ j/k', 'choose a lesson'],
      ['Enter', 'open it (starts its lab)'],
    ],
  ],
  [
    'Lesson',
    [
      ['→ n / ← p', 'next / previous step'],
      ['↑/↓ j/k', 'scroll the step text a line'],
      ['^D / ^U', 'half a screen down / up (also PgDn PgUp Space)'],
      ['g G', 'top / bottom (also Home End)'],
      ['< >', 'scroll a wide drawing or table sideways'],
      ['f', 'fold the lab panel to one line, or unfold it'],
      ['Enter c', 'check the step (read steps: go on)'],
      ['a', 'type an answer (answer steps)'],
      ['h', 'one more hint'],
      ['S S', 'after the hints: the solution (asks first; the step counts as solved with help)'],
      ['r', 'run a shown command here: its output in a pane, its requests marked ▶ in the log'],
      ['y', 'copy a shown command to the clipboard (OSC 52)'],
      ['o', "a lab server's own output (Tab: the next server)"],
      ['v', "a lab server's source (Tab: the next server)"],
      ['l / Tab', "the request log: ↑/↓ choose, Enter the request's journey, Esc back"],
      ['1-9', 'stop or start lab server 1-9 (drills)'],
      ['m Esc', 'back to the map (stops the lab)'],
    ],
  ],
  [
    "A request's journey",
    [
      ['→ n / ← p', 'light the next / previous hop'],
      ['↑/↓ j/k', 'scroll a line (^D/^U, PgDn/PgUp, Space: more; g G: top / bottom)'],
      ['e', 'unfold the long sections (environment, records, scope), or fold them'],
      ['Esc l', 'back to the request log'],
    ],
  ],
  [
    'Anywhere',
    [
      ['?', 'this help'],
      ['q Ctrl-C', 'quit (stops the lab)'],
    ],
  ],
];

export function Help() {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {SECTIONS.map(([title, keys]) => (
        <Box key={title} flexDirection="column" marginTop={1}>
          <Text color={theme.muted}>{title}</Text>
          {keys.map(([key, what]) => (
            <Text key={key} wrap="truncate-end">
              {'  '}
              <Text bold color={theme.accent}>
                {key.padEnd(12)}
              </Text>{' '}
              {what}
            </Text>
          ))}
        </Box>
      ))}
      <Text color={theme.muted}>
        {'\n'}Probe and drill steps pass by themselves when the lab sees the right request; edit steps re-check when you
        save the file. Press any key to close.
      </Text>
    </Box>
  );
}
