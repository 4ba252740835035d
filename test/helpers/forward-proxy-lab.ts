// Starts the forward-proxy lesson's servers as child processes speaking the lab protocol of
// docs/lab-servers.md (env in, JSON events out on fd 3), without the engine: every server binds
// port 0 and reports its real port in its ready event, so tests never race for ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const ROOT = resolve(import.meta.dirname, '../..');
export const SERVERS_DIR = join(ROOT, 'src/servers/forward-proxy');
export const LESSON_DIR = join(ROOT, 'lessons/02-forward-proxy');

export interface LabEventRecord {
  server: string;
  event: string;
  [field: string]: unknown;
}

export interface RequestRecord extends LabEventRecord {
  method: string;
  target: string;
  status: number | null;
  headers: [string, string][];
  responseHeaders?: [string, string][];
}

interface Running {
  name: string;
  child: ChildProcess;
  port: number;
  ports: Record<string, number>;
  url: string;
}

export class ForwardProxyLab {
  readonly workspace: string;
  readonly secrets = { viaName: 'testvia42', secureCode: 'code-1234' };
  readonly events: LabEventRecord[] = [];
  private readonly running = new Map<string, Running>();
  private waiters: (() => void)[] = [];
  private readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'gt-forward-proxy-'));
    this.workspace = join(this.root, 'workspace');
  }

  /** news, blocked and secure origins, then the proxy that knows where they are. */
  async start(): Promise<this> {
    await Promise.all([
      this.spawnServer('news', 'origin.mjs', [], 'http'),
      this.spawnServer('blocked', 'origin.mjs', [], 'http'),
      this.spawnServer('secure', 'origin.mjs', ['--tls'], 'https'),
    ]);
    await this.spawnServer('proxy', 'proxy.mjs', [], 'http');
    return this;
  }

  url(name: string): string {
    return this.get(name).url;
  }

  port(name: string, extra?: string): number {
    const server = this.get(name);
    if (!extra) return server.port;
    const port = server.ports[extra];
    if (port === undefined) throw new Error(`${name} has no port ${extra}`);
    return port;
  }

  /** Request events of one server, oldest first. */
  requests(server?: string): RequestRecord[] {
    return this.events.filter(
      (e): e is RequestRecord => e.event === 'request' && (server === undefined || e.server === server),
    );
  }

  /** Resolve when an event matching `predicate` has arrived (the lab reports after answering). */
  async waitFor(
    predicate: (event: LabEventRecord) => boolean,
    what: string,
    timeoutMs = 5000,
  ): Promise<LabEventRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          done();
        });
      });
    }
  }

  /** Stop one server, as `gateway-tutor ctl … stop` would (for 502 tests). */
  async kill(name: string): Promise<void> {
    const { child } = this.get(name);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  }

  /** Forget the events so far (like a new step beginning). */
  clearEvents(): void {
    this.events.length = 0;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.root, { recursive: true, force: true });
  }

  private get(name: string): Running {
    const server = this.running.get(name);
    if (!server) throw new Error(`no server ${name}`);
    return server;
  }

  private spawnServer(name: string, program: string, args: string[], scheme: 'http' | 'https'): Promise<void> {
    const servers = [...this.running.values()].map(({ name: n, url, port, ports }) => ({
      name: n,
      role: n,
      url,
      port,
      ports,
    }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GT_SERVER: name,
      GT_HOST: '127.0.0.1',
      GT_PORT: '0',
      GT_SERVERS: JSON.stringify(servers),
      GT_SECRETS: JSON.stringify(this.secrets),
      GT_WORKSPACE: this.workspace,
      GT_LESSON_DIR: LESSON_DIR,
      GT_RUN_DIR: this.root,
      GT_EVENTS_FD: '3',
    };
    for (const server of servers) env[`GT_URL_${server.name.toUpperCase().replaceAll('-', '_')}`] = server.url;
    const child = spawn(process.execPath, [join(SERVERS_DIR, program), ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    return new Promise((resolveReady, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before ready:\n${log.join('')}`)));
      createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
        const event = { ...(JSON.parse(line) as Record<string, unknown>), server: name } as LabEventRecord;
        if (event.event === 'ready') {
          const port = Number(event.port);
          const ports = (event.ports as Record<string, number> | undefined) ?? {};
          this.running.set(name, { name, child, port, ports, url: `${scheme}://127.0.0.1:${port}` });
          resolveReady();
          return;
        }
        this.events.push(event);
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }
}

/** Run curl; never throws on a non-zero exit (tests assert on it). */
export function curl(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('curl', ['-sS', '--max-time', '10', ...args], {
      env: {
        ...process.env,
        http_proxy: '',
        https_proxy: '',
        HTTPS_PROXY: '',
        ALL_PROXY: '',
        all_proxy: '',
        NO_PROXY: '',
        no_proxy: '',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** Header value from curl -i / -D output (last response block), case-insensitive. */
export function responseHeader(output: string, name: string): string | undefined {
  const blocks = output.split(/\r?\n\r?\n/).filter((block) => /^HTTP\/\S+ \d{3}/.test(block));
  const last = blocks.at(-1) ?? '';
  const line = last.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

export function statusOf(output: string): number | undefined {
  const blocks = output.split(/\r?\n\r?\n/).filter((block) => /^HTTP\/\S+ \d{3}/.test(block));
  const match = /^HTTP\/\S+ (\d{3})/.exec(blocks.at(-1) ?? '');
  return match ? Number(match[1]) : undefined;
}

// ─── squid, the real peer ───────────────────────────────────────────────────────────────────

/** Where squid is installed (Debian puts it in /usr/sbin, often not on a user's PATH), or null. */
export function findSquid(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const candidate = join(dir, 'squid');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * squid on a loopback port with a minimal configuration in a temporary folder: no cache, no
 * helpers, a hosts file that resolves the lab's .test names to 127.0.0.1. It runs in the
 * foreground (-N) as our child; ready when it logs that it accepts connections.
 */
export class Squid {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(squidPath: string, hosts: string[]): Promise<Squid> {
    const dir = mkdtempSync(join(tmpdir(), 'gt-squid-'));
    // Run as root, squid drops to its own user; that user must be able to write its logs here.
    chmodSync(dir, 0o777);
    const port = await freePort();
    writeFileSync(join(dir, 'hosts'), `127.0.0.1 ${hosts.join(' ')}\n`);
    writeFileSync(
      join(dir, 'squid.conf'),
      [
        `http_port 127.0.0.1:${port}`,
        `pid_filename ${join(dir, 'squid.pid')}`,
        `cache_log ${join(dir, 'cache.log')}`,
        `access_log stdio:${join(dir, 'access.log')}`,
        `coredump_dir ${dir}`,
        `hosts_file ${join(dir, 'hosts')}`,
        'cache deny all',
        'pinger_enable off',
        'shutdown_lifetime 0 seconds',
        'visible_hostname squid-interop',
        'http_access allow localhost',
        'http_access deny all',
      ].join('\n') + '\n',
    );
    const child = spawn(squidPath, ['-N', '-d', '1', '-f', join(dir, 'squid.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    await new Promise<void>((ready, failed) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (/Accepting HTTP Socket connections/.test(log)) ready();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) =>
        failed(new Error(`squid exited with ${code} before accepting connections:\n${log}`)),
      );
    });
    return new Squid(`http://127.0.0.1:${port}`, child, dir);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((done) => {
        this.child.once('exit', () => done());
        this.child.kill('SIGKILL');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
