// Real FastCGI apps as peers in tests: fcgiwrap (runs CGI scripts) and php-fpm (a pool of PHP
// processes), each our child in the foreground on a free loopback port with its own settings,
// ready when its port accepts a connection, and stopped with the test (its whole process group).
// A peer runs in a process group of its own, so Ctrl-C at the terminal does not reach it: if this
// process ends before stop() (vitest interrupted, a worker killed or crashed), the exit hooks
// below kill every group still running, and a peer that fails to start has its group killed too.
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

/** Process groups (their leaders' pids) of peers started and not stopped yet. */
const running = new Set<number>();
let hooked = false;

/** SIGKILL every group still running: called as this process ends, when there is no time left to
 * wait for a gentler stop. Synchronous, as an 'exit' listener must be. */
function killRunning(): void {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  running.clear();
}

/** Installed once, at the first peer. A vitest worker (a forked process) ends by process.exit
 * (the 'exit' event), by a signal (vitest's SIGTERM to a worker, the terminal's SIGINT to the
 * whole foreground group, SIGHUP when the terminal closes), or loses its parent (IPC
 * 'disconnect'). For a signal, the groups are killed and the signal sent again: the listener is
 * gone by then (`once`), so the process ends the way it would have without it. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killRunning);
  process.on('disconnect', killRunning);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killRunning();
      process.kill(process.pid, signal);
    });
  }
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

  /** The pid of the peer's first process, which leads its process group. */
  get pid(): number {
    return this.child.pid!;
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
    const group = child.pid;
    if (group === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`${name} did not start: ${error.message}`);
    }
    hookExit();
    running.add(group);
    try {
      await waitFor(async () => {
        if (gone) throw new Error(`${name} exited before listening: ${stderr}`);
        return accepts(port);
      }, `${name} listening on ${port}`);
    } catch (error) {
      // What it forked before failing (workers, a daemonized copy) is in its group: all of it goes.
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await exited;
      running.delete(group);
      throw error;
    }
    return new Peer(child, port, exited);
  }

  async stop(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGTERM');
    } catch {
      // the group is gone already
    }
    await this.exited;
    running.delete(this.child.pid!);
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
