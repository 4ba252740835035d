// Apache httpd as a real peer in tests: the reference CGI host. Started in the foreground as our
// child, with its own minimal config in a temporary folder (mod_cgid, one ScriptAlias, a loopback
// port), and stopped with the test. Readiness is its port accepting a connection. httpd, its
// children and the cgid daemon are a process group of their own that dies with this process
// (peer-groups.ts).
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './env.js';
import { freePort, which } from './nginx.js';
import { PeerProcess } from './peer-groups.js';

const MODULES = '/usr/lib/apache2/modules';

/** The apache2 binary when it and mod_cgid are installed, else undefined. */
export function findApache(): string | undefined {
  const binary = which('apache2') ?? which('httpd');
  if (!binary) return undefined;
  return existsSync(join(MODULES, 'mod_cgid.so')) ? binary : undefined;
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

export class Apache {
  private constructor(
    private readonly process: PeerProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  /** The parent httpd's pid, which leads the process group. */
  get pid(): number {
    return this.process.pid;
  }

  /** Serve `cgiBin` under /cgi-bin/ with mod_cgid; `documentRoot` is the site's root. */
  static async start(apache: string, { cgiBin, documentRoot }: { cgiBin: string; documentRoot: string }) {
    const dir = tempDir('apache');
    // As root, Apache hands the CGI work to its User (www-data here): it must reach our folders.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const conf = [
      `ServerRoot "${dir}"`,
      'ServerName 127.0.0.1',
      `Listen 127.0.0.1:${port}`,
      `PidFile "${join(dir, 'httpd.pid')}"`,
      `DefaultRuntimeDir "${dir}"`,
      `ErrorLog "${join(dir, 'error.log')}"`,
      'LogLevel info',
      ...(process.getuid?.() === 0 ? ['User www-data', 'Group www-data'] : []),
      `LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${MODULES}/mod_authz_core.so`,
      `LoadModule alias_module ${MODULES}/mod_alias.so`,
      `LoadModule cgid_module ${MODULES}/mod_cgid.so`,
      `ScriptSock "${join(dir, 'cgid.sock')}"`,
      `DocumentRoot "${documentRoot}"`,
      `ScriptAlias /cgi-bin/ "${cgiBin}/"`,
      '<Directory />',
      '  Require all granted',
      '</Directory>',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'httpd.conf'), conf);
    const peer = await PeerProcess.spawn(
      'apache2',
      apache,
      ['-d', dir, '-f', join(dir, 'httpd.conf'), '-DFOREGROUND'],
      {
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
      },
    );
    await peer.until(() => accepts(port), `listening on ${port}`);
    return new Apache(peer, port, dir);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM stops httpd and its children (the cgid daemon included); wait for the parent. */
  stop(): Promise<void> {
    return this.process.stop();
  }
}
