// What one hop saw of a request, as titled sections of plain text: the request and the response
// as its server reported them, the server's own short fields, and what the lesson teaches at that
// hop — the CGI environment, the FastCGI records, the WSGI environ, the ASGI scope and the
// receive/send events. The TUI's journey view and `gateway-tutor trace` show the same sections.
import type { WireRecord } from '../servers/fastcgi/events.js';
import { formatRecord } from '../servers/fastcgi/wire.mjs';
import type { HopPassage } from './journey.js';
import type { RequestEvent } from './types.js';

export interface HopSection {
  /** What the section is, in words ("WSGI environ"). */
  title: string;
  lines: string[];
  /** Long sections (environments, records) fold to their first lines on a small screen. */
  foldable: boolean;
}

/** Fields every request event has, shown in the request and response sections. */
const COMMON = new Set(['seq', 'time', 'server', 'event', 'method', 'target', 'httpVersion', 'headers', 'status']);
const ANSWER = new Set(['responseHeaders', 'durationMs', 'error']);

/** The big fields, each a section of its own, with the name the lesson gives it. */
const TEACHES: Record<string, string> = {
  env: 'CGI environment: the meta-variables the script was started with',
  records: 'FastCGI records, both ways',
  environ: 'WSGI environ: what the server built to call the app with',
  scope: 'ASGI scope: what the app was called with',
  messages: 'ASGI events: receive() and send(), in order',
};

/** The hop's own header changes as lines: "+ Name: value", "~ Name: value", "- Name". */
export function changeLines(hop: HopPassage): string[] {
  return [
    ...(hop.target ? [`request line: ${hop.target[0]} → ${hop.target[1]}`] : []),
    ...hop.added.map(([name, value]) => `+ ${name}: ${value}`),
    ...hop.changed.map(([name, value]) => `~ ${name}: ${value}`),
    ...hop.removed.map((name) => `- ${name}`),
  ];
}

export function hopSections(hop: HopPassage): HopSection[] {
  const r = hop.request;
  if (!r) return [];
  const fields = r as RequestEvent & Record<string, unknown>;
  // A FastCGI app is sent records, not HTTP: its request is rebuilt from the PARAMS it got
  // (REQUEST_METHOD, REQUEST_URI, the HTTP_* variables).
  const fastcgiApp = typeof fields.params === 'number' && typeof fields.stdinBytes === 'number';
  const sections: HopSection[] = [
    {
      title: fastcgiApp
        ? `what ${r.server} received, rebuilt from its PARAMS (it is sent no HTTP)`
        : `what ${r.server} received`,
      lines: [`${r.method} ${r.target} HTTP/${r.httpVersion ?? '1.1'}`, ...pairLines(r.headers)],
      foldable: true,
    },
    {
      title: `what ${r.server} answered`,
      lines: [
        `${r.status ?? 'no response'}${r.durationMs !== undefined ? ` in ${round(r.durationMs)} ms` : ''}${r.error ? ` (${r.error})` : ''}`,
        ...pairLines(r.responseHeaders),
      ],
      foldable: true,
    },
  ];
  const short = Object.entries(fields).filter(
    ([key, value]) =>
      !COMMON.has(key) && !ANSWER.has(key) && !(key in TEACHES) && key !== 'messagesDropped' && value !== undefined,
  );
  if (short.length)
    sections.push({
      title: `what else ${r.server} reported`,
      lines: short.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
      foldable: true,
    });
  for (const [key, title] of Object.entries(TEACHES)) {
    const lines = teachingLines(key, fields[key]);
    if (key === 'messages' && typeof fields.messagesDropped === 'number')
      lines.push(`… and ${fields.messagesDropped} more, not listed`);
    if (lines.length) sections.push({ title, lines, foldable: true });
  }
  const frames = (hop.related ?? []).map((event) => frameLine(event as unknown as Record<string, unknown>));
  if (frames.length)
    sections.push({ title: 'WebSocket: the messages on its connection', lines: frames, foldable: true });
  return sections;
}

/** One WebSocket message ("← in  text 5 bytes: hello"), or how the connection ended. */
function frameLine(event: Record<string, unknown>): string {
  if (event.event === 'websocket') {
    const by = event.closedBy ? ` by the ${event.closedBy}` : '';
    const reason = event.closeReason ? ` (${event.closeReason})` : '';
    return `closed${by}: code ${event.closeCode ?? '—'}${reason}; ${event.messagesIn} in, ${event.messagesOut} out`;
  }
  const arrow = event.direction === 'in' ? '← in ' : '→ out';
  const what =
    event.text !== undefined
      ? `: ${JSON.stringify(event.text)}`
      : event.hex
        ? `: ${event.hex}${Number(event.size) * 2 > String(event.hex).length ? '…' : ''}`
        : '';
  const code = event.code !== undefined ? ` code ${event.code}` : '';
  return `${arrow} ${event.kind} ${event.size} bytes${code}${what}`;
}

function teachingLines(key: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (key === 'records' && Array.isArray(value))
    return (value as WireRecord[]).flatMap((record) => formatRecord(record));
  if (key === 'messages' && Array.isArray(value)) return value.map((message) => messageLine(message));
  if (typeof value !== 'object' || Array.isArray(value)) return [String(value)];
  const entries = Object.entries(value as Record<string, unknown>);
  // An environment reads like `env | sort`; a scope in the order the spec lists its keys.
  if (key === 'env' || key === 'environ')
    return entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, v]) => `${name}=${key === 'environ' ? python(v) : plain(v)}`);
  if (key === 'scope') return scopeLines(value as Record<string, unknown>);
  return entries.map(([name, v]) => `${name}: ${JSON.stringify(v)}`);
}

/** The lab reports the scope with JSON-friendly names; the app got the spec's keys, and bytes
 * where the spec says bytes. */
const SCOPE_KEYS: Record<string, string> = {
  httpVersion: 'http_version',
  rawPath: 'raw_path',
  queryString: 'query_string',
  rootPath: 'root_path',
};
const SCOPE_BYTES = new Set(['rawPath', 'queryString']);

function scopeLines(scope: Record<string, unknown>): string[] {
  const lines = Object.entries(scope)
    .filter(([name]) => name !== 'stateKeys')
    .map(([name, v]) => `${SCOPE_KEYS[name] ?? name}: ${SCOPE_BYTES.has(name) ? 'b' : ''}${scopeValue(name, v)}`);
  lines.push('headers: the request headers above, names in lower case, as [bytes, bytes] pairs');
  const state = Array.isArray(scope.stateKeys) ? scope.stateKeys : [];
  if (state.length) lines.push(`state: what lifespan start-up stored (${state.join(', ')})`);
  return lines;
}

/** One ASGI message as the app met it: "← receive()  http.request  body=<12 bytes>  more_body=False". */
function messageLine(message: unknown): string {
  if (typeof message !== 'object' || message === null) return String(message);
  const { dir, type, fields } = message as { dir?: string; type?: string; fields?: [string, string][] };
  const call = dir === 'send' ? '→ send()   ' : '← receive()';
  return [call, String(type), ...(fields ?? []).map(([name, value]) => `${name}=${value}`)].join('  ');
}

function pairLines(pairs: [string, string][] | undefined): string[] {
  return (pairs ?? []).map(([name, value]) => `${name}: ${value}`);
}

function plain(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The lab servers and Uvicorn both hand the app `subprotocols` as a list, not a tuple. */
function scopeValue(name: string, value: unknown): string {
  if (name === 'subprotocols' && Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return pythonRepr(value);
}

/** A scope value as Python prints it: 'text', 1.1, None, ('127.0.0.1', 5000). */
function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `(${value.map(pythonRepr).join(', ')}${value.length === 1 ? ',' : ''})`;
  return python(value);
}

/** An environ value as the app has it: True, None, (1, 0) — the server reports it as JSON. */
function python(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  if (Array.isArray(value))
    return `(${value.map((v) => (typeof v === 'string' ? `'${v}'` : python(v))).join(', ')}${value.length === 1 ? ',' : ''})`;
  return typeof value === 'string' ? value : String(value);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
