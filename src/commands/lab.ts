// `gateway-tutor lab LESSON`: the lab alone, in the foreground, for a second terminal, a
// workshop projector or a script (--json). It runs until Ctrl-C, SIGTERM or a closed terminal.
import { Lab } from '../engine/lab.js';
import { Progress } from '../engine/progress.js';
import { install, onSignalExit } from '../engine/shutdown.js';
import type { LabEvent, RequestEvent } from '../engine/types.js';
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
  onSignalExit(() =>
    json ? printJson({ event: 'stopped' }) : process.stdout.write('\nLab stopped; every server is down.\n'),
  );

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
    process.stdout.write(`Run the lesson's commands in another terminal, then: gateway-tutor check ${lesson.id}\n`);
    process.stdout.write(`Requests appear below as the lab sees them. Ctrl-C stops the lab.\n\n`);
  }
  running.subscribe((change) => {
    if (change.type !== 'event') return;
    if (json) printJson(change.event);
    else process.stdout.write(`${describe(change.event)}\n`);
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
  if (event.event === 'server')
    return `${time}  ${paint.yellow(`server ${String(event.name)} is ${String(event.state)}`)}${event.reason ? ` (${String(event.reason)})` : ''}`;
  const { seq: _seq, time: _time, server, event: kind, ...rest } = event;
  return `${time}  ${server.padEnd(10)} ${kind} ${paint.dim(JSON.stringify(rest))}`;
}
