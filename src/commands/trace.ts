// `gateway-tutor trace LESSON [REQUEST-ID]`: one request's journey across the running lab's hops,
// as text (for workshops, scripts and screen readers) — the same journey, hop by hop, that the
// TUI opens from its request log. REQUEST-ID is the X-Request-Id the proxy gave a request, or a
// request's number in the tutor's log (#3 or 3). Without it: the latest request any hop traced,
// else the latest request the lab saw. The journey comes from src/engine/request-journey.ts.
import { callLab, findRunningLab, type LabRecord } from '../engine/control.js';
import { usageError } from '../engine/errors.js';
import { tracedRequestIds, type Journey } from '../engine/journey.js';
import { journeyText } from '../engine/journey-text.js';
import { requestJourney, tracedJourney } from '../engine/request-journey.js';
import type { LabEvent, RequestEvent } from '../engine/types.js';
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
  const wanted = args[1];
  let events = await callLab<LabEvent[]>(record, '/events');
  let journey = find(events, wanted, record);
  // The hops are separate processes, and their events arrive a moment apart: give the rest of
  // this journey a little time to come in (a request still under way is shown as it stands).
  const deadline = Date.now() + WAIT_FOR_HOPS_MS;
  // The proxy (depth 0) reports its part once the answer is out, in its request event, up to 20 ms
  // after the hops within: a journey without it may be one whose first hop is still to come.
  const waiting = (j: Journey) => j.traced && (!j.complete || j.hops[0]?.depth !== 0);
  while (journey && waiting(journey) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    events = await callLab<LabEvent[]>(record, '/events');
    journey = find(events, journey.requestId, record) ?? journey;
  }
  if (values.json) {
    printJson({
      requestId: journey.requestId,
      traced: journey.traced,
      complete: journey.complete,
      hops: journey.hops,
      answeredBy: journey.answeredBy?.hop,
      slowest: journey.slowest?.hop,
    });
  } else process.stdout.write(`${journeyText(journey).join('\n')}\n`);
  return 0;
}

/** The requests the tutor's log lists and numbers: a lab's own health checks are left out there
 * (src/engine/session.ts), so #N must count without them too. */
const learnersRequests = (events: LabEvent[]) =>
  events.filter((e): e is RequestEvent => e.event === 'request' && !(e as RequestEvent).healthCheck);

/** The request's number in the tutor's log: the lab numbers them (RequestEvent.number), and keeps
 * only its newest events, so a position in `requests` is not one. */
const numberOf = (requests: RequestEvent[], request: RequestEvent) => request.number ?? requests.indexOf(request) + 1;

/** A request's journey, named as the tutor's log numbers it (#3) when no hop traced it. */
function numbered(events: LabEvent[], request: RequestEvent, record: LabRecord): Journey {
  const journey = requestJourney(events, request, record.servers);
  if (journey.traced) return journey;
  return { ...journey, requestId: `#${numberOf(learnersRequests(events), request)}` };
}

/** The journey the learner asked for; a usage error that says what there is when it is not found. */
function find(events: LabEvent[], wanted: string | undefined, record: LabRecord): Journey {
  const requests = learnersRequests(events);
  const ids = tracedRequestIds(events);
  const number = wanted?.match(/^#?(\d+)$/)?.[1];
  if (number !== undefined) {
    const request = requests.find((r) => numberOf(requests, r) === Number(number));
    if (request) return numbered(events, request, record);
  } else {
    const id = wanted ?? ids.at(-1);
    const traced = id === undefined ? undefined : tracedJourney(events, id);
    if (traced) return traced;
    const latest = requests.at(-1);
    if (wanted === undefined && latest) return numbered(events, latest, record);
  }
  if (requests.length === 0) {
    const front = record.servers[0];
    throw usageError(
      `The ${record.lesson} lab has seen no request yet, so there is no journey to show.`,
      `Send one (curl ${front?.url ?? 'a lab server'}/), then run this again.`,
    );
  }
  throw usageError(
    `No request ${wanted} in this lab: give the X-Request-Id the proxy sent back, or a number from the tutor's request log (${numberOf(requests, requests[0]!)} to ${numberOf(requests, requests.at(-1)!)}).`,
    ids.length ? `The latest ids: ${ids.slice(-5).join(', ')}.` : 'No hop of this lab traced a request: use a number.',
  );
}
