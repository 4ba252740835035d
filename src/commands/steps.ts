// What the step-taking commands (check, show) share: a step named by id or by its number, the
// error when no lab runs (naming the workspace looked in and how to point elsewhere), and the
// placeholder values of a running lab or, without one, of the lesson's preferred ports.
import type { LabRecord } from '../engine/control.js';
import { usageError, type TutorError } from '../engine/errors.js';
import type { FillValues } from '../engine/placeholders.js';
import { tutorCommand } from '../engine/tutor-command.js';
import type { LoadedLesson, Step } from '../engine/types.js';
import { lessonWorkspace } from '../engine/workspace.js';

/** The step named by `arg`: its id, or its number in the lesson (1 is the first). */
export function stepFor(lesson: LoadedLesson, arg: string): Step {
  const byId = lesson.steps.find((s) => s.id === arg);
  if (byId) return byId;
  if (/^\d+$/.test(arg)) {
    const byNumber = lesson.steps[Number(arg) - 1];
    if (byNumber) return byNumber;
  }
  throw usageError(
    `The ${lesson.id} lesson has no step "${arg}".`,
    `Its steps, by number or id:\n${lesson.steps.map((s, i) => `  ${String(i + 1).padStart(2)}  ${s.id.padEnd(Math.max(...lesson.steps.map((t) => t.id.length)))}  ${s.title}`).join('\n')}`,
  );
}

/** "No lab is running": where the tutor looked, how to start one, how to look elsewhere. */
export function noLabError(lesson: LoadedLesson, workspace: string, purpose: string): TutorError {
  const tutor = tutorCommand(workspace);
  return usageError(
    `No lab is running for ${lesson.id} in the workspace ${workspace}, so there is nothing to ${purpose}.`,
    [
      `Start it in another terminal with \`${tutor} lab ${lesson.id}\` (or open the lesson in the tutor: \`${tutor} ${lesson.id}\`), then run this again.`,
      'If the lab runs with another workspace, point at it with --workspace DIR or GATEWAY_TUTOR_WORKSPACE=DIR.',
    ].join('\n'),
  );
}

/** Placeholder values from a running lab's record, or from the lesson's preferred ports. */
export function fillValuesFor(lesson: LoadedLesson, workspace: string, record?: LabRecord | null): FillValues {
  const servers: FillValues['servers'] = {};
  const schemes: Record<string, string> = {};
  for (const spec of lesson.servers) {
    const live = record?.servers.find((s) => s.name === spec.name);
    servers[spec.name] = live ? { ...live.ports, port: live.port } : { ...spec.extraPorts, port: spec.port };
    schemes[spec.name] = live ? new URL(live.url).protocol.replace(':', '') : (spec.scheme ?? 'http');
  }
  return { servers, schemes, workspace: lessonWorkspace(workspace, lesson.id), tutor: tutorCommand(workspace) };
}
