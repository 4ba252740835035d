// The lesson's preferred port when it is free, otherwise one the system hands out. The check
// binds 127.0.0.1 for a moment; a server that still loses the race exits with 98 and the lab asks
// again (see child.ts), so a busy port never turns into a confusing failure.
import { createServer } from 'node:net';

/** Ports this process has handed out and not yet seen released. */
const handedOut = new Set<number>();

function tryBind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** A free port on 127.0.0.1: `preferred` if it is free, otherwise any free port. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred && !handedOut.has(preferred) && (await tryBind(preferred)) !== null) {
    handedOut.add(preferred);
    return preferred;
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryBind(0);
    if (port !== null && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port on 127.0.0.1');
}

export function releasePort(port: number): void {
  handedOut.delete(port);
}

/** True when the port is free: nothing holds 127.0.0.1:port, so we could bind it for a moment. */
export async function isPortFree(port: number): Promise<boolean> {
  return (await tryBind(port)) !== null;
}
