// A request's journey (src/engine/journey.ts) drawn in the request detail view: each hop on its
// own line, indented by how deep it sits, with the time it spent on the request itself, a bar to
// compare those times, what it did, and a mark on the hop whose answer the client got.
import { Box, Text } from 'ink';
import type { HopPassage, Journey } from '../../engine/journey.js';
import { useTheme } from '../theme.js';

export interface JourneyViewProps {
  journey: Journey;
  /** Longest bar, in cells. @default 12 */
  barWidth?: number;
}

export function JourneyView({ journey, barWidth = 12 }: JourneyViewProps) {
  const theme = useTheme();
  const most = Math.max(...journey.hops.map((hop) => hop.ownMs ?? 0), 0.01);
  const nameWidth = Math.max(...journey.hops.map((hop) => hop.hop.length + Math.min(hop.depth, 8)));
  return (
    <Box flexDirection="column">
      <Text color={theme.accent} wrap="truncate-end">
        journey of {journey.requestId} · {journey.hops.length} hop{journey.hops.length === 1 ? '' : 's'}
        {journey.slowest ? ` · slowest: ${journey.slowest.hop}` : ''}
      </Text>
      {journey.hops.map((hop) => {
        const stopped = hop === journey.answeredBy;
        const bar = hop.ownMs === undefined ? '' : '█'.repeat(Math.max(1, Math.round((hop.ownMs / most) * barWidth)));
        return (
          <Text key={`${hop.depth}-${hop.hop}`} wrap="truncate-end">
            {' '.repeat(Math.min(hop.depth, 8))}
            <Text bold={stopped} color={stopped ? (hop.answer === 'early' ? theme.fail : theme.pass) : undefined}>
              {stopped ? '■' : '→'} {hop.hop.padEnd(nameWidth - Math.min(hop.depth, 8))}
            </Text>{' '}
            <Text color={theme.muted}>{timeText(hop).padStart(10)}</Text>{' '}
            <Text color={theme.accent}>{bar.padEnd(barWidth)}</Text> {whatText(hop)}
            {stopped ? <Text bold> ← answered here</Text> : null}
          </Text>
        );
      })}
      {journey.hops
        .filter((hop) => hop.added.length + hop.removed.length + hop.changed.length > 0)
        .map((hop) => (
          <Text key={`changes-${hop.depth}`} color={theme.muted} wrap="truncate-end">
            {'  '}
            {hop.hop} changed headers: {changesText(hop)}
          </Text>
        ))}
    </Box>
  );
}

function timeText(hop: HopPassage): string {
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

function changesText(hop: HopPassage): string {
  return [
    ...hop.added.map(([name]) => `+${name}`),
    ...hop.changed.map(([name]) => `~${name}`),
    ...hop.removed.map((name) => `-${name}`),
  ].join(' ');
}
