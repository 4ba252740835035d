// What the lifecycle lesson's checks read: the journeys (src/engine/journey.ts) of the requests
// seen in the current step, put together from the trace events of the proxy, the gateway server
// (ASGI or WSGI) and the app's middleware.
import { type HopPassage, type Journey, journeyOf, requestIdOf, tracedRequestIds } from '../../src/engine/journey.js';
import { settle } from '../../src/engine/check-helpers.js';
import type { CheckContext } from '../../src/engine/types.js';
import { GATEWAY_HOPS } from './gateways.js';

/** A journey with the request line the proxy got (from its request event, once it is out). */
export type LabJourney = Journey & { method?: string; target?: string };

/** Every journey that began in this step, oldest first. */
export function journeys(ctx: CheckContext): LabJourney[] {
  const lines = new Map(ctx.requests('proxy').map((r) => [requestIdOf(r), r] as const));
  return tracedRequestIds(ctx.events)
    .map((id) => journeyOf(ctx.events, id))
    .filter((journey): journey is Journey => journey !== undefined && journey.hops[0]?.hop === 'proxy')
    .map((journey) => {
      const line = lines.get(journey.requestId);
      return line ? { ...journey, method: line.method, target: line.target } : journey;
    });
}

/** How recently a journey's last hop reported for it to count as still coming in. */
const FRESH_MS = 3000;

/** journeys(), once every journey still coming in is complete (the hops behind the proxy report a
 * moment after it: a check run straight after curl would see only the proxy), or after `ms`. A
 * journey left incomplete for good (its app stopped mid-request) only costs that wait. */
export async function settledJourneys(ctx: CheckContext, ms = 1000): Promise<LabJourney[]> {
  const coming = (j: Journey) => !j.complete && Date.now() - (j.events.at(-1)?.time ?? 0) < FRESH_MS;
  await settle(ctx, () => !journeys(ctx).some(coming), ms);
  return journeys(ctx);
}

/** The journeys of `method target` (query string aside) that the handler answered with `status`. */
export function answeredByHandler(list: LabJourney[], method: string, path: string, status: number): LabJourney[] {
  return list.filter(
    (j) =>
      j.method === method &&
      j.target?.split('?')[0] === path &&
      j.answeredBy?.hop === 'handler' &&
      j.answeredBy.status === status &&
      j.hops[0]?.answer === 'relayed',
  );
}

export function reached(journey: Journey, hop: string): boolean {
  return journey.hops.some((h) => h.hop === hop);
}

/** "GET /api/notes: proxy → asgi → logging → auth (auth answered 401)": where a journey went. */
export function route(journey: LabJourney): string {
  const last = journey.answeredBy;
  const line = journey.method ? `${journey.method} ${journey.target}: ` : '';
  const hops = journey.hops.map((h) => h.hop).join(' → ');
  // The hops behind the proxy report a moment after it: a check run at once may see only the proxy.
  // (A journey left incomplete for good, its app stopped mid-request, is shown as it is.)
  const fresh = Date.now() - (journey.events.at(-1)?.time ?? 0) < FRESH_MS;
  if (!journey.complete && fresh) return `${line}${hops} … (not every hop has reported yet: check again in a moment)`;
  return `${line}${hops}${last ? ` (${last.hop} answered ${last.status ?? 'nothing'})` : ''}`;
}

export function routes(list: LabJourney[], count = 3): string {
  if (list.length === 0) return 'no request through the proxy in this step';
  return list.slice(-count).map(route).join('; ');
}

/** The journeys the hop `hop` answered early with `status`. */
export function earlyAt(list: Journey[], hop: string, status: number): Journey[] {
  return list.filter(
    (j) => j.answeredBy?.hop === hop && j.answeredBy.answer === 'early' && j.answeredBy.status === status,
  );
}

/** The gateway server's hop (hop 1: asgi, wsgi, or uvicorn/gunicorn under those engines). */
export function gatewayHop(journey: Journey): HopPassage | undefined {
  return journey.hops.find((h) => GATEWAY_HOPS.includes(h.hop));
}
