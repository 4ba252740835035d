// One request as the lab saw it: the request line and headers that came in, the status and
// headers that went out, and whatever else the server reported (pid, backend, cache…).
import { Box, Text } from 'ink';
import type { Journey } from '../../engine/journey.js';
import type { HeaderPairs, RequestEvent } from '../../engine/types.js';
import type { WireRecord } from '../../servers/fastcgi/events.js';
import { formatRecord } from '../../servers/fastcgi/wire.mjs';
import { useTheme } from '../theme.js';
import { JourneyView } from './journey.js';
import { formatTime } from './request-log.js';

export interface RequestDetailProps {
  request: RequestEvent;
  /** Its number in the request log. */
  number: number;
  rows: number;
  /** Its journey across the lab's hops, when the hops traced it. */
  journey?: Journey;
}

const KNOWN = new Set([
  'seq',
  'time',
  'server',
  'event',
  'method',
  'target',
  'httpVersion',
  'headers',
  'status',
  'responseHeaders',
  'durationMs',
  'error',
]);

export function RequestDetail({ request, number, rows, journey }: RequestDetailProps) {
  const theme = useTheme();
  const headerLines = (pairs: HeaderPairs | undefined) =>
    (pairs ?? []).map(([name, value], i) => (
      <Text key={`${name}-${i}`} wrap="truncate-end">
        {'  '}
        <Text bold>{name}</Text>: {value}
      </Text>
    ));
  // A FastCGI request's records (the wire view) read as the front's /_records page shows them.
  // (The detail view shows any server's fields: it reads them by name, whatever the family.)
  const own = request as RequestEvent & { records?: unknown };
  const records = Array.isArray(own.records) ? (own.records as WireRecord[]) : [];
  const extra = Object.entries(request).filter(([key]) => !KNOWN.has(key) && !(key === 'records' && records.length));
  // A map of names to plain values (a CGI script's environment, a WSGI environ) reads best as one
  // "NAME=value" line each, sorted like `env | sort`, after the short fields.
  const short = extra.filter(([, value]) => !isFlatMap(value));
  const maps = extra.filter(([, value]) => isFlatMap(value)) as [string, Record<string, unknown>][];
  return (
    <Box flexDirection="column" height={rows} overflow="hidden">
      <Text color={theme.accent} wrap="truncate-end">
        request #{number} at {formatTime(request.time)} seen by {request.server} · Esc back
      </Text>
      <Text bold wrap="truncate-end">
        → {request.method} {request.target} HTTP/{request.httpVersion ?? '1.1'}
      </Text>
      {headerLines(request.headers)}
      <Text bold wrap="truncate-end">
        ← {request.status ?? 'no response'}
        {request.durationMs !== undefined ? (
          <Text color={theme.muted}> in {Math.round(request.durationMs)} ms</Text>
        ) : null}
        {request.error ? <Text color={theme.fail}> {request.error}</Text> : null}
      </Text>
      {journey ? <JourneyView journey={journey} /> : null}
      {headerLines(request.responseHeaders)}
      {short.map(([key, value]) => (
        <Text key={key} color={theme.muted} wrap="truncate-end">
          {key}: {typeof value === 'string' ? value : JSON.stringify(value)}
        </Text>
      ))}
      {records.length ? (
        <Text color={theme.muted} wrap="truncate-end">
          records ({records.length}):
        </Text>
      ) : null}
      {records
        .flatMap((record) => formatRecord(record))
        .map((line, i) => (
          <Text key={`record-${i}`} wrap="truncate-end">
            {'  '}
            {line}
          </Text>
        ))}
      {maps.flatMap(([key, map]) => [
        <Text key={key} color={theme.muted} wrap="truncate-end">
          {key}:
        </Text>,
        ...Object.keys(map)
          .sort()
          .map((name) => (
            <Text key={`${key}.${name}`} color={theme.muted} wrap="truncate-end">
              {'  '}
              {name}={String(map[name])}
            </Text>
          )),
      ])}
    </Box>
  );
}

/** An object whose values are all strings, numbers or booleans. */
function isFlatMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => ['string', 'number', 'boolean'].includes(typeof v));
}
