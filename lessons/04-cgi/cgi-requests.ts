// The CGI server's request events, with the fields that server declares (src/servers/cgi/events.ts).
import type { CheckContext, RequestEvent } from '../../src/engine/types.js';
import type { CgiEvent } from '../../src/servers/cgi/events.js';

export type CgiRequest = RequestEvent & Extract<CgiEvent, { event: 'request' }>;

/** The CGI server's request events in this step. */
export function cgiRequests(ctx: CheckContext): CgiRequest[] {
  return ctx.requests('cgi') as CgiRequest[];
}
