// nginx as a real peer in tests: run in the foreground (`daemon off`) as our child, with a
// temporary prefix and config on a loopback port, and stopped with the test. Readiness is its
// port accepting a connection, since nginx writes no ready line. Master and workers are a process
// group of their own that dies with this process (peer-groups.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './env.js';
import { PeerProcess } from './peer-groups.js';
import { nginxConf } from '../../scripts/nginx-conf.mjs';

/** Path of a program on PATH (or in /usr/sbin, where Debian puts nginx), or undefined. */
export function which(program: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      execFileSync('test', ['-x', join(dir, program)]);
      return join(dir, program);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export class Nginx {
  private constructor(
    private readonly process: PeerProcess,
    readonly port: number,
    readonly prefix: string,
  ) {}

  /** The master's pid, which leads the process group of master and workers. */
  get pid(): number {
    return this.process.pid;
  }

  /** Start nginx with `locations` (the inside of a server block) listening on a free port. */
  static async start(nginx: string, { upstream, locations }: { upstream: string; locations: string }): Promise<Nginx> {
    const prefix = tempDir('nginx');
    for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir), { recursive: true });
    const port = await freePort();
    const conf = nginxConf({ prefix, port, upstream, locations });
    writeFileSync(join(prefix, 'nginx.conf'), conf);
    const peer = await PeerProcess.spawn('nginx', nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf')]);
    await peer.until(() => accepts(port), `listening on ${port}`);
    return new Nginx(peer, port, prefix);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM is nginx's fast stop; wait until the master is gone (it waits for its worker). */
  stop(): Promise<void> {
    return this.process.stop();
  }
}
