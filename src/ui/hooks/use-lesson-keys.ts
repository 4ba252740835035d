// The lesson screen's keys. What a key does depends on the mode: reading the step, choosing a
// request in the log, looking at one request, or typing an answer (then only the text field and
// Esc have keys, so typing "q" types a q).
import { useInput, useStdin, type Key } from 'ink';
import type { LessonSession, SessionSnapshot } from '../../engine/session.js';
import type { JourneyKeys } from './use-journey-view.js';

export type LessonMode = 'step' | 'log' | 'detail' | 'answer' | 'commands' | PaneMode;

/** Views that take the place of the step text: a command's output, a server's log or source, the
 * step's solution. They scroll like the step text; Esc goes back. */
export type PaneMode = 'output' | 'logs' | 'source' | 'solution';
export const isPane = (mode: LessonMode): mode is PaneMode =>
  mode === 'output' || mode === 'logs' || mode === 'source' || mode === 'solution';

/** What the lesson keys ask the view to do beyond moving around. */
export interface LessonActions {
  /** r: run the chosen command (with several commands, the first r lets the learner choose). */
  run(): void;
  /** y: copy the chosen command to the clipboard. */
  copy(): void;
  /** Move the choice among the step's commands. */
  choose(by: number): void;
  /** Tab/←/→ in the log and source views: the next server. */
  cycle(by: number): void;
  /** S: the solution (asks first). */
  solution(): void;
}

/** How the step text moves: by lines, by half a window, to an end, sideways (pictures). */
export interface Scroller {
  by(lines: number): void;
  halfPage(direction: 1 | -1): void;
  to(end: 'top' | 'bottom'): void;
  side(direction: 1 | -1): void;
}

export interface LessonKeys {
  session: LessonSession;
  snapshot: SessionSnapshot;
  /** The mode now (after keys handled in this instant, before React renders them). */
  mode(): LessonMode;
  setMode(mode: LessonMode): void;
  /** True once for a key the answer field already took. */
  wasTaken(): boolean;
  /** Keys that came with the one that opened the answer field: type them into it. */
  typeAhead(text: string): void;
  scroll: Scroller;
  /** Fold or unfold the lab panel. */
  toggleLab(): void;
  actions: LessonActions;
  /** The keys of a request's journey (the detail mode). */
  journey: JourneyKeys;
  isActive: boolean;
  onBack(): void;
  onQuit(): void;
  onHelp(): void;
}

export function useLessonKeys({
  session,
  snapshot,
  mode: modeNow,
  setMode,
  wasTaken,
  typeAhead,
  scroll: scrollText,
  toggleLab,
  actions,
  journey,
  isActive,
  onBack,
  onQuit,
  onHelp,
}: LessonKeys): void {
  const { isRawModeSupported } = useStdin();
  const { step, passed, servers } = snapshot;
  const commands = step.commands?.length ?? 0;
  /** The keys that move the text (or the pane); true when the key was one of them. */
  const scrollKeys = (input: string, key: Key, scroll: Scroller = scrollText): boolean => {
    if (key.upArrow || input === 'k') scroll.by(-1);
    else if (key.downArrow || input === 'j') scroll.by(1);
    else if (key.pageUp) scroll.by(-10);
    else if (key.pageDown || input === ' ') scroll.by(10);
    else if (key.ctrl && input === 'd') scroll.halfPage(1);
    else if (key.ctrl && input === 'u') scroll.halfPage(-1);
    else if (key.home || input === 'g') scroll.to('top');
    else if (key.end || input === 'G') scroll.to('bottom');
    else if (input === '<' || input === ',') scroll.side(-1);
    else if (input === '>' || input === '.') scroll.side(1);
    else return false;
    return true;
  };
  const handle = (input: string, key: Key): void => {
    if (wasTaken()) return; // the answer field had it
    if (modeNow() === 'answer') return;
    // Keys that arrive together (a held key, a paste, a busy moment) come as one string: one at
    // a time; once one opens the answer field, the rest are typed into it (Enter submits).
    if (input.length > 1 && /^[\x20-\x7e]+\r?$/.test(input)) {
      const chars = [...input];
      for (const [i, char] of chars.entries()) {
        if (modeNow() === 'answer') return typeAhead(chars.slice(i).join(''));
        if (char === '\r') handle('', { ...key, return: true });
        else handle(char, { ...key, shift: /[A-Z]/.test(char) });
      }
      return;
    }
    const mode = modeNow();
    if (input === 'q') return onQuit();
    if (input === '?') return onHelp();
    if (mode === 'detail') {
      if (key.escape || key.backspace || key.delete || input === 'l') setMode('log');
      else if (key.rightArrow || input === 'n') journey.hop(1);
      else if (key.leftArrow || input === 'p') journey.hop(-1);
      else if (input === 'e') journey.fold();
      else if (input !== '<' && input !== ',' && input !== '>' && input !== '.') scrollKeys(input, key, journey.scroll);
      return;
    }
    if (mode === 'log') {
      if (key.escape || key.tab || input === 'l') setMode('step');
      else if (key.return && snapshot.requests.length > 0) {
        journey.reset();
        setMode('detail');
      }
      return;
    }
    if (mode === 'commands') {
      if (key.upArrow || input === 'k') actions.choose(-1);
      else if (key.downArrow || input === 'j') actions.choose(1);
      else if (key.return || input === 'r') actions.run();
      else if (input === 'y') actions.copy();
      else if (key.escape) setMode('step');
      return;
    }
    if (isPane(mode)) {
      if (key.escape || key.backspace || key.delete) return setMode('step');
      if (mode === 'output' && input === 'r') return actions.run();
      if ((mode === 'logs' || mode === 'source') && (key.tab || key.rightArrow || key.leftArrow))
        return actions.cycle(key.leftArrow ? -1 : 1);
      if (mode === 'logs' && input === 'o') return setMode('step');
      if (mode === 'source' && input === 'v') return setMode('step');
      if (mode === 'solution' && input === 'S') return setMode('step');
      scrollKeys(input, key);
      return;
    }
    if (scrollKeys(input, key)) return;
    if (key.escape || input === 'm') return onBack();
    if (key.rightArrow || input === 'n') return session.next();
    if (key.leftArrow || input === 'p') return session.previous();
    if (input === 'f') return toggleLab();
    if (input === 'r' && commands > 0) return actions.run();
    if (input === 'y' && commands > 0) return actions.copy();
    if (input === 'o') return setMode('logs');
    if (input === 'v') return setMode('source');
    if (input === 'S') return actions.solution();
    if (input === 'h') return session.showHint();
    if (input === 'l' || key.tab) return setMode('log');
    if (input === 'a' && step.kind === 'answer') return setMode('answer');
    // Only on a drill, where the lab panel shows [1]…[9]: elsewhere a learner retyping a number
    // for an answer (without pressing a first) would stop and start lab servers unseen.
    if (/^[1-9]$/.test(input) && step.kind === 'drill') {
      const server = servers[Number(input) - 1];
      if (server)
        void session
          .control(server.state === 'up' || server.state === 'starting' ? 'stop' : 'start', server.name)
          .catch(() => {});
      return;
    }
    if (input === 'c') {
      if (step.kind === 'answer') setMode('answer');
      else void session.check();
      return;
    }
    if (key.return) {
      if (passed.has(step.id)) session.next();
      else if (step.kind === 'answer') setMode('answer');
      else void session.check();
    }
  };
  useInput(handle, { isActive: isActive && isRawModeSupported === true });
}

/** The footer's keys for this mode and step. */
export function footerKeys(snapshot: SessionSnapshot, mode: LessonMode): [string, string][] {
  if (mode === 'answer')
    return [
      ['Enter', 'check answer'],
      ['Esc', 'stop typing'],
    ];
  if (mode === 'log')
    return [
      ['↑/↓', 'choose'],
      ['Enter', 'its journey'],
      ['Esc', 'back'],
      ['q', 'quit'],
    ];
  if (mode === 'detail')
    return [
      ['Esc', 'log'],
      ['←/→', 'hop'],
      ['j/k g/G', 'scroll'],
      ['e', 'fold'],
      ['?', 'help'],
      ['q', 'quit'],
    ];
  if (mode === 'commands')
    return [
      ['↑/↓', 'choose'],
      ['Enter', 'run'],
      ['y', 'copy'],
      ['Esc', 'back'],
      ['q', 'quit'],
    ];
  if (isPane(mode)) {
    const keys: [string, string][] = [['Esc', 'back to the step']];
    if (mode === 'output') keys.push(['r', 'run again']);
    if (mode === 'logs' || mode === 'source') keys.push(['Tab', 'next server']);
    keys.push(['j/k g/G', 'scroll'], ['?', 'help'], ['q', 'quit']);
    return keys;
  }
  const { step, passed, index, lesson } = snapshot;
  const keys: [string, string][] = [];
  if (snapshot.complete && index === lesson.steps.length - 1) keys.push(['m', 'map: the next lesson']);
  else if (passed.has(step.id) && index < lesson.steps.length - 1) keys.push(['Enter', 'next step']);
  else if (step.kind === 'read') keys.push(['Enter', 'got it']);
  else if (step.kind === 'answer') keys.push(['a', 'answer']);
  else keys.push(['c', 'check']);
  if (step.commands?.length) keys.push(['r', 'run'], ['y', 'copy']);
  if (step.hints?.length && snapshot.hintsShown < step.hints.length) keys.push(['h', 'hint']);
  else if (step.kind !== 'read' && !passed.has(step.id)) keys.push(['S', 'solution']);
  if (step.kind === 'drill') keys.push(['1-9', 'stop/start server']);
  keys.push(['←/→', 'steps'], ['l', 'requests'], ['o', 'server logs'], ['v', 'source']);
  if (!keys.some(([key]) => key === 'm')) keys.push(['m', 'map']);
  keys.push(['?', 'help'], ['q', 'quit']);
  return keys;
}
