// The home screen: every lesson with its state, the stack drawing for the selected one, and its
// one-line summary. Renders props only; App owns the selection.
import { Box, Text } from 'ink';
import { overallProgress, stateLabel, type MapEntry, type MapProgress } from '../lesson-states.js';
import { TAGLINE, TITLE, mapRows } from '../map-text.js';
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

export function LessonMap({ entries, progress, selected, width, linear = false }: LessonMapProps) {
  const theme = useTheme();
  const current = entries[selected];
  if (linear) {
    return (
      <Box flexDirection="column">
        <Text>gateway-tutor lessons. Up and down arrows choose, Enter opens, q quits.</Text>
        <Text>Your progress: {overallProgress(entries, progress)}.</Text>
        {entries.map((e, i) => (
          <Text key={e.lesson.id}>
            {i === selected ? 'Selected: ' : ''}Lesson {e.lesson.order}, {e.lesson.title}: {stateLabel(e, progress)}.
          </Text>
        ))}
        {current ? <Text>{current.lesson.summary}</Text> : null}
      </Box>
    );
  }
  const rows = mapRows(entries, progress, selected);
  return (
    <Box flexDirection="column">
      <Text bold>
        {TITLE} <Text color={theme.muted}>{TAGLINE}</Text>
      </Text>
      <Text color={theme.muted} wrap="truncate-end">
        Your progress: {overallProgress(entries, progress)}
      </Text>
      {progress.warning ? <Text color={theme.warn}>⚠ {progress.warning}</Text> : null}
      <Box flexDirection="column" marginY={1}>
        {rows.map(({ state, text }, i) => {
          const isSelected = i === selected;
          const color = state === 'passed' ? theme.pass : state === 'unavailable' ? theme.muted : undefined;
          return (
            <Text
              key={entries[i]!.lesson.id}
              wrap="truncate-end"
              color={isSelected ? theme.accent : undefined}
              bold={isSelected}
            >
              {text.pointer}
              <Text color={color}>{text.symbol}</Text> {text.order}
              {'  '}
              {text.title}
              {'  '}
              <Text color={color ?? theme.muted}>{text.label}</Text>
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
