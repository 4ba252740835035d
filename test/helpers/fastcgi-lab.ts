// The fastcgi lesson's servers, started by the engine's Lab with test settings (short timeouts,
// another app address, a document root), plus small ways to talk to them: raw bytes to the app,
// one FastCGI request through the lab's own client, and the events the servers reported.
import { connect, type Socket } from 'node:net';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LoadedLesson, ServerSpec } from '../../src/engine/types.js';
import { cgiEvents } from '../../src/servers/cgi/events.js';
import { fastcgiAppEvents, fastcgiFrontEvents } from '../../src/servers/fastcgi/events.js';
import type { EventOf } from '../../src/servers/lib/event-schema.js';
import { typedEvents } from './events.js';
import { openConnection } from '../../src/servers/fastcgi/connection.mjs';
import { tempDir } from './env.js';
import { waitFor } from './processes.js';

export interface FastcgiLabOptions {
  /** Arguments for front.mjs (the lesson's when left out). */
  front?: string[];
  /** Arguments for fcgi_app.py; null leaves the app out (the front then talks to another app). */
  app?: string[] | null;
}

/** The lesson's definition with the test's arguments, and no CGI server. */
export async function fastcgiLesson(options: FastcgiLabOptions = {}): Promise<LoadedLesson> {
  const lesson = (await loadCatalog()).find('fastcgi');
  if (!lesson) throw new Error('the fastcgi lesson did not load');
  const servers: ServerSpec[] = [];
  for (const server of lesson.servers) {
    if (server.name === 'fastcgi')
      servers.push({
        ...server,
        program: { ...server.program, args: options.front ?? server.program.args ?? [] } as ServerSpec['program'],
      });
    if (server.name === 'app' && options.app !== null) {
      servers.push({
        ...server,
        program: { ...server.program, args: options.app ?? server.program.args ?? [] } as ServerSpec['program'],
      });
    }
  }
  return { ...lesson, servers };
}

export async function startFastcgiLab(options: FastcgiLabOptions = {}): Promise<Lab> {
  return Lab.start(await fastcgiLesson(options), {
    workspace: tempDir('fastcgi-lab'),
    control: false,
    preferredPorts: false,
  });
}

/** The families of the fastcgi lesson's servers. */
const FAMILIES = { fastcgi: fastcgiFrontEvents, app: fastcgiAppEvents, cgi: cgiEvents };
type Server = keyof typeof FAMILIES;

export function requests<N extends Server>(lab: Lab, server: N) {
  return typedEvents(lab, FAMILIES).requests(server);
}

export function eventsOf<N extends Server, E extends EventOf<(typeof FAMILIES)[N]>['event']>(
  lab: Lab,
  server: N,
  name: E,
) {
  return typedEvents(lab, FAMILIES).eventsOf(server, name);
}

/** Open a raw TCP connection to the app; resolves once connected. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the other side closes the socket (the app hung up on us). */
export function closedByPeer(socket: Socket, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => reject(new Error(`the app kept the connection open for ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on('error', () => {});
  });
}

/** One GET through the lab's FastCGI client, straight to the app: its STDOUT as text. */
export async function fcgiGet(address: string, path = '/'): Promise<string> {
  const connection = await openConnection(address);
  const out: Buffer[] = [];
  try {
    await connection.request({
      requestId: 1,
      params: [
        ['REQUEST_METHOD', 'GET'],
        ['PATH_INFO', path],
        ['QUERY_STRING', ''],
        ['SERVER_SOFTWARE', 'test'],
      ],
      keepConn: false,
      onStdout: (chunk) => out.push(chunk),
    });
  } finally {
    connection.close();
  }
  return Buffer.concat(out).toString('utf8');
}

/** Wait for a line in a server's log. */
export function logLine(lab: Lab, server: string, pattern: RegExp): Promise<string> {
  return waitFor(
    () => lab.logs(server).find((line) => pattern.test(line)),
    `a log line of ${server} matching ${pattern}`,
  );
}
