// `gateway-tutor ctl LESSON stop|start|restart SERVER`: break or mend one server of a running lab.
import { callLab, findRunningLab } from '../engine/control.js';
import { usageError } from '../engine/errors.js';
import type { ServerSnapshot } from '../engine/types.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, printJson } from './output.js';
import { noLabError } from './steps.js';

const ACTIONS = ['stop', 'start', 'restart'];

export async function ctl(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'ctl');
  const [, action, serverArg] = args;
  // A server by name, or by its number in the lab (the TUI's 1-9 keys).
  const server = /^\d+$/.test(serverArg ?? '') ? (lesson.servers[Number(serverArg) - 1]?.name ?? serverArg) : serverArg;
  if (!action || !ACTIONS.includes(action))
    throw usageError(
      `ctl needs an action: ${ACTIONS.join(', ')}.`,
      `For example: gateway-tutor ctl ${lesson.id} stop ${lesson.servers[0]?.name}`,
    );
  if (!server || !lesson.servers.some((s) => s.name === server))
    throw usageError(
      `The ${lesson.id} lab has no server "${serverArg ?? ''}".`,
      `Its servers, by number or name: ${lesson.servers.map((s, i) => `${i + 1} ${s.name}`).join(', ')}`,
    );
  const workspace = resolveWorkspace(values.workspace);
  const record = await findRunningLab(workspace, lesson.id);
  if (!record) throw noLabError(lesson, workspace, 'stop or start');
  const { servers } = await callLab<{ servers: ServerSnapshot[] }>(record, '/ctl', { action, server });
  const state = servers.find((s) => s.name === server);
  if (values.json) printJson({ lesson: lesson.id, server, action, state: state?.state, pid: state?.pid ?? null });
  else process.stdout.write(`${server} is ${state?.state}${state?.pid ? ` (pid ${state.pid})` : ''}.\n`);
  return 0;
}
