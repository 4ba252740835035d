// The stack every lesson is about, drawn with box drawing: client → web server / reverse proxy →
// gateway → app. The selected lesson's layer is drawn with double lines (and in colour when there
// is colour), so it stands out on any terminal.
import { Box, Text } from 'ink';
import type { LessonDefinition } from '../../engine/types.js';
import { DIAGRAM_WIDTH, diagramBoxes, joint } from '../map-text.js';
import { useTheme } from '../theme.js';

export interface StackDiagramProps {
  layer: LessonDefinition['layer'];
  width: number;
}

export function StackDiagram({ layer, width }: StackDiagramProps) {
  const theme = useTheme();
  const boxes = diagramBoxes(layer);
  if (width < DIAGRAM_WIDTH) {
    return (
      <Text wrap="truncate-end">
        {boxes.map((b, i) => (
          <Text key={b.id}>
            {i > 0 ? ' → ' : ''}
            <Text color={b.marked ? theme.accent : undefined} bold={b.marked} inverse={b.marked}>
              {b.name}
            </Text>
          </Text>
        ))}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {[0, 1, 2, 3].map((r) => (
        <Text key={r} wrap="truncate-end">
          {boxes.map((b, i) => (
            <Text key={b.id}>
              {i > 0 ? joint(r) : ''}
              <Text color={b.marked ? theme.accent : theme.border} bold={b.marked}>
                {b.rows[r]}
              </Text>
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
