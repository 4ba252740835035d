// Every key, for `?`.
import { Box, Text } from 'ink';
import { wrapText } from '../text-width.js';
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

const NOTE =
  'Probe and drill steps pass by themselves when the lab sees the right request; edit steps re-check when you save the file.';

interface HelpLine {
  kind: 'title' | 'section' | 'key' | 'text' | 'blank';
  key?: string;
  text: string;
}

/** The help as lines `width` columns wide, so it can scroll on a small screen. */
export function helpLines(width: number): HelpLine[] {
  const lines: HelpLine[] = [{ kind: 'title', text: 'Keys' }];
  for (const [title, keys] of SECTIONS) {
    lines.push({ kind: 'blank', text: '' }, { kind: 'section', text: title });
    for (const [key, what] of keys) lines.push({ kind: 'key', key, text: what });
  }
  lines.push({ kind: 'blank', text: '' });
  for (const text of wrapText(NOTE, width)) lines.push({ kind: 'text', text });
  return lines;
}

export interface HelpProps {
  /** Rows to draw in; the help scrolls when it has more lines. @default all of them */
  rows?: number;
  /** First line shown. @default 0 */
  scroll?: number;
  /** @default 80 */
  width?: number;
}

export function Help({ rows, scroll = 0, width = 80 }: HelpProps) {
  const theme = useTheme();
  const lines = helpLines(width);
  const room = rows ?? lines.length + 1;
  const top = Math.max(0, Math.min(scroll, lines.length - room + 1));
  const more = lines.length - top > room - 1;
  const shown = lines.slice(top, top + room - 1);
  const last = [top > 0 ? `↑ ${top} above` : '', more ? `↓ ${lines.length - top - shown.length} below` : '']
    .filter(Boolean)
    .join(' · ');
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        <Text
          key={top + i}
          wrap="truncate-end"
          bold={line.kind === 'title'}
          color={line.kind === 'section' || line.kind === 'text' ? theme.muted : undefined}
        >
          {line.kind === 'key' ? (
            <>
              {'  '}
              <Text bold color={theme.accent}>
                {(line.key ?? '').padEnd(12)}
              </Text>{' '}
              {line.text}
            </>
          ) : (
            line.text || ' '
          )}
        </Text>
      ))}
      <Text color={theme.muted} wrap="truncate-end">
        {last ? `${last} · j/k scroll · ` : ''}any other key closes
      </Text>
    </Box>
  );
}
