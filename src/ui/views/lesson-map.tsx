// The home screen: every lesson with its state, the stack drawing for the selected one, and its
// one-line summary. Renders props only; App owns the selection.
import { Box, Text } from 'ink';
import { lessonState, stateLabel, type MapEntry, type MapProgress } from '../lesson-states.js';
import { useTheme } from '../theme.js';
import { StackDiagram } from './stack-diagram.js';

export interface LessonMapProps {
  entries: MapEntry[];
  progress: MapProgress;
  selected: number;
  width: number;
  /** Screen reader: plain sentences, no drawing. @default false */
  linear?: boolean;
}

const SYMBOL = { passed: '✓', started: '◐', new: '·', unavailable: '✗' } as const;

export function LessonMap({ entries, progress, selected, width, linear = false }: LessonMapProps) {
  const theme = useTheme();
  const current = entries[selected];
  if (linear) {
    return (
      <Box flexDirection="column">
        <Text>gateway-tutor lessons. Up and down arrows choose, Enter opens, q quits.</Text>
        {entries.map((e, i) => (
          <Text key={e.lesson.id}>
            {i === selected ? 'Selected: ' : ''}Lesson {e.lesson.order}, {e.lesson.title}: {stateLabel(e, progress)}.
          </Text>
        ))}
        {current ? <Text>{current.lesson.summary}</Text> : null}
      </Box>
    );
  }
  const titleWidth = Math.min(44, Math.max(...entries.map((e) => e.lesson.title.length), 10));
  return (
    <Box flexDirection="column">
      <Text bold>
        gateway-tutor <Text color={theme.muted}>· how a web request reaches Python code</Text>
      </Text>
      {progress.warning ? <Text color={theme.warn}>⚠ {progress.warning}</Text> : null}
      <Box flexDirection="column" marginY={1}>
        {entries.map((e, i) => {
          const state = lessonState(e, progress);
          const isSelected = i === selected;
          const color = state === 'passed' ? theme.pass : state === 'unavailable' ? theme.muted : undefined;
          return (
            <Text key={e.lesson.id} wrap="truncate-end" color={isSelected ? theme.accent : undefined} bold={isSelected}>
              {isSelected ? '❯ ' : '  '}
              <Text color={color}>{SYMBOL[state]}</Text> {String(e.lesson.order).padStart(2)}  {e.lesson.title.padEnd(titleWidth)}  <Text color={color ?? theme.muted}>{stateLabel(e, progress)}</Text>
            </Text>
          );
        })}
      </Box>
      {current ? (
        <>
          <StackDiagram layer={current.lesson.layer} width={width} />
          <Text wrap="wrap">
            <Text bold>{current.lesson.title}</Text>
            <Text color={theme.muted}> — {current.lesson.summary}</Text>
          </Text>
        </>
      ) : (
        <Text>No lessons found.</Text>
      )}
    </Box>
  );
}
