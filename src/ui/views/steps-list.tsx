// The lesson's steps with their state: ✓ passed, ▸ the one shown, – skipped here, · still to do.
import { Box, Text } from 'ink';
import type { Step } from '../../engine/types.js';
import { useTheme } from '../theme.js';

export interface StepsListProps {
  steps: Step[];
  current: number;
  passed: ReadonlySet<string>;
  /** Steps this machine cannot do. @default none */
  skipped?: ReadonlyMap<string, string>;
  width: number;
}

export function StepsList({ steps, current, passed, skipped, width }: StepsListProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" width={width} paddingRight={1}>
      {steps.map((step, i) => {
        const done = passed.has(step.id);
        const mark = done ? '✓' : i === current ? '▸' : skipped?.has(step.id) ? '–' : '·';
        return (
          <Text
            key={step.id}
            wrap="truncate-end"
            bold={i === current}
            color={i === current ? theme.accent : done ? theme.pass : theme.muted}
          >
            {mark} {i + 1} {step.title}
          </Text>
        );
      })}
    </Box>
  );
}
