// The lesson screen's keys. What a key does depends on the mode: reading the step, choosing a
// request in the log, looking at one request, or typing an answer (then only the text field and
// Esc have keys, so typing "q" types a q).
import { useInput, useStdin, type Key } from 'ink';
import type { LessonSession, SessionSnapshot } from '../../engine/session.js';

export type LessonMode = 'step' | 'log' | 'detail' | 'answer';

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
  scroll,
  toggleLab,
  isActive,
  onBack,
  onQuit,
  onHelp,
}: LessonKeys): void {
  const { isRawModeSupported } = useStdin();
  const { step, passed, servers } = snapshot;
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
      return;
    }
    if (mode === 'log') {
      if (key.escape || key.tab || input === 'l') setMode('step');
      else if (key.return && snapshot.requests.length > 0) setMode('detail');
      return;
    }
    if (key.escape || input === 'm') return onBack();
    if (key.rightArrow || input === 'n') return session.next();
    if (key.leftArrow || input === 'p') return session.previous();
    if (key.upArrow || input === 'k') return scroll.by(-1);
    if (key.downArrow || input === 'j') return scroll.by(1);
    if (key.pageUp) return scroll.by(-10);
    if (key.pageDown || input === ' ') return scroll.by(10);
    if (key.ctrl && input === 'd') return scroll.halfPage(1);
    if (key.ctrl && input === 'u') return scroll.halfPage(-1);
    if (key.home || input === 'g') return scroll.to('top');
    if (key.end || input === 'G') return scroll.to('bottom');
    if (input === '<' || input === ',') return scroll.side(-1);
    if (input === '>' || input === '.') return scroll.side(1);
    if (input === 'f') return toggleLab();
    if (input === 'h') return session.showHint();
    if (input === 'l' || key.tab) return setMode('log');
    if (input === 'a' && step.kind === 'answer') return setMode('answer');
    if (/^[1-9]$/.test(input)) {
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
      ['Enter', 'details'],
      ['Esc', 'back'],
      ['q', 'quit'],
    ];
  if (mode === 'detail')
    return [
      ['Esc', 'back to the log'],
      ['q', 'quit'],
    ];
  const { step, passed, index, lesson } = snapshot;
  const keys: [string, string][] = [];
  if (snapshot.complete && index === lesson.steps.length - 1) keys.push(['m', 'map: the next lesson']);
  else if (passed.has(step.id) && index < lesson.steps.length - 1) keys.push(['Enter', 'next step']);
  else if (step.kind === 'read') keys.push(['Enter', 'got it']);
  else if (step.kind === 'answer') keys.push(['a', 'answer']);
  else keys.push(['c', 'check']);
  if (step.hints?.length) keys.push(['h', 'hint']);
  if (step.kind === 'drill') keys.push(['1-9', 'stop/start server']);
  keys.push(['←/→', 'steps'], ['l', 'requests']);
  if (!keys.some(([key]) => key === 'm')) keys.push(['m', 'map']);
  keys.push(['?', 'help'], ['q', 'quit']);
  return keys;
}
