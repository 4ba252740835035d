// One open lesson: step text, commands, hints, result and answer field on top; the lab panel and
// the live request log below; the keys at the bottom. Heights are worked out here so that the
// whole screen fits the terminal and only the step text scrolls.
import { Box, Text } from 'ink';
import { useEffect, useState, type ReactNode } from 'react';
import type { LessonSession } from '../../engine/session.js';
import { footerKeys, useLessonKeys, type LessonMode } from '../hooks/use-lesson-keys.js';
import { useMarkdown } from '../hooks/use-markdown.js';
import { useSession } from '../hooks/use-session.js';
import type { Size } from '../hooks/use-terminal-size.js';
import { useTheme } from '../theme.js';
import { TextField } from '../widgets/text-field/text-field.js';
import { useTextField } from '../widgets/text-field/use-text-field.js';
import { useTextFieldState } from '../widgets/text-field/use-text-field-state.js';
import { useSelectionInput } from '../widgets/selection/use-selection-input.js';
import { useSelectionState } from '../widgets/selection/use-selection-state.js';
import { CheckResult, checkResultLines } from './check-result.js';
import { CommandBox, commandBoxRows } from './command-box.js';
import { Footer } from './footer.js';
import { Hints } from './hints.js';
import { LabPanel } from './lab-panel.js';
import { LinearLesson } from './linear-lesson.js';
import { RequestDetail } from './request-detail.js';
import { RequestLog } from './request-log.js';
import { StepText } from './step-text.js';
import { StepsList } from './steps-list.js';

export interface LessonViewProps {
  session: LessonSession;
  size: Size;
  /** Screen reader: linear text, no boxes. @default false */
  linear?: boolean;
  /** Title of the lesson that comes next, for the "complete" line. */
  nextTitle?: string;
  /** Whether this view has the keys (false under the help screen). @default true */
  isActive?: boolean;
  onBack(): void;
  onQuit(): void;
  onHelp(): void;
}

const STEPS_WIDTH = 28;

export function LessonView({
  session,
  size,
  linear = false,
  nextTitle,
  isActive = true,
  onBack,
  onQuit,
  onHelp,
}: LessonViewProps) {
  const theme = useTheme();
  const snapshot = useSession(session);
  const { lesson, step, index, passed, skipped, result, checking, hintsShown, servers, requests, watchPath, complete } =
    snapshot;
  const [mode, setMode] = useState<LessonMode>('step');
  const [scroll, setScroll] = useState(0);
  const answer = useTextFieldState();
  const log = useSelectionState(requests.length, Math.max(0, requests.length - 1));
  useEffect(() => {
    setScroll(0);
    answer.dispatch({ type: 'clear' });
    setMode((m) => (m === 'answer' ? 'step' : m));
  }, [step.id]);

  const showSteps = !linear && size.columns >= 90;
  const mainWidth = size.columns - (showSteps ? STEPS_WIDTH : 0) - 1;
  const lines = useMarkdown(session.fill(lesson.texts[step.id] ?? '', 'markdown'), mainWidth, theme.noColor);
  const commands = (step.commands ?? []).map((c) => session.fill(c, 'command'));
  const hints = (step.hints ?? []).map((hint) => session.fill(hint));

  useLessonKeys({
    session,
    snapshot,
    mode,
    setMode,
    isActive,
    onBack,
    onQuit,
    onHelp,
    scrollBy: (by) => setScroll((s) => Math.max(0, Math.min(s + by, (lines?.length ?? 0) - 3))),
  });
  useSelectionInput(log.dispatch, { isActive: isActive && mode === 'log' });
  useTextField({
    value: answer.value,
    cursor: answer.cursor,
    dispatch: answer.dispatch,
    isActive: isActive && mode === 'answer',
    onSubmit: (value) => {
      if (value.trim() === '') return;
      setMode('step');
      void session.check(value.trim());
    },
    onCancel: () => setMode('step'),
  });

  if (linear)
    return (
      <LinearLesson
        snapshot={snapshot}
        lines={lines}
        commands={commands}
        hints={hints}
        answer={answer.value}
        typing={mode === 'answer'}
        nextTitle={nextTitle}
      />
    );

  // Heights: everything but the step text has a known size; the text gets what is left.
  const rows = size.rows - 1; // one spare row: Ink redraws the whole screen when output fills it
  const logRows = rows >= 34 ? 6 : rows >= 24 ? 4 : 2;
  const mainRows = Math.max(4, rows - 1 - (servers.length + 1) - (logRows + 1) - 1);
  const status: ReactNode[] = [];
  let statusRows = 0;
  const skipReason = skipped.get(step.id);
  if (skipReason) {
    status.push(
      <Text key="skip" color={theme.warn} wrap="truncate-end">
        – This step is skipped on this machine ({skipReason}). Read it; n goes on.
      </Text>,
    );
    statusRows += 1;
  }
  if (watchPath) {
    status.push(
      <Text key="watch" wrap="truncate-start">
        ✎ edit <Text bold>{watchPath}</Text> — saving re-checks
      </Text>,
    );
    statusRows += 1;
  }
  if (hintsShown > 0) {
    status.push(<Hints key="hints" hints={hints} shown={hintsShown} />);
    statusRows += (step.hints ?? [])
      .slice(0, hintsShown)
      .reduce((n, h) => n + Math.ceil((h.length + 12) / mainWidth), 0);
  }
  if (result || checking) {
    status.push(<CheckResult key="result" result={result} checking={checking} />);
    statusRows += checkResultLines(result, checking, mainWidth);
  }
  if (step.kind === 'answer') {
    status.push(
      <TextField
        key="answer"
        label="answer ›"
        value={answer.value}
        cursor={answer.cursor}
        focused={mode === 'answer'}
        placeholder="press a to type"
      />,
    );
    statusRows += 1;
  }
  if (complete) {
    status.push(
      <Text key="done" color={theme.pass} bold wrap="truncate-end">
        ★ Lesson complete.{nextTitle ? ` Next: ${nextTitle} — press m for the map.` : ' Every step passed.'}
      </Text>,
    );
    statusRows += 1;
  }
  const textRows = Math.max(2, mainRows - commandBoxRows(commands, mainWidth) - statusRows);
  const selected = requests[log.index];

  return (
    <Box flexDirection="column" width={size.columns}>
      <Text wrap="truncate-end">
        <Text bold>{lesson.title}</Text>
        <Text color={theme.muted}>
          {' '}
          · step {index + 1}/{lesson.steps.length} ·{' '}
        </Text>
        <Text bold color={theme.accent}>
          {step.title}
        </Text>
        <Text color={theme.muted}>
          {' '}
          [{step.kind}]{passed.has(step.id) ? ' ✓' : ''}
        </Text>
      </Text>
      <Box height={mainRows} overflow="hidden">
        {showSteps ? (
          <StepsList steps={lesson.steps} current={index} passed={passed} skipped={skipped} width={STEPS_WIDTH} />
        ) : null}
        <Box flexDirection="column" width={mainWidth}>
          {mode === 'detail' && selected ? (
            <RequestDetail request={selected} rows={mainRows} />
          ) : (
            <>
              <StepText lines={lines} scroll={scroll} rows={textRows} />
              <CommandBox commands={commands} width={mainWidth} />
              {status}
            </>
          )}
        </Box>
      </Box>
      <LabPanel servers={servers} controls={step.kind === 'drill'} />
      <RequestLog
        requests={requests}
        rows={logRows}
        selected={mode === 'log' || mode === 'detail' ? log.index : undefined}
      />
      <Footer keys={footerKeys(snapshot, mode)} />
    </Box>
  );
}
