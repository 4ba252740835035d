// The journey view as lines that fit the screen: every hop from the client inwards (the stack,
// with the chosen hop lit), then the chosen hop up close — its own time, what it did, the
// headers it added, removed or changed, and what it saw of the request (sections from
// src/engine/journey-sections.ts, long ones folded). Pure, so it is tested without drawing; every
// width is counted in screen columns.
import { changeLines, hopSections } from '../engine/journey-sections.js';
import type { HopPassage, Journey } from '../engine/journey.js';
import { padColumns, sliceColumns, visibleWidth, wrapText } from './text-width.js';

export interface JourneyLine {
  text: string;
  tone?: 'accent' | 'pass' | 'fail' | 'warn' | 'muted';
  bold?: boolean;
  /** The chosen hop's line in the stack. */
  lit?: boolean;
}

export interface JourneyLinesOptions {
  /** Index of the chosen hop. */
  selected: number;
  /** Long sections shown whole. @default false */
  unfolded?: boolean;
  width: number;
}

/** A folded section keeps this many lines when it has more than FOLD_AT. */
const FOLD_KEEP = 4;
const FOLD_AT = 6;
const BAR = 8;

export function journeyLines(
  journey: Journey,
  { selected, unfolded = false, width }: JourneyLinesOptions,
): JourneyLine[] {
  const lines: JourneyLine[] = [];
  const add = (text: string, style: Omit<JourneyLine, 'text'> = {}, indent = '') => {
    for (const line of wrapText(text, width, { first: indent })) lines.push({ text: line, ...style });
  };
  const hops = journey.hops;
  const chosen = hops[Math.max(0, Math.min(selected, hops.length - 1))];
  const most = Math.max(...hops.map((hop) => hop.ownMs ?? 0), 0.01);
  const nameWidth = Math.max(...hops.map((hop) => visibleWidth(hop.hop) + indentOf(hop)));
  for (const hop of hops) {
    const stopped = hop === journey.answeredBy;
    const bar = hop.ownMs === undefined ? '' : '█'.repeat(Math.max(1, Math.round((hop.ownMs / most) * BAR)));
    const text = [
      `${hop === chosen ? '▶' : ' '}${' '.repeat(indentOf(hop))}${stopped ? '■' : '→'} ${padColumns(hop.hop, nameWidth - indentOf(hop))}`,
      timeText(hop).padStart(9),
      padColumns(bar, BAR),
      `${whatText(hop)}${stopped ? ' ← answered here' : ''}`,
    ].join(' ');
    // A hop's line is one row, cut at the edge: the close-up below says the rest.
    const fitted = visibleWidth(text) > width ? `${sliceColumns(text, 0, width - 1)}…` : text;
    lines.push({
      text: fitted,
      lit: hop === chosen,
      bold: stopped,
      ...(stopped ? { tone: hop.answer === 'early' ? ('fail' as const) : ('pass' as const) } : {}),
    });
  }
  const summary = [
    journey.answeredBy?.status === undefined && journey.answeredBy?.why
      ? `no answer: ${journey.answeredBy.why} (at ${journey.answeredBy.hop})`
      : journey.answeredBy
        ? `answered by ${journey.answeredBy.hop}${journey.answeredBy.why ? ` (${journey.answeredBy.why})` : ''}`
        : 'no answer yet',
    ...(journey.slowest && hops.length > 1 ? [`slowest: ${journey.slowest.hop}`] : []),
    ...(journey.complete ? [] : ['not every hop has reported yet']),
  ].join(' · ');
  add(summary, { tone: 'muted' });
  if (!chosen) return lines;

  const index = hops.indexOf(chosen);
  add(rule(`── ${index + 1}/${hops.length} ${chosen.hop} (${chosen.server})`, width), { tone: 'accent' });
  add(closeUp(chosen));
  const changes = changeLines(chosen);
  if (changes.length) {
    add('what it changed before passing the request on:', { tone: 'muted' });
    for (const change of changes)
      add(change, { tone: change.startsWith('+') ? 'pass' : change.startsWith('-') ? 'fail' : 'warn' }, '  ');
  } else if (chosen.passedOn) add('the next hop saw the same request headers', { tone: 'muted' });
  const sections = hopSections(chosen);
  if (sections.length === 0 && chosen.server !== chosen.hop) {
    const gateway = hops.find((hop) => hop.server === chosen.server && hop.request);
    if (gateway)
      add(`${chosen.hop} runs inside ${chosen.server}: what ${chosen.server} saw is at ${gateway.hop}.`, {
        tone: 'muted',
      });
  }
  for (const section of sections) {
    const fold = !unfolded && section.foldable && section.lines.length > FOLD_AT;
    add(`${fold ? '▸' : '▾'} ${section.title} (${section.lines.length})`, { bold: true });
    // A line's own indent (a record's name-value pairs under it) hangs when it wraps.
    for (const line of fold ? section.lines.slice(0, FOLD_KEEP) : section.lines) {
      const lead = /^ */.exec(line)?.[0] ?? '';
      add(line.slice(lead.length), {}, `  ${lead}`);
    }
    if (fold) add(`… ${section.lines.length - FOLD_KEEP} more: e unfolds`, { tone: 'muted' }, '  ');
  }
  return lines;
}

const indentOf = (hop: HopPassage) => Math.min(hop.depth, 8);

function rule(title: string, width: number): string {
  return `${title} ${'─'.repeat(Math.max(0, width - visibleWidth(title) - 1))}`;
}

export function timeText(hop: HopPassage): string {
  const ms = hop.ownMs ?? hop.totalMs;
  if (ms === undefined) return 'waiting';
  return `${hop.ownMs === undefined ? 'Σ ' : ''}${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

function whatText(hop: HopPassage): string {
  const status = hop.status ?? 'no answer';
  if (hop.answer === 'early') return `${status} ${(hop.why ?? '').replace(`${hop.status}: `, '')}`;
  if (hop.answer === 'itself') return `${status}`;
  if (hop.answer === 'relayed') return `passed on, ${status} back`;
  return hop.passedOn ? 'passed on, waiting' : 'received';
}

/** The chosen hop in one sentence: its times, and what it did with the request. */
function closeUp(hop: HopPassage): string {
  const time =
    hop.ownMs !== undefined && hop.ownMs === hop.totalMs
      ? `${hop.ownMs} ms`
      : hop.ownMs !== undefined
        ? `${hop.ownMs} ms of its own (${hop.totalMs} ms in all, the hops within it included)`
        : hop.totalMs !== undefined
          ? `${hop.totalMs} ms in all`
          : 'no time reported yet';
  const what =
    hop.answer === 'early'
      ? // A 504 or 502 is answered early too, but after the request went on (trace-events.ts).
        `${hop.passedOn ? 'passed the request on, then answered' : 'answered'} ${hop.status ?? '—'} itself` +
        `${hop.passedOn ? ', with nothing usable back' : ', without passing the request on'}: ${(hop.why ?? '').replace(`${hop.status}: `, '')}`
      : hop.answer === 'itself'
        ? `answered ${hop.status ?? '—'} itself`
        : hop.answer === 'relayed'
          ? `passed the request on and relayed the ${hop.status ?? '—'} back`
          : hop.passedOn
            ? 'passed the request on; no answer back yet'
            : 'received the request; no answer yet';
  return `${time}; ${what}.`;
}
