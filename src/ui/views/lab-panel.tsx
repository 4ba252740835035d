// Each lab server: the key that stops/starts it, name, role, URL, state and pid.
import { Box, Text } from 'ink';
import type { ServerSnapshot } from '../../engine/types.js';
import { useTheme } from '../theme.js';

export interface LabPanelProps {
  servers: ServerSnapshot[];
  /** Show the 1-9 keys that stop and start servers. @default false */
  controls?: boolean;
}

const MARK = { starting: '◌', up: '●', stopped: '○', crashed: '✗' } as const;

export function LabPanel({ servers, controls = false }: LabPanelProps) {
  const theme = useTheme();
  const nameWidth = Math.max(4, ...servers.map((s) => s.name.length));
  const roleWidth = Math.max(4, ...servers.map((s) => s.role.length));
  const color = (state: ServerSnapshot['state']) =>
    state === 'up' ? theme.pass : state === 'starting' ? theme.warn : theme.fail;
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        ── lab {'─'.repeat(60)}
      </Text>
      {servers.map((s, i) => (
        <Text key={s.name} wrap="truncate-end">
          {controls && i < 9 ? <Text color={theme.accent}>[{i + 1}] </Text> : null}
          <Text color={color(s.state)}>{MARK[s.state]}</Text> <Text bold>{s.name.padEnd(nameWidth)}</Text>
          {'  '}
          <Text color={theme.muted}>{s.role.padEnd(roleWidth)}</Text>
          {'  '}
          {s.url}
          {'  '}
          <Text color={color(s.state)}>{s.state}</Text>
          {s.pid ? `  pid ${s.pid}` : ''}
          {s.reason && s.state !== 'up' ? <Text color={theme.muted}>{`  ${s.reason}`}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
