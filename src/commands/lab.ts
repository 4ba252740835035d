// `gateway-tutor lab LESSON`: the lab alone, in the foreground, for a second terminal, a
// workshop projector or a script (--json). It runs until Ctrl-C, SIGTERM or a closed terminal.
import { Lab } from '../engine/lab.js';
import { Progress } from '../engine/progress.js';
import { install, onSignalExit } from '../engine/shutdown.js';
import type { LabEvent, RequestEvent, ServerStateEvent } from '../engine/types.js';
import { tutorCommand } from '../engine/tutor-command.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, paint, printJson } from './output.js';

export async function lab(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'lab');
  const workspace = resolveWorkspace(values.workspace);
  install();
  const progress = await Progress.open(workspace);
  const running = await Lab.start(lesson, { workspace, progress });
  const json = Boolean(values.json);
  // A busy server reports many events at once: they go out in one write per turn of the event
  // loop, not one system call each (stdout to a pipe is written synchronously).
  let pending = '';
  const flush = () => {
    if (pending) process.stdout.write(pending);
    pending = '';
  };
  const print = (line: string) => {
    if (!pending) setImmediate(flush);
    pending += `${line}\n`;
  };
  onSignalExit(() => {
    flush();
    if (json) printJson({ event: 'stopped' });
    else process.stdout.write('\nLab stopped; every server is down.\n');
  });

  const servers = running.servers();
  if (json) {
    const record = {
      event: 'ready',
      lesson: lesson.id,
      control: running.controlUrl,
      servers: servers.map(({ name, role, url, pid, ports }) => ({ name, role, url, pid, ports })),
    };
    printJson(record);
  } else {
    process.stdout.write(`${paint.bold(lesson.title)}: the lab is ready.\n`);
    for (const server of servers) {
      const preferred = lesson.servers.find((s) => s.name === server.name)?.port;
      const moved = preferred && preferred !== server.port ? paint.yellow(` (port ${preferred} was busy)`) : '';
      const extra = Object.entries(server.ports)
        .map(([name, port]) => ` ${name}:${port}`)
        .join('');
      process.stdout.write(
        `  ${server.name.padEnd(10)} ${server.role.padEnd(18)} ${server.url}${extra}  pid ${server.pid}${moved}\n`,
      );
    }
    const tutor = tutorCommand(workspace);
    process.stdout.write(
      `In another terminal, read a step with \`${tutor} show ${lesson.id}\`, run its commands, then \`${tutor} check ${lesson.id}\`.\n`,
    );
    process.stdout.write(`Requests appear below as the lab sees them. Ctrl-C stops the lab.\n\n`);
  }
  // A malformed event never reaches --json's stream of events: it is said on stderr instead.
  const sayDropped = (problem: string) => {
    const line = `${new Date().toTimeString().slice(0, 8)}  ${paint.red(problem)}`;
    if (json) process.stderr.write(`${line}\n`);
    else print(line);
  };
  for (const problem of running.dropped) sayDropped(problem);
  running.subscribe((change) => {
    if (change.type === 'dropped') sayDropped(change.problem);
    if (change.type !== 'event') return;
    // (--json reads only the line: the lab then need not make the event into an object.)
    print(json ? (change.json ?? JSON.stringify(change.event)) : describe(change.event));
  });
  // Runs until a signal: shutdown.ts tears the lab down and exits.
  return new Promise<number>(() => {});
}

function describe(event: LabEvent): string {
  const time = new Date(event.time).toTimeString().slice(0, 8);
  if (event.event === 'request') {
    const request = event as RequestEvent;
    const status = request.status === null ? 'no response' : String(request.status);
    const painted = request.status !== null && request.status >= 400 ? paint.red(status) : paint.green(status);
    const duration = request.durationMs !== undefined ? paint.dim(` ${request.durationMs} ms`) : '';
    const what = request.error ? paint.red(` ${request.error}`) : '';
    return `${time}  ${event.server.padEnd(10)} ${request.method || '?'} ${request.target || ''}  ${painted}${duration}${what}`;
  }
  if (event.event === 'server' && event.server === 'lab') {
    const { name, state, reason } = event as ServerStateEvent;
    return `${time}  ${paint.yellow(`server ${name} is ${state}`)}${reason ? ` (${reason})` : ''}`;
  }
  return `${time}  ${event.server.padEnd(10)} ${inWords(event)}`;
}

/** An event with no form of its own, in words: "worker 4242 started", "reload (app.py changed)",
 * then any other field as "name value". Never raw JSON. */
export function inWords(event: LabEvent): string {
  const { seq: _seq, time: _time, server: _server, event: kind, ...rest } = event;
  const fields = { ...rest } as Record<string, unknown>;
  const take = (name: string) => {
    const value = fields[name];
    delete fields[name];
    return value;
  };
  let head = kind;
  if (kind === 'worker') {
    const pid = take('pid');
    const state = take('state');
    head = `worker${pid !== undefined ? ` ${String(pid)}` : ''}${state !== undefined ? ` ${String(state)}` : ''}`;
  } else if (kind === 'reload') {
    const reason = take('reason');
    head = `reload${reason !== undefined ? ` (${String(reason)})` : ''}`;
  }
  const words = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => `${name} ${wordsOf(value)}`);
  return [head, ...words].join(', ');
}

function wordsOf(value: unknown): string {
  if (Array.isArray(value)) return value.map(wordsOf).join(' ');
  if (value && typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${k} ${wordsOf(v)}`)
      .join(', ');
  return String(value);
}
