// A request's number in the tutor's log (#3), for the views and hooks that show or mark requests.
import type { RequestEvent } from '../engine/types.js';

/** The request at `index` of the log's list, numbered as the lab numbered it (#3): the list keeps
 * only the newest requests (session.ts), so a position is not a number. */
export const requestNumber = (requests: readonly RequestEvent[], index: number): number =>
  requests[index]?.number ?? index + 1;
