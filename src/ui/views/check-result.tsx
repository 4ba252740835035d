// The last check of the step: pass or fail with the check's own message and details. An automatic
// check that has not passed yet (a probe waiting for its request) reads as waiting, not failing.
import { Box, Text } from 'ink';
import type { StepResult } from '../../engine/session.js';
import { useTheme } from '../theme.js';

export interface CheckResultProps {
  result: StepResult | undefined;
  checking: boolean;
}

export function checkResultLines(result: StepResult | undefined, checking: boolean, width: number): number {
  if (!result) return checking ? 1 : 0;
  const lines = (text: string) => Math.max(1, Math.ceil(text.length / Math.max(1, width)));
  return lines(`✗ ${result.message}`) + result.details.reduce((n, d) => n + lines(`  ${d}`), 0);
}

export function CheckResult({ result, checking }: CheckResultProps) {
  const theme = useTheme();
  if (!result) return checking ? <Text color={theme.muted}>checking…</Text> : null;
  const waiting = result.auto && result.status === 'fail';
  const { mark, color, prefix } =
    result.status === 'pass'
      ? { mark: '✓', color: theme.pass, prefix: 'Passed: ' }
      : result.status === 'error'
        ? { mark: '!', color: theme.warn, prefix: 'The tutor could not run this check: ' }
        : waiting
          ? { mark: '…', color: theme.muted, prefix: 'Waiting: ' }
          : { mark: '✗', color: theme.fail, prefix: 'Not yet: ' };
  return (
    <Box flexDirection="column">
      <Text color={color} wrap="wrap">
        {mark} {prefix}
        {result.message}
      </Text>
      {result.details.map((detail, i) => (
        <Text key={i} color={theme.muted} wrap="wrap">
          {'  '}
          {detail}
        </Text>
      ))}
    </Box>
  );
}
