// A backend for the lab's reverse proxy whose every answer is written by hand on a raw socket, so
// a test decides how its bytes arrive: all in one write with the head, the body a moment after
// it, chunked over several writes, cut off halfway, or never. Runs in the test's own process (it
// is not a lab server: the proxy reaches it as a backend named in RP_BACKENDS with a GT_URL_…).
//
//   GET /<kind>/<id>[?size=N][&cache]      (the body: N bytes made from the path, every byte value)
//   whole     head and body in one write (Content-Length)
//   later     the head, then the body 20 ms later (Content-Length)
//   chunked   the head, then the body in three chunks, one write each (Transfer-Encoding: chunked)
//   cut       the head (Content-Length) and half the body, then the connection is destroyed
//   cut-chunked  the head and one chunk, then destroyed
//   hang      the head and half the body, then nothing more (until the proxy closes)
//   silent    nothing at all (until the proxy closes)
//   reset     the connection destroyed at once, no answer
//   malformed a status line that is not HTTP
//   `cache` adds Cache-Control: public, max-age=60. A HEAD request gets the head alone.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  /** Which of the backend's connections carried it (numbered from 1). */
  connection: number;
}

/** The body served for a path: `size` bytes, the same every time, different for every path. */
export function bodyFor(path: string): Buffer {
  const url = new URL(path, 'http://backend');
  const size = Number(url.searchParams.get('size') ?? 64);
  const blocks: Buffer[] = [];
  for (let block = 0; blocks.length * 32 < size; block++) {
    blocks.push(createHash('sha256').update(`${url.pathname}#${block}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, size);
}

export class ScriptedBackend {
  readonly seen: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ScriptedBackend> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the scripted backend has no port');
    const backend = new ScriptedBackend(server, address.port);
    server.on('connection', (socket) => backend.accept(socket));
    return backend;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** How many times the backend was asked for `path`. */
  count(path: string): number {
    return this.seen.filter((request) => request.path === path).length;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = ++this.connections;
    const timers = new Set<NodeJS.Timeout>();
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const timer of timers) clearTimeout(timer);
    });
    const later = (ms: number, then: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!socket.destroyed) then();
      }, ms);
      timers.add(timer);
    };
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // One request at a time, GETs without a body: each ends at its blank line.
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const [method = 'GET', path = '/'] = pending.toString('latin1', 0, end).split(' ');
        pending = pending.subarray(end + 4);
        this.seen.push({ method, path, connection });
        answer(socket, method, path, later);
      }
    });
  }
}

function answer(socket: Socket, method: string, path: string, later: (ms: number, then: () => void) => void): void {
  const kind = path.split('/')[1] ?? '';
  const full = bodyFor(path);
  const body = method === 'HEAD' ? Buffer.alloc(0) : full;
  const cache = new URL(path, 'http://backend').searchParams.has('cache')
    ? 'Cache-Control: public, max-age=60\r\n'
    : '';
  const head = (framing: string) =>
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n${cache}${framing}\r\n\r\n`, 'latin1');
  const sized = head(`Content-Length: ${full.length}`);
  const chunked = head('Transfer-Encoding: chunked');
  const chunk = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
  const half = body.subarray(0, body.length >> 1);
  switch (kind) {
    case 'whole':
      return void socket.write(Buffer.concat([sized, body]));
    case 'later':
      socket.write(sized);
      return later(20, () => socket.write(body));
    case 'chunked': {
      socket.write(chunked);
      const third = Math.ceil(body.length / 3);
      const pieces = [0, 1, 2].map((i) => body.subarray(i * third, (i + 1) * third)).filter((p) => p.length > 0);
      const next = () => {
        const piece = pieces.shift();
        socket.write(piece ? chunk(piece) : LAST_CHUNK);
        if (piece) setImmediate(next);
      };
      return void setImmediate(next);
    }
    case 'cut':
      socket.write(Buffer.concat([sized, half]));
      return later(5, () => socket.destroy());
    case 'cut-chunked':
      socket.write(Buffer.concat([chunked, chunk(half)]));
      return later(5, () => socket.destroy());
    case 'hang':
      return void socket.write(Buffer.concat([sized, half]));
    case 'silent':
      return;
    case 'reset':
      return void socket.destroy();
    case 'malformed':
      return void socket.write('HTTP/1.1 two hundred\r\nContent-Length: 0\r\n\r\n');
    default:
      return void socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  }
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
