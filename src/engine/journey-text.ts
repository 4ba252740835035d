// A request's journey as plain text, for `gateway-tutor trace`, workshops and screen readers: the
// same journey the TUI draws, one hop after another from the client inwards — its own time and in
// all, what it did, the headers it changed, and what it saw of the request (the sections of
// journey-sections.ts, whole: text is read by scrolling, not by folding).
import { changeLines, hopSections } from './journey-sections.js';
import type { HopPassage, Journey } from './journey.js';

export interface JourneyTextOptions {
  /** Add what each hop saw (request, answer, environment, records, scope…). @default true */
  sections?: boolean;
}

export function journeyText(journey: Journey, { sections = true }: JourneyTextOptions = {}): string[] {
  const lines = [journey.traced ? `request ${journey.requestId}` : `request ${journey.requestId} (no hop traced it)`];
  for (const hop of journey.hops) {
    const indent = '  '.repeat(Math.min(hop.depth, 8));
    lines.push(`${indent}${hop.depth}. ${hop.hop} [${hop.server}]  ${timeText(hop)}  ${whatText(hop)}`);
    for (const change of changeLines(hop)) lines.push(`${indent}     ${change}`);
    if (!sections) continue;
    for (const section of hopSections(hop)) {
      lines.push(`${indent}     ${section.title}:`);
      for (const line of section.lines) lines.push(`${indent}       ${line}`);
    }
  }
  if (journey.answeredBy?.status === undefined && journey.answeredBy?.why)
    lines.push(`no answer: ${journey.answeredBy.why} (at ${journey.answeredBy.hop})`);
  else if (journey.answeredBy)
    lines.push(`answered by: ${journey.answeredBy.hop}${journey.answeredBy.why ? ` (${journey.answeredBy.why})` : ''}`);
  if (!journey.complete) lines.push('(not every hop has reported its answer yet)');
  if (journey.slowest && journey.hops.length > 1)
    lines.push(`slowest hop: ${journey.slowest.hop} (${journey.slowest.ownMs} ms of its own)`);
  return lines;
}

function timeText(hop: HopPassage): string {
  if (hop.ownMs !== undefined) return `${hop.ownMs} ms here (${hop.totalMs} ms in all)`;
  return hop.totalMs !== undefined ? `${hop.totalMs} ms in all` : 'still waiting';
}

function whatText(hop: HopPassage): string {
  if (hop.answer === 'early' && hop.status === undefined) return `no answer: ${hop.why ?? ''}`;
  if (hop.answer === 'early')
    return `answered ${hop.status ?? '—'} itself: ${(hop.why ?? '').replace(`${hop.status}: `, '')}`;
  if (hop.answer === 'itself') return `answered ${hop.status ?? '—'}`;
  if (hop.answer === 'relayed') return `passed it on, relayed ${hop.status ?? '—'} back`;
  return hop.passedOn ? 'passed it on, no answer back yet' : 'received it, no answer yet';
}
