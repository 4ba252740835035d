// The stack every lesson is about, drawn with box drawing: client → web server / reverse proxy →
// gateway → app. The selected lesson's layer is drawn with double lines (and in colour when there
// is colour), so it stands out on any terminal.
import { Box, Text } from 'ink';
import type { LessonDefinition } from '../../engine/types.js';
import { useTheme } from '../theme.js';

const LAYERS = [
  { id: 'client', lines: ['client', 'curl'] },
  { id: 'proxy', lines: ['web server', 'reverse proxy'] },
  { id: 'gateway', lines: ['gateway', 'CGI FastCGI WSGI ASGI'] },
  { id: 'app', lines: ['app', 'Python'] },
] as const;

/** Width the horizontal drawing needs; narrower terminals get the one-line form. */
export const DIAGRAM_WIDTH = 71;

export interface StackDiagramProps {
  layer: LessonDefinition['layer'];
  width: number;
}

export function StackDiagram({ layer, width }: StackDiagramProps) {
  const theme = useTheme();
  const marked = (id: string) => layer === 'journey' || layer === id;
  if (width < DIAGRAM_WIDTH) {
    return (
      <Text wrap="truncate-end">
        {LAYERS.map((l, i) => (
          <Text key={l.id}>
            {i > 0 ? ' → ' : ''}
            <Text color={marked(l.id) ? theme.accent : undefined} bold={marked(l.id)} inverse={marked(l.id)}>{l.lines[0]}</Text>
          </Text>
        ))}
      </Text>
    );
  }
  const boxes = LAYERS.map((l) => {
    const inner = Math.max(...l.lines.map((s) => s.length)) + 2;
    const [h, v, tl, tr, bl, br] = marked(l.id) ? ['═', '║', '╔', '╗', '╚', '╝'] : ['─', '│', '┌', '┐', '└', '┘'];
    const pad = (s: string) => ` ${s}${' '.repeat(inner - 2 - s.length)} `;
    return {
      id: l.id,
      rows: [tl + h.repeat(inner) + tr, ...l.lines.map((s) => v + pad(s) + v), bl + h.repeat(inner) + br],
    };
  });
  const rows = [0, 1, 2, 3];
  return (
    <Box flexDirection="column">
      {rows.map((r) => (
        <Text key={r} wrap="truncate-end">
          {boxes.map((b, i) => (
            <Text key={b.id}>
              {i > 0 ? (r === 1 ? ' → ' : '   ') : ''}
              <Text color={marked(b.id) ? theme.accent : theme.border} bold={marked(b.id)}>{b.rows[r]}</Text>
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
