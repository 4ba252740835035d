// A request's journey, opened from the request log: a title that says which request it is and
// who answered, then the journey's lines (src/ui/journey-lines.ts) in a window that scrolls like
// the step text. The chosen hop is lit; ←/→ light the next hop in turn.
import { Box, Text } from 'ink';
import type { Journey } from '../../engine/journey.js';
import type { RequestEvent } from '../../engine/types.js';
import type { JourneyLine } from '../journey-lines.js';
import { useTheme } from '../theme.js';
import { formatTime } from './request-log.js';
import { scrollMark } from './step-text.js';

export interface JourneyScreenProps {
  request: RequestEvent;
  /** Its number in the request log. */
  number: number;
  journey: Journey;
  /** From journeyLines(), already fitted to `width`. */
  lines: JourneyLine[];
  scroll: number;
  rows: number;
  width: number;
}

export function JourneyScreen({ request, number, journey, lines, scroll, rows, width }: JourneyScreenProps) {
  const theme = useTheme();
  const body = Math.max(1, rows - 1);
  const mark = scrollMark(
    lines.map((line) => ({ text: line.text, keep: false })),
    scroll,
    body,
    0,
    width,
  );
  const shown = lines.slice(scroll, scroll + body - (mark ? 1 : 0));
  const hops = journey.hops.length;
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      <Text color={theme.accent} bold wrap="truncate-end">
        #{number} {formatTime(request.time)} {request.method} {request.target} → {request.status ?? '—'} · {hops} hop
        {hops === 1 ? '' : 's'}
        {journey.traced ? ` · id ${journey.requestId}` : ''}
      </Text>
      {shown.map((line, i) => (
        <Text
          key={scroll + i}
          wrap="truncate-end"
          inverse={line.lit}
          bold={line.bold}
          color={line.tone ? theme[line.tone] : undefined}
        >
          {line.text || ' '}
        </Text>
      ))}
      {mark ? (
        <Text color={theme.muted} wrap="truncate-end">
          {mark}
        </Text>
      ) : null}
    </Box>
  );
}
