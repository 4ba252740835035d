// The lifecycle lab's gateway: the server between the reverse proxy and the notes app. It is the
// ASGI lab server running app.py, or, with GATEWAY_TUTOR_LIFECYCLE_GATEWAY=wsgi in the tutor's
// environment, the pre-fork WSGI lab server running the same app written as WSGI (wsgi_app.py).
// Like the engine switches of the WSGI and ASGI lessons (GATEWAY_TUTOR_WSGI_ENGINE=gunicorn,
// GATEWAY_TUTOR_ASGI_ENGINE=uvicorn), it is read once, when the tutor starts; those two still
// apply here, and run the chosen gateway under Gunicorn or Uvicorn.
import { asgiEvents } from '../../src/servers/python/asgi-events.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';

export const GATEWAY_VARIABLE = 'GATEWAY_TUTOR_LIFECYCLE_GATEWAY';

export type GatewayKind = 'asgi' | 'wsgi';

/** The gateway asked for in `env`; anything but asgi or wsgi is an error that says so. */
export function gatewayKind(env: NodeJS.ProcessEnv = process.env): GatewayKind {
  const asked = (env[GATEWAY_VARIABLE] ?? '').trim().toLowerCase();
  if (asked === '' || asked === 'asgi') return 'asgi';
  if (asked === 'wsgi') return 'wsgi';
  throw new Error(
    `${GATEWAY_VARIABLE}=${env[GATEWAY_VARIABLE]} is not a gateway of the lifecycle lab: ` +
      `use ${GATEWAY_VARIABLE}=wsgi for the WSGI server, or leave it unset (or asgi) for the ASGI server.`,
  );
}

const asgiGateway = {
  name: 'app' as const,
  role: 'ASGI server',
  events: asgiEvents,
  program: { python: '@servers/python/asgi_server.py', args: ['--app', 'app:app'] },
  port: 8901,
};

const wsgiGateway = {
  name: 'app' as const,
  role: 'WSGI server',
  events: wsgiEvents,
  program: {
    python: '@servers/python/wsgi_server.py',
    // --report-environ: each request event carries the environ the app got (the journey view).
    args: ['--app', 'wsgi_app:app', '--workers', '2', '--timeout', '30', '--report-environ'],
  },
  port: 8901,
};

export function gatewaySpec(kind: GatewayKind): typeof asgiGateway | typeof wsgiGateway {
  return kind === 'wsgi' ? wsgiGateway : asgiGateway;
}

/** The names the gateway's hop has in a trace: our servers', or the real peers'. */
export const GATEWAY_HOPS = ['asgi', 'wsgi', 'uvicorn', 'gunicorn'];
