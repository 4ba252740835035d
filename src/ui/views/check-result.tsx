// The last check of the step: pass or fail with the check's own message and details. An automatic
// check that has not passed yet (a probe waiting for its request) reads as waiting, not failing.
// Lines are wrapped here, by screen columns, so the view's height sums are exact: the message
// hangs under its first word and each detail keeps its own indent ("Expected:" blocks stay aligned).
import { Box, Text } from 'ink';
import type { StepResult } from '../../engine/session.js';
import { visibleWidth, wrapText } from '../text-width.js';
import { useTheme } from '../theme.js';

export interface CheckResultProps {
  result: StepResult | undefined;
  checking: boolean;
  width: number;
}

function verdict(result: StepResult) {
  const waiting = result.auto && result.status === 'fail';
  if (result.status === 'pass') return { mark: '✓', tone: 'pass', prefix: 'Passed: ' } as const;
  if (result.status === 'error')
    return { mark: '!', tone: 'warn', prefix: 'The tutor could not run this check: ' } as const;
  if (waiting) return { mark: '…', tone: 'muted', prefix: 'Waiting: ' } as const;
  return { mark: '✗', tone: 'fail', prefix: 'Not yet: ' } as const;
}

/** The message lines and the detail lines, wrapped to `width`. */
export function checkResultText(result: StepResult, width: number): { message: string[]; details: string[] } {
  const { mark, prefix } = verdict(result);
  const message = wrapText(`${prefix}${result.message}`, width, { first: `${mark} `, rest: '  ' });
  const details = result.details.flatMap((detail) => {
    // A detail's own leading spaces are its indent, kept on every wrapped line; after a short
    // label ("Expected: ", "The lab saw: ") the text hangs under its first word.
    const indent = `  ${/^\s*/.exec(detail)![0]}`;
    const label = /^[A-Z][\w' ]{0,24}: /.exec(detail.trimStart())?.[0];
    const hang = label ? ' '.repeat(visibleWidth(label)) : '  ';
    return wrapText(detail.trimStart(), width, { first: indent, rest: indent + hang });
  });
  return { message, details };
}

export function checkResultLines(result: StepResult | undefined, checking: boolean, width: number): number {
  if (!result) return checking ? 1 : 0;
  const { message, details } = checkResultText(result, width);
  return message.length + details.length;
}

export function CheckResult({ result, checking, width }: CheckResultProps) {
  const theme = useTheme();
  if (!result) return checking ? <Text color={theme.muted}>checking…</Text> : null;
  const { message, details } = checkResultText(result, width);
  const color = theme[verdict(result).tone];
  return (
    <Box flexDirection="column">
      {message.map((line, i) => (
        <Text key={`m${i}`} color={color} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {details.map((line, i) => (
        <Text key={`d${i}`} color={theme.muted} wrap="truncate-end">
          {line || ' '}
        </Text>
      ))}
    </Box>
  );
}
