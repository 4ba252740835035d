// Every request the lab observed, newest last: time, server (and #connection, so keep-alive is
// visible), method, target, status, duration.
// Follows the newest request until the learner moves the selection.
import { Box, Text } from 'ink';
import type { RequestEvent } from '../../engine/types.js';
import { useTheme } from '../theme.js';

export interface RequestLogProps {
  requests: RequestEvent[];
  rows: number;
  /** Index of the selected request, when the log has the keys. */
  selected?: number;
}

export function formatTime(time: number): string {
  const d = new Date(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export function RequestLog({ requests, rows, selected }: RequestLogProps) {
  const theme = useTheme();
  const focus = selected ?? requests.length - 1;
  const start = Math.max(0, Math.min(focus - rows + 1, requests.length - rows));
  const shown = requests.slice(start, start + rows);
  const statusColor = (s: number | null) => (s === null || s >= 500 ? theme.fail : s >= 400 ? theme.warn : theme.pass);
  return (
    <Box flexDirection="column" height={rows + 1}>
      <Text color={selected === undefined ? theme.muted : theme.accent} wrap="truncate-end">
        ── requests ({requests.length}){selected === undefined ? '' : ' · ↑/↓ choose, Enter details, Esc back'}{' '}
        {'─'.repeat(40)}
      </Text>
      {requests.length === 0 ? (
        <Text color={theme.muted}>No requests yet: run a command and it shows up here.</Text>
      ) : null}
      {shown.map((r, i) => {
        const isSelected = selected !== undefined && start + i === selected;
        return (
          <Text key={r.seq} wrap="truncate-end" inverse={isSelected}>
            {formatTime(r.time)} {r.server}
            {r.conn !== undefined ? <Text color={theme.muted}> #{r.conn}</Text> : null} <Text bold>{r.method}</Text>{' '}
            {r.target} <Text color={statusColor(r.status)}>{r.status ?? '—'}</Text>
            {r.durationMs !== undefined ? <Text color={theme.muted}> {Math.round(r.durationMs)}ms</Text> : null}
            {r.error ? <Text color={theme.fail}> {r.error}</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}
