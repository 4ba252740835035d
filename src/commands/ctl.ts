// `gateway-tutor ctl LESSON stop|start|restart SERVER`: break or mend one server of a running lab.
import { callLab, findRunningLab } from '../engine/control.js';
import { usageError } from '../engine/errors.js';
import type { ServerSnapshot } from '../engine/types.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, printJson } from './output.js';

const ACTIONS = ['stop', 'start', 'restart'];

export async function ctl(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'ctl');
  const [, action, server] = args;
  const names = lesson.servers.map((s) => s.name).join(', ');
  if (!action || !ACTIONS.includes(action))
    throw usageError(
      `ctl needs an action: ${ACTIONS.join(', ')}.`,
      `For example: gateway-tutor ctl ${lesson.id} stop ${lesson.servers[0]?.name}`,
    );
  if (!server || !lesson.servers.some((s) => s.name === server))
    throw usageError(`The ${lesson.id} lab has no server "${server ?? ''}".`, `Its servers: ${names}`);
  const record = await findRunningLab(resolveWorkspace(values.workspace), lesson.id);
  if (!record)
    throw usageError(
      `No lab is running for ${lesson.id}.`,
      `Start it with \`gateway-tutor lab ${lesson.id}\` in another terminal.`,
    );
  const { servers } = await callLab<{ servers: ServerSnapshot[] }>(record, '/ctl', { action, server });
  const state = servers.find((s) => s.name === server);
  if (values.json) printJson({ lesson: lesson.id, server, action, state: state?.state, pid: state?.pid ?? null });
  else process.stdout.write(`${server} is ${state?.state}${state?.pid ? ` (pid ${state.pid})` : ''}.\n`);
  return 0;
}
