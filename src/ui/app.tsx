// The whole TUI: the lesson map, an open lesson, the help screen, and the guards for a terminal
// too small to draw in. It holds no lab itself: `opener` (from runTui) starts and stops labs,
// and quitting goes through `onQuit` so the lab is torn down before the process exits.
import { Box, Text, useApp, useInput, useIsScreenReaderEnabled, useStdin } from 'ink';
import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import { useLessonSession, type LessonOpener } from './hooks/use-lesson-session.js';
import { useTerminalSize, type Size } from './hooks/use-terminal-size.js';
import { nextLesson, resumeIndex, type LessonCard, type MapEntry, type MapProgress } from './lesson-states.js';
import { MAP_KEYS } from './map-text.js';
import { ThemeContext, createTheme } from './theme.js';
import { Footer } from './views/footer.js';
import { Help, helpLines } from './views/help.js';
import { LessonMap } from './views/lesson-map.js';
import { useSelectionInput } from './widgets/selection/use-selection-input.js';
import { useSelectionState } from './widgets/selection/use-selection-state.js';

export interface AppProps {
  entries: MapEntry[];
  progress: MapProgress;
  opener: LessonOpener;
  /** Open this lesson at once (`gateway-tutor LESSON`). */
  initialLesson?: string;
  /** Called on q; should tear the lab down and exit. @default Ink's exit() */
  onQuit?: () => void;
  /** @default false */
  noColor?: boolean;
  /** Overrides Ink's screen reader detection (tests). */
  screenReader?: boolean;
  /** Overrides the terminal size (tests). */
  size?: Size;
}

export const MIN_SIZE: Size = { columns: 60, rows: 16 };

export function App({
  entries,
  progress,
  opener,
  initialLesson,
  onQuit,
  noColor = false,
  screenReader,
  size: sizeOverride,
}: AppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const detected = useIsScreenReaderEnabled();
  const linear = screenReader ?? detected;
  const size = useTerminalSize(sizeOverride);
  const theme = useMemo(() => createTheme(noColor), [noColor]);
  const initial = entries.find((e) => e.lesson.id === initialLesson && e.available !== false)?.lesson;
  const [open, setOpen] = useState<LessonCard | undefined>(initial);
  const [help, setHelpOpen] = useState(false);
  const [helpTop, setHelpTop] = useState(0);
  const setHelp = (open: boolean) => {
    setHelpTop(0);
    setHelpOpen(open);
  };
  const map = useSelectionState(entries.length, resumeIndex(entries, progress, initialLesson));
  const quit = onQuit ?? (() => exit());
  const tooSmall = !linear && (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows);

  // Keys of the map screen, the help screen and the size guard; an open lesson has its own.
  useInput(
    (input, key) => {
      if (help) {
        // The help scrolls on a small screen; any other key closes it.
        const by =
          key.downArrow || input === 'j'
            ? 1
            : key.upArrow || input === 'k'
              ? -1
              : key.pageDown || input === ' '
                ? 10
                : key.pageUp
                  ? -10
                  : 0;
        if (by) return setHelpTop((t) => Math.max(0, Math.min(t + by, helpLines(size.columns).length - size.rows + 2)));
        return setHelp(false);
      }
      if (input === 'q') return quit();
      if (tooSmall || open) return;
      if (input === '?') return setHelp(true);
      const entry = entries[map.index];
      if (key.return && entry && entry.available !== false) setOpen(entry.lesson);
    },
    { isActive: isRawModeSupported === true && (help || tooSmall || !open) },
  );
  useSelectionInput(map.dispatch, { isActive: !open && !help && !tooSmall, page: 5 });

  const back = () => {
    if (open) map.dispatch({ type: 'set', index: resumeIndex(entries, progress, open.id) });
    setOpen(undefined);
  };
  const next = open ? nextLesson(entries, progress, open.id)?.lesson.title : undefined;

  let body: ReactNode;
  if (tooSmall) {
    body = (
      <Text wrap="wrap">
        This terminal is {size.columns}×{size.rows}; gateway-tutor needs at least {MIN_SIZE.columns}×{MIN_SIZE.rows}.
        Make it bigger, or press q to quit.
      </Text>
    );
  } else if (help) {
    body = <Help rows={size.rows - 1} scroll={helpTop} width={size.columns} />;
  } else if (open) {
    body = null;
  } else {
    body = (
      <Box flexDirection="column">
        <LessonMap entries={entries} progress={progress} selected={map.index} width={size.columns} linear={linear} />
        {linear ? null : <Footer keys={MAP_KEYS} />}
      </Box>
    );
  }
  return (
    <ThemeContext.Provider value={theme}>
      {body}
      {/* The lesson stays mounted under help and the size guard, so its lab keeps running. */}
      {open ? (
        <Box display={help || tooSmall ? 'none' : 'flex'}>
          <LessonScreen
            key={open.id}
            lesson={open}
            opener={opener}
            size={size}
            linear={linear}
            nextTitle={next}
            isActive={!help && !tooSmall}
            onBack={back}
            onQuit={quit}
            onHelp={() => setHelp(true)}
          />
        </Box>
      ) : null}
    </ThemeContext.Provider>
  );
}

// An open lesson's view (the step text, the lab panel, the log, the journey…) is not on the first
// screen: it loads in its own chunk, from the moment a lesson is opened, while its lab starts.
let lessonViewModule: Promise<typeof import('./views/lesson-view.js')> | undefined;
const loadLessonView = () => {
  lessonViewModule ??= import('./views/lesson-view.js');
  return lessonViewModule;
};
const LessonView = lazy(() => loadLessonView().then((module) => ({ default: module.LessonView })));

interface LessonScreenProps {
  lesson: LessonCard;
  opener: LessonOpener;
  size: Size;
  linear: boolean;
  nextTitle?: string;
  isActive: boolean;
  onBack(): void;
  onQuit(): void;
  onHelp(): void;
}

function LessonScreen({ lesson, opener, ...view }: LessonScreenProps) {
  const state = useLessonSession(lesson, opener);
  const { isRawModeSupported } = useStdin();
  useEffect(() => {
    void loadLessonView();
  }, []);
  useInput(
    (input, key) => {
      if (input === 'q') view.onQuit();
      else if (key.escape || input === 'm') view.onBack();
    },
    { isActive: isRawModeSupported === true && view.isActive && state.status !== 'ready' },
  );
  const starting = <Text>Starting the lab for {lesson.title}… (Esc back, q quit)</Text>;
  if (state.status === 'starting') return starting;
  if (state.status === 'failed') {
    return (
      <Box flexDirection="column">
        <Text bold>The lab for {lesson.title} did not start.</Text>
        <Text wrap="wrap">{state.error}</Text>
        <Text>Press Esc for the lesson map, or q to quit. `gateway-tutor doctor` shows what is installed.</Text>
      </Box>
    );
  }
  return (
    <Suspense fallback={starting}>
      <LessonView session={state.session} {...view} />
    </Suspense>
  );
}
