// The forward-proxy lesson's lab (news, blocked and secure origins, and the proxy), started by
// the engine's Lab as the tutor starts it, on free ports, plus curl and squid for the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LabEvent, RequestEvent } from '../../src/engine/types.js';
import { tempDir } from './env.js';
import { waitFor } from './processes.js';

/** An event as a test reads it: the server's own fields by name (the test knows which it is). */
export type LabEventRecord = LabEvent & Record<string, unknown>;
export type RequestRecord = RequestEvent & Record<string, unknown>;

export class ForwardProxyLab {
  private lab: Lab | undefined;
  /** Events up to this one belong to an earlier test (clearEvents). */
  private since = 0;

  /** news, blocked and secure origins, then the proxy that knows where they are. */
  async start(): Promise<this> {
    const lesson = (await loadCatalog()).find('forward-proxy');
    if (!lesson) throw new Error('the forward-proxy lesson did not load');
    this.lab = await Lab.start(lesson, {
      workspace: tempDir('forward-proxy-ws'),
      control: false,
      preferredPorts: false,
    });
    return this;
  }

  private get running(): Lab {
    if (!this.lab) throw new Error('the forward-proxy lab is not started');
    return this.lab;
  }

  /** This run's secrets (viaName, secureCode). */
  get secrets(): Record<string, string> {
    return this.running.secrets;
  }

  /** The name the proxy signs in Via (rules.mjs proxyName). */
  get viaName(): string {
    return `proxy-${(this.secrets.viaName ?? '')
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 10)
      .toLowerCase()}`;
  }

  get workspace(): string {
    return this.running.lessonWorkspace;
  }

  get events(): LabEventRecord[] {
    return this.running.events().filter((e) => e.seq > this.since) as LabEventRecord[];
  }

  url(name: string): string {
    return this.running.url(name);
  }

  port(name: string, extra?: string): number {
    return this.running.port(name, extra);
  }

  /** Request events of one server, oldest first. */
  requests(server?: string): RequestRecord[] {
    return this.events.filter(
      (e): e is RequestRecord => e.event === 'request' && (server === undefined || e.server === server),
    );
  }

  /** Resolve when an event matching `predicate` has arrived (the lab reports after answering). */
  waitFor(predicate: (event: LabEventRecord) => boolean, what: string, timeoutMs = 5000): Promise<LabEventRecord> {
    return waitFor(() => this.events.find(predicate), what, timeoutMs);
  }

  /** Stop one server, as `gateway-tutor ctl … stop` would (for 502 tests). */
  kill(name: string): Promise<void> {
    return this.running.control('stop', name);
  }

  /** Forget the events so far (like a new step beginning). */
  clearEvents(): void {
    this.since = this.running.events().at(-1)?.seq ?? 0;
  }

  async stop(): Promise<void> {
    await this.lab?.teardown();
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
