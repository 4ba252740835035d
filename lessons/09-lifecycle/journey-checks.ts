// What the lifecycle lesson's checks read: the journeys (src/engine/journey.ts) of the requests
// seen in the current step, put together from the trace events of the proxy, the gateway server
// (ASGI or WSGI) and the app's middleware.
import { type HopPassage, type Journey, journeyOf, tracedRequestIds } from '../../src/engine/journey.js';
import type { CheckContext } from '../../src/engine/types.js';
import { GATEWAY_HOPS } from './gateways.js';

/** Every journey that began in this step, oldest first. */
export function journeys(ctx: CheckContext): Journey[] {
  return tracedRequestIds(ctx.events)
    .map((id) => journeyOf(ctx.events, id))
    .filter((journey): journey is Journey => journey !== undefined && journey.hops[0]?.hop === 'proxy');
}

export function reached(journey: Journey, hop: string): boolean {
  return journey.hops.some((h) => h.hop === hop);
}

/** "proxy → asgi → logging → auth (401)": where a journey went, in a line. */
export function route(journey: Journey): string {
  const last = journey.answeredBy;
  return `${journey.hops.map((h) => h.hop).join(' → ')}${last ? ` (${last.hop} answered ${last.status ?? 'nothing'})` : ''}`;
}

export function routes(list: Journey[], count = 3): string {
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
