// The WebSocket step's check, one for each gateway (gateways.ts). Under ASGI the app accepts the
// handshake: the proxy reports 101 and the app a session with messages. Under WSGI it cannot: the
// proxy passes the upgrade on, the WSGI server hands the app an ordinary GET (the Upgrade header
// only as HTTP_UPGRADE in environ), and the app's ordinary answer goes back to the client.
import { fail, header, pass } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult } from '../../src/engine/types.js';
import type { asgiEvents } from '../../src/servers/python/asgi-events.js';
import type { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import type { reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import type { GatewayKind } from './gateways.js';
import { gatewayHop, settledJourneys } from './journey-checks.js';

/** The lab's check context: the app server's events are the ASGI or the WSGI family. */
type LifecycleLab = CheckContext<{ proxy: typeof reverseProxyEvents; app: typeof asgiEvents | typeof wsgiEvents }>;

type AsgiLab = CheckContext<{ proxy: typeof reverseProxyEvents; app: typeof asgiEvents }>;
type WsgiLab = CheckContext<{ proxy: typeof reverseProxyEvents; app: typeof wsgiEvents }>;

/** The check for the lab's gateway: only that gateway's events can be in this lab's context. */
export function websocketCheck(gateway: GatewayKind): (ctx: LifecycleLab) => Promise<CheckResult> {
  return gateway === 'wsgi'
    ? (ctx) => wsgiCheck(ctx as unknown as WsgiLab)
    : (ctx) => asgiCheck(ctx as unknown as AsgiLab);
}

/** The newest handshake at the proxy was answered 502: the app behind it is not running (the
 * timeouts step stops it, and a learner may not have started it again). */
function appGone(ctx: LifecycleLab | AsgiLab | WsgiLab): boolean {
  const handshakes = (ctx as LifecycleLab)
    .requests('proxy')
    .filter((r) => header(r.headers, 'upgrade')?.toLowerCase() === 'websocket');
  return handshakes.at(-1)?.status === 502;
}

const APP_GONE =
  'The proxy answered the handshake 502: it could not reach the app. Is it still stopped from the last step? ' +
  'Start it with {{tutor}} ctl lifecycle start app, then try again.';

async function asgiCheck(ctx: AsgiLab): Promise<CheckResult> {
  const handshakes = ctx.requests('proxy').filter((r) => header(r.headers, 'upgrade')?.toLowerCase() === 'websocket');
  const upgrades = handshakes.filter((r) => r.upgrade?.toLowerCase() === 'websocket' && r.status === 101);
  const sessions = ctx.eventsOf('app', 'websocket').filter((s) => s.accepted && s.messagesIn > 0);
  if (upgrades.length === 0 || sessions.length === 0) {
    return fail({
      message: appGone(ctx) ? APP_GONE : 'No WebSocket has gone through the proxy to the app in this step yet.',
      saw: `${handshakes.length} handshake(s) at the proxy (${handshakes.map((r) => r.status ?? 'no answer').join(', ') || 'none'}), ${upgrades.length} of them answered 101; ${sessions.length} session(s) with a message at the app`,
      expected: 'ws://…/ws through the proxy: 101 Switching Protocols, then a message',
    });
  }
  return pass(
    `The proxy carried the upgrade through (its own Connection: Upgrade and Upgrade: websocket), the app accepted (websocket.accept) and the ASGI server answered 101 for it, and ${sessions.at(-1)!.messagesIn} message(s) ` +
      'went through the tunnel the proxy then kept open.',
  );
}

async function wsgiCheck(ctx: WsgiLab): Promise<CheckResult> {
  // Handshakes the client sent to the proxy, and what became of each one behind it.
  const asked = ctx.requests('proxy').filter((r) => header(r.headers, 'upgrade')?.toLowerCase() === 'websocket');
  const atGateway = ctx.requests('app').filter((r) => header(r.headers, 'upgrade')?.toLowerCase() === 'websocket');
  const byId = new Map((await settledJourneys(ctx)).map((j) => [j.requestId, j]));
  const answered = asked.filter((r) => {
    const journey = r.requestId ? byId.get(r.requestId) : undefined;
    const hop = journey && gatewayHop(journey);
    return hop?.status !== undefined && r.status === hop.status;
  });
  const seen = atGateway.find((r) => answered.some((a) => a.requestId === header(r.headers, 'x-request-id')));
  if (answered.length === 0 || !seen) {
    return fail({
      message:
        asked.length === 0
          ? 'No WebSocket handshake has come to the proxy in this step yet.'
          : appGone(ctx)
            ? APP_GONE
            : 'No handshake has gone through the proxy to the WSGI server and back in this step yet.',
      saw: `${asked.length} handshake(s) at the proxy (${asked.map((r) => r.status ?? 'no answer').join(', ') || 'none'}), ${atGateway.length} at the WSGI server`,
      expected: 'ws://…/ws through the proxy: the WSGI server gets it as an ordinary GET and answers it over HTTP',
    });
  }
  const environ = seen.environ?.HTTP_UPGRADE;
  return pass(
    `The proxy passed the upgrade on (Connection: Upgrade, Upgrade: websocket), and the WSGI server gave the app an ordinary ` +
      `${seen.method} ${seen.target}${typeof environ === 'string' ? ` with HTTP_UPGRADE=${environ} in its environ` : ''}. ` +
      `The app could only answer over HTTP: ${seen.status ?? 'no status'}, not 101, so no tunnel was opened.`,
  );
}
