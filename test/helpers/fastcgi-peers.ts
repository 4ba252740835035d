// Real FastCGI apps as peers in tests: fcgiwrap (runs CGI scripts) and php-fpm (a pool of PHP
// processes), each our child in the foreground on a free loopback port with its own settings,
// ready when its port accepts a connection, and stopped with the test (its whole process group).
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './env.js';
import { freePort, which } from './nginx.js';
import { waitFor } from './processes.js';

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
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly exited: Promise<void>,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(name: string, file: string, args: (port: number) => string[]): Promise<Peer> {
    const port = await freePort();
    // A process group of its own, stopped whole: fcgiwrap -c 2 forks two workers and, sent
    // SIGTERM, exits without them (they stayed, listening, after every test run).
    const child = spawn(file, args(port), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    let gone = false;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        gone = true;
        resolve();
      }),
    );
    await waitFor(async () => {
      if (gone) throw new Error(`${name} exited before listening: ${stderr}`);
      return accepts(port);
    }, `${name} listening on ${port}`);
    return new Peer(child, port, exited);
  }

  async stop(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      // the group is gone already
    }
    await this.exited;
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
