// One open lesson: step text, commands, hints, result and answer field on top; the lab panel and
// the live request log below; the keys at the bottom. Heights are worked out here so that the
// whole screen fits the terminal and only the step text scrolls.
import { Box, Text } from 'ink';
import { Fragment, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LessonSession } from '../../engine/session.js';
import { useJourneyView } from '../hooks/use-journey-view.js';
import { footerKeys, useLessonKeys, type LessonMode, type Scroller } from '../hooks/use-lesson-keys.js';
import { useMarkdown } from '../hooks/use-markdown.js';
import { useLessonPanes } from '../hooks/use-lesson-panes.js';
import { useSession } from '../hooks/use-session.js';
import type { Size } from '../hooks/use-terminal-size.js';
import { layout } from '../layout.js';
import { wrapText } from '../text-width.js';
import { serverNotes } from '../server-notes.js';
import { useTheme } from '../theme.js';
import { TextField } from '../widgets/text-field/text-field.js';
import { replay, useTextField } from '../widgets/text-field/use-text-field.js';
import { useTextFieldState } from '../widgets/text-field/use-text-field-state.js';
import { useSelectionInput } from '../widgets/selection/use-selection-input.js';
import { useSelectionState } from '../widgets/selection/use-selection-state.js';
import { CheckResult, checkResultLines } from './check-result.js';
import { CommandBox, commandBoxRows } from './command-box.js';
import { Footer } from './footer.js';
import { Hints, hintLines } from './hints.js';
import { LabPanel } from './lab-panel.js';
import { LinearLesson } from './linear-lesson.js';
import { JourneyScreen } from './journey.js';
import { requestNumber } from '../request-number.js';
import { RequestLog } from './request-log.js';
import { StepText, widestKept } from './step-text.js';
import { StepsList, sidebarWidth } from './steps-list.js';
import { TextPane } from './text-pane.js';

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
  const { progressError } = snapshot;
  const [mode, setModeState] = useState<LessonMode>('step');
  // The mode as of the last key, not the last frame: keys read in the same instant (a, then the
  // answer, then Enter) each go where the one before sent them.
  const modeNow = useRef<LessonMode>('step');
  const setMode = (next: LessonMode) => {
    modeNow.current = next;
    setModeState(next);
  };
  const taken = useRef(false);
  const [scroll, setScroll] = useState(0);
  const [hscroll, setHscroll] = useState(0);
  const [labFold, setLabFold] = useState<'auto' | 'folded' | 'open'>('auto');
  const banner = useCompletionBanner(complete, step.id);
  const answer = useTextFieldState();
  const log = useSelectionState(requests.length, Math.max(0, requests.length - 1));
  // Opening the log chooses the newest request (back from a journey, the one it was).
  const lastMode = useRef<LessonMode>('step');
  useEffect(() => {
    if (mode === 'log' && lastMode.current !== 'detail') log.dispatch({ type: 'last' });
    lastMode.current = mode;
  }, [mode]);
  // The session lets the oldest requests go (session.ts): the chosen one moves up the list by as
  // many, and stays chosen.
  const oldest = requests.length ? requestNumber(requests, 0) : 0;
  const oldestBefore = useRef(oldest);
  // This frame already shows the list without them, before the effect below moves the selection.
  // (From the index as set, not as kept inside the shorter list: the newest requests' indexes
  // are past its end until they move.)
  const gone = Math.max(0, oldest - oldestBefore.current);
  const chosen = Math.max(0, Math.min(requests.length - 1, log.raw - gone));
  useEffect(() => {
    oldestBefore.current = oldest;
    if (gone > 0) log.dispatch({ type: 'set', index: log.raw - gone });
  }, [oldest]);
  useEffect(() => {
    setScroll(0);
    setHscroll(0);
    answer.dispatch({ type: 'clear' });
    if (modeNow.current === 'answer') setMode('step');
  }, [step.id]);

  const steps = linear ? 0 : sidebarWidth(lesson.steps, size.columns);
  // The step text is beside the steps list; commands, notes and panes span the whole width, so a
  // command selected with the mouse never picks up the list.
  const mainWidth = size.columns - steps - 1;
  const fullWidth = size.columns - 1;
  const lines = useMarkdown(session.fill(lesson.texts[step.id] ?? '', 'markdown'), mainWidth, theme.noColor);
  const commands = (step.commands ?? []).map((c) => session.fill(c, 'command'));
  const hints = (step.hints ?? []).map((hint) => session.fill(hint));
  const panes = useLessonPanes(session, snapshot, () => modeNow.current, setMode, commands, theme.noColor);
  const [paneScroll, setPaneScroll] = useState({ top: 0, side: 0 });
  useEffect(() => setPaneScroll({ top: 0, side: 0 }), [mode]);

  // Everything under the commands, with the rows each takes at this width.
  const status: ReactNode[] = [];
  let statusRows = 0;
  const note = (key: string, node: ReactNode, rows = 1) => {
    status.push(<Fragment key={key}>{node}</Fragment>);
    statusRows += rows;
  };
  const skipReason = skipped.get(step.id);
  if (panes.note)
    note(
      'copied',
      <Text color={theme.muted} wrap="truncate-end">
        {panes.note}
      </Text>,
    );
  if (skipReason)
    note(
      'skip',
      <Text color={theme.warn} wrap="truncate-end">
        – Skipped on this machine ({skipReason}). Read it; n goes on.
      </Text>,
    );
  if (watchPath)
    note(
      'watch',
      <Text wrap="truncate-start">
        ✎ edit <Text bold>{watchPath}</Text> — saving re-checks
      </Text>,
    );
  if (hintsShown > 0)
    note(
      'hints',
      <Hints hints={hints} shown={hintsShown} width={fullWidth} />,
      hintLines(hints, hintsShown, fullWidth).length,
    );
  if (result || checking)
    note(
      'result',
      <CheckResult result={result} checking={checking} width={fullWidth} />,
      checkResultLines(result, checking, fullWidth),
    );
  // A progress write that failed (full or read-only disk): never silent, or a pass is lost unseen.
  if (progressError && !result?.details.includes(progressError))
    note(
      'progress-error',
      <Box flexDirection="column">
        {wrapText(progressError, fullWidth, { first: '! ' }).map((line, i) => (
          <Text key={i} color={theme.warn} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>,
      wrapText(progressError, fullWidth, { first: '! ' }).length,
    );
  if (step.kind === 'answer')
    note(
      'answer',
      <TextField
        label="answer ›"
        value={answer.value}
        cursor={answer.cursor}
        focused={mode === 'answer'}
        placeholder="press a to type"
      />,
    );
  if (banner)
    note(
      'done',
      <Text color={theme.pass} bold wrap="truncate-end">
        ★ Lesson complete.{nextTitle ? ` Next: ${nextTitle} — press m for the map.` : ' Every step passed.'}
      </Text>,
    );

  // A pane (or a request's detail) takes the place of the text, commands and notes.
  const covered = panes.pane !== undefined || mode === 'detail';
  const box = layout({
    rows: size.rows,
    servers: servers.length,
    commandRows: covered ? 0 : commandBoxRows(commands, fullWidth),
    statusRows: covered ? 0 : statusRows,
    lab: labFold,
    requests: requests.length,
  });
  // A request's journey takes every row it can: the lab panel folds and the log gives its rows.
  const detail = mode === 'detail';
  const mainRows = detail ? size.rows - 4 : box.mainRows;
  const selected = requests[chosen];
  const journey = useJourneyView(snapshot, detail ? selected : undefined, fullWidth, mainRows - 1);
  const textRows = box.textRows;
  // The scroll keys move the pane when one shows, else the step text.
  const pane = panes.pane;
  const paneRows = box.mainRows;
  const shownLines = pane ? pane.lines : lines;
  const window = pane ? paneRows - 1 : textRows;
  const setTop = (next: (t: number) => number) =>
    pane ? setPaneScroll((p) => ({ ...p, top: next(p.top) })) : setScroll(next);
  const setSide = (next: (h: number) => number) =>
    pane ? setPaneScroll((p) => ({ ...p, side: next(p.side) })) : setHscroll(next);
  const maxScroll = Math.max(0, (shownLines?.length ?? 0) - window + 1);
  const clampTop = (t: number) => Math.max(0, Math.min(t, maxScroll));
  const sideWidth = pane ? fullWidth : mainWidth;
  const scroller: Scroller = {
    by: (by) => setTop((s) => clampTop(s + by)),
    halfPage: (direction) => setTop((s) => clampTop(s + direction * Math.max(1, Math.floor(window / 2)))),
    to: (end) => setTop(() => (end === 'top' ? 0 : maxScroll)),
    side: (direction) =>
      setSide((h) =>
        Math.max(0, Math.min(h + direction * Math.floor(sideWidth / 2), widestKept(shownLines) - sideWidth + 2)),
      ),
  };

  /** An answer typed in the field, or typed ahead with the key that opened it (a paste). The field
   * stays open until the answer passes: after a wrong one the learner types the next try at once,
   * and a stray q or digit must not quit or stop a server meanwhile. */
  const submitAnswer = (value: string) => {
    if (value.trim() === '') return;
    const asked = step.id;
    void session.check(value.trim()).then((result) => {
      if (result?.status === 'pass' && modeNow.current === 'answer' && session.snapshot().step.id === asked)
        setMode('step');
    });
  };

  // The answer field listens first; a key it takes is not a lesson key too.
  useTextField({
    value: answer.value,
    cursor: answer.cursor,
    dispatch: answer.dispatch,
    current: answer.current,
    isActive,
    takes: () => modeNow.current === 'answer',
    onTaken: () => {
      taken.current = true;
    },
    onSubmit: submitAnswer,
    onCancel: () => setMode('step'),
  });
  useLessonKeys({
    session,
    snapshot,
    mode: () => modeNow.current,
    setMode,
    wasTaken: () => {
      const was = taken.current;
      taken.current = false;
      return was;
    },
    typeAhead: (text) => replay(text, answer.current(), answer.dispatch, submitAnswer),
    isActive,
    onBack,
    onQuit,
    onHelp,
    scroll: scroller,
    toggleLab: () => setLabFold(box.labFolded ? 'open' : 'folded'),
    actions: panes.actions,
    journey: journey.keys,
  });
  useSelectionInput(log.dispatch, { isActive: isActive && mode === 'log' });

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
        traceCommand={session.fill(`{{tutor}} trace ${lesson.id}`, 'command')}
      />
    );

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
          {snapshot.helped.has(step.id) ? ' solved with help' : ''}
          {complete && !banner ? ' · lesson complete' : ''}
        </Text>
      </Text>
      <Box height={mainRows} overflow="hidden" flexDirection="column">
        {detail && selected && journey.journey ? (
          <JourneyScreen
            request={selected}
            number={requestNumber(requests, chosen)}
            journey={journey.journey}
            lines={journey.lines}
            scroll={journey.scroll}
            rows={mainRows}
            width={fullWidth}
          />
        ) : pane ? (
          <TextPane
            title={pane.title}
            lines={pane.lines}
            scroll={paneScroll.top}
            hscroll={paneScroll.side}
            rows={paneRows}
            width={fullWidth}
          />
        ) : (
          <>
            <Box height={textRows}>
              {steps > 0 ? (
                <StepsList
                  steps={lesson.steps}
                  current={index}
                  passed={passed}
                  skipped={skipped}
                  width={steps}
                  rows={textRows}
                />
              ) : null}
              <Box width={mainWidth} flexShrink={0}>
                <StepText lines={lines} scroll={scroll} hscroll={hscroll} rows={textRows} width={mainWidth} />
              </Box>
            </Box>
            <CommandBox
              commands={commands}
              width={fullWidth}
              rules={box.commandRules}
              selected={mode === 'commands' ? panes.chosen : undefined}
            />
            {status}
          </>
        )}
      </Box>
      <LabPanel
        servers={servers}
        controls={step.kind === 'drill'}
        folded={box.labFolded || detail}
        notes={serverNotes(lesson.servers)}
        width={size.columns}
      />
      {detail ? null : (
        <RequestLog
          requests={requests}
          rows={box.logRows}
          width={size.columns}
          selected={mode === 'log' ? chosen : undefined}
          marked={panes.marked}
        />
      )}
      <Footer keys={footerKeys(snapshot, mode)} width={size.columns} />
    </Box>
  );
}

/** The step on which the lesson became complete, while the learner is on it: the banner shows
 * there, once, not on every step of a finished lesson. */
function useCompletionBanner(complete: boolean, stepId: string): boolean {
  const was = useRef(complete);
  const [at, setAt] = useState<string>();
  useEffect(() => {
    if (complete && !was.current) setAt(stepId);
    was.current = complete;
  }, [complete]);
  return complete && at === stepId;
}
