// Each lab server: the key that stops/starts it, name, role, every port it listens on (the main
// URL and named extra ports such as the forward proxy's auth port or an HTTPS port), state and
// pid. Folded, the whole lab is one line: a mark, name and port per server.
import { Box, Text } from 'ink';
import type { ServerSnapshot } from '../../engine/types.js';
import { padColumns, visibleWidth } from '../text-width.js';
import { useTheme } from '../theme.js';
import { rule } from './request-log.js';

export interface LabPanelProps {
  servers: ServerSnapshot[];
  /** Show the 1-9 keys that stop and start servers. @default false */
  controls?: boolean;
  /** One line for the whole lab. @default false */
  folded?: boolean;
  /** A word about how a server runs ("under Gunicorn"), by server name. @default none */
  notes?: Record<string, string>;
  width: number;
}

const MARK = { starting: '◌', up: '●', stopped: '○', crashed: '✗' } as const;

/** "http://127.0.0.1:8210 · auth :8211": the main URL, then each extra port by its name. */
export function portsText(server: ServerSnapshot): string {
  const extra = Object.entries(server.ports ?? {}).map(([name, port]) => `${name} :${port}`);
  return [server.url, ...extra].join(' · ');
}

export function LabPanel({ servers, controls = false, folded = false, notes = {}, width }: LabPanelProps) {
  const theme = useTheme();
  const color = (state: ServerSnapshot['state']) =>
    state === 'up' ? theme.pass : state === 'starting' ? theme.warn : theme.fail;
  if (folded)
    return (
      <Text wrap="truncate-end">
        <Text color={theme.muted}>lab (f unfolds) </Text>
        {servers.map((s, i) => (
          <Text key={s.name}>
            {i > 0 ? '  ' : ''}
            {controls && i < 9 ? <Text color={theme.accent}>[{i + 1}]</Text> : null}
            <Text color={color(s.state)}>{MARK[s.state]}</Text> {s.name}
            {notes[s.name] ? ` (${notes[s.name]})` : ''} :{s.port}
            {Object.values(s.ports ?? {}).map((p) => ` :${p}`)}
            {s.state === 'up' ? '' : <Text color={color(s.state)}> {s.state}</Text>}
          </Text>
        ))}
      </Text>
    );
  const nameWidth = Math.max(4, ...servers.map((s) => visibleWidth(s.name)));
  const roleWidth = Math.max(4, ...servers.map((s) => visibleWidth(s.role)));
  const portWidth = Math.max(...servers.map((s) => visibleWidth(portsText(s))));
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} wrap="truncate-end">
        {rule('── lab · f fold', width)}
      </Text>
      {servers.map((s, i) => (
        <Text key={s.name} wrap="truncate-end">
          {controls && i < 9 ? <Text color={theme.accent}>[{i + 1}] </Text> : null}
          <Text color={color(s.state)}>{MARK[s.state]}</Text> <Text bold>{padColumns(s.name, nameWidth)}</Text>
          {'  '}
          {padColumns(portsText(s), portWidth)}
          {'  '}
          <Text color={color(s.state)}>{s.state}</Text>
          {s.pid ? `  pid ${s.pid}` : ''}
          {'  '}
          <Text color={theme.muted}>{padColumns(s.role, roleWidth).trimEnd()}</Text>
          {notes[s.name] ? <Text color={theme.accent}>{`  ${notes[s.name]}`}</Text> : null}
          {s.reason && s.state !== 'up' ? <Text color={theme.muted}>{`  ${s.reason}`}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
