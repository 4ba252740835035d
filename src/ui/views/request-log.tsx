// Every request the lab observed, newest last: #N (the request's number in this log), time,
// server, method, target, status (coloured by class), duration, the connection it came on, and
// what the lesson is about (cache HIT/MISS, backend, worker pid, retries, limits). With no room
// for lines, the title line alone says how many there were and what the last one was.
// Follows the newest request until the learner moves the selection.
import { Box, Text } from 'ink';
import type { RequestEvent } from '../../engine/types.js';
import { requestNumber } from '../request-number.js';
import { requestTags } from '../request-tags.js';
import { visibleWidth } from '../text-width.js';
import { useTheme, type Theme } from '../theme.js';

export interface RequestLogProps {
  requests: RequestEvent[];
  /** Request lines under the title line (0: the title line only). */
  rows: number;
  /** Index of the selected request, when the log has the keys. */
  selected?: number;
  width: number;
  /** A request to mark (the one a command run from the tutor caused), by seq. */
  marked?: ReadonlySet<number>;
}

export function formatTime(time: number): string {
  const d = new Date(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "── title ────" filling `width` columns (the title is cut with … when it is too long). */
export function rule(title: string, width: number): string {
  return `${title} ${'─'.repeat(Math.max(0, width - visibleWidth(title) - 2))}`;
}

export const statusTone = (theme: Theme, s: number | null) =>
  s === null || s >= 500 ? theme.fail : s >= 400 ? theme.warn : s >= 300 ? theme.accent : theme.pass;

export function RequestLog({ requests, rows, selected, marked, width }: RequestLogProps) {
  const theme = useTheme();
  const focus = selected ?? requests.length - 1;
  const start = Math.max(0, Math.min(focus - rows + 1, requests.length - rows));
  const shown = rows > 0 ? requests.slice(start, start + rows) : [];
  const last = requests.at(-1);
  const seen = requestNumber(requests, requests.length - 1);
  const title = [
    `── requests (${last ? seen : 0})`,
    selected === undefined ? 'l choose' : '↑/↓ choose, Enter its journey, Esc back',
    ...(rows === 0 && last ? [`last: #${seen} ${last.method} ${last.target} ${last.status ?? '—'}`] : []),
  ].join(' · ');
  return (
    <Box flexDirection="column" height={rows + 1}>
      <Text color={selected === undefined ? theme.muted : theme.accent} wrap="truncate-end">
        {rule(title, width)}
      </Text>
      {rows > 0 && requests.length === 0 ? (
        <Text color={theme.muted}>No requests yet: run a command and it shows up here.</Text>
      ) : null}
      {shown.map((r, i) => (
        <RequestLine
          key={r.seq}
          request={r}
          number={requestNumber(requests, start + i)}
          selected={selected !== undefined && start + i === selected}
          marked={marked?.has(r.seq) ?? false}
        />
      ))}
    </Box>
  );
}

function RequestLine({
  request: r,
  number,
  selected,
  marked,
}: {
  request: RequestEvent;
  number: number;
  selected: boolean;
  marked: boolean;
}) {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end" inverse={selected}>
      <Text color={marked ? theme.accent : theme.muted}>
        {marked ? '▶' : ' '}#{number}
      </Text>{' '}
      {formatTime(r.time)} {r.server} <Text bold>{r.method}</Text> {r.target}{' '}
      <Text color={statusTone(theme, r.status)}>{r.status ?? '—'}</Text>
      {requestTags(r).map((tag) => (
        <Text key={tag.text} color={tag.tone ? theme[tag.tone] : undefined}>
          {' '}
          {tag.text}
        </Text>
      ))}
      {r.durationMs !== undefined ? <Text color={theme.muted}> {Math.round(r.durationMs)}ms</Text> : null}
      {r.conn !== undefined ? <Text color={theme.muted}> conn {r.conn}</Text> : null}
      {r.error ? <Text color={theme.fail}> {r.error}</Text> : null}
    </Text>
  );
}
