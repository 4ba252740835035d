// Real FastCGI apps as peers in tests: fcgiwrap (runs CGI scripts) and php-fpm (a pool of PHP
// processes), each our child in the foreground on a free loopback port with its own settings,
// ready when its port accepts a connection, and stopped with the test (its whole process group).
// Each runs in a process group of its own that dies with this process (peer-groups.ts).
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './env.js';
import { freePort, which } from './nginx.js';
import { PeerProcess } from './peer-groups.js';

export const fcgiwrapPath = which('fcgiwrap');
export const phpFpmPath = which('php-fpm8.2') ?? which('php-fpm');
export const cgiFcgiPath = which('cgi-fcgi');

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export class Peer {
  private constructor(
    private readonly process: PeerProcess,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The pid of the peer's first process, which leads its process group. */
  get pid(): number {
    return this.process.pid;
  }

  static async start(name: string, file: string, args: (port: number) => string[]): Promise<Peer> {
    const port = await freePort();
    const peer = await PeerProcess.spawn(name, file, args(port));
    await peer.until(() => accepts(port), `listening on ${port}`);
    return new Peer(peer, port);
  }

  /** SIGTERM to the whole group: fcgiwrap -c 2, sent SIGTERM, exits without its workers. */
  stop(): Promise<void> {
    return this.process.stop();
  }
}

/** fcgiwrap on a TCP port: it runs the file SCRIPT_FILENAME names, as a CGI script. */
export function startFcgiwrap(): Promise<Peer> {
  return Peer.start('fcgiwrap', fcgiwrapPath!, (port) => ['-c', '2', '-s', `tcp:127.0.0.1:${port}`]);
}

/** php-fpm with a pool of its own (two static children) on a TCP port, in the foreground. */
export function startPhpFpm(): Promise<Peer> {
  const dir = tempDir('php-fpm');
  return Peer.start('php-fpm', phpFpmPath!, (port) => {
    const conf = join(dir, 'php-fpm.conf');
    writeFileSync(
      conf,
      [
        '[global]',
        `pid = ${join(dir, 'php-fpm.pid')}`,
        `error_log = ${join(dir, 'php-fpm.log')}`,
        'daemonize = no',
        '[lab]',
        `listen = 127.0.0.1:${port}`,
        'pm = static',
        'pm.max_children = 2',
        'clear_env = no',
        '',
      ].join('\n'),
    );
    // -n: no php.ini from the machine; -R: allowed to run as root (CI containers); -F: foreground.
    return ['-n', '-y', conf, '-F', ...(process.getuid?.() === 0 ? ['-R'] : [])];
  });
}
