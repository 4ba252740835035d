// `gateway-tutor trace LESSON [REQUEST-ID]`: one request's journey across the running lab's hops,
// as text (for workshops, scripts and screen readers). Without REQUEST-ID, the latest request
// that any hop traced. The journey is put together by src/engine/journey.ts from the lab's events.
import { callLab, findRunningLab } from '../engine/control.js';
import { usageError } from '../engine/errors.js';
import { journeyOf, journeyText, tracedRequestIds } from '../engine/journey.js';
import type { LabEvent } from '../engine/types.js';
import { resolveWorkspace } from '../engine/workspace.js';
import type { CliValues } from '../cli.js';
import { lessonFor, printJson } from './output.js';
import { noLabError } from './steps.js';

const WAIT_FOR_HOPS_MS = 1000;

export async function trace(values: CliValues, args: string[]): Promise<number> {
  const lesson = await lessonFor(values, args[0], 'trace');
  const workspace = resolveWorkspace(values.workspace);
  const record = await findRunningLab(workspace, lesson.id);
  if (!record) throw noLabError(lesson, workspace, 'trace');
  let events = await callLab<LabEvent[]>(record, '/events');
  const ids = tracedRequestIds(events);
  if (ids.length === 0) {
    throw usageError(
      `The ${lesson.id} lab has traced no request yet: its hops write trace events for requests that come through its reverse proxy.`,
      `Send one through the proxy (curl ${record.servers.find((s) => s.role.includes('proxy'))?.url ?? 'the proxy'}/…), then run this again.`,
    );
  }
  const wanted = args[1];
  let journey = journeyOf(events, wanted);
  // The hops are separate processes, and their events arrive a moment apart: give the rest of
  // this journey a little time to come in (a request still under way is shown as it stands).
  const deadline = Date.now() + WAIT_FOR_HOPS_MS;
  while (journey && !journey.complete && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    events = await callLab<LabEvent[]>(record, '/events');
    journey = journeyOf(events, journey.requestId);
  }
  if (!journey) {
    throw usageError(
      `No request with the id ${wanted} was traced in this lab.`,
      `The latest ids: ${ids.slice(-5).join(', ')} (the proxy sends each as X-Request-Id).`,
    );
  }
  if (values.json) {
    printJson({
      requestId: journey.requestId,
      complete: journey.complete,
      hops: journey.hops,
      answeredBy: journey.answeredBy?.hop,
      slowest: journey.slowest?.hop,
    });
  } else process.stdout.write(`${journeyText(journey).join('\n')}\n`);
  return 0;
}
