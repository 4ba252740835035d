// Starts the forward-proxy lesson's servers as child processes speaking the lab protocol of
// docs/lab-servers.md (env in, JSON events out on fd 3), without the engine: every server binds
// port 0 and reports its real port in its ready event, so tests never race for ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  async waitFor(predicate: (event: LabEventRecord) => boolean, what: string, timeoutMs = 5000): Promise<LabEventRecord> {
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
    const servers = [...this.running.values()].map(({ name: n, url, port, ports }) => ({ name: n, role: n, url, port, ports }));
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
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
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
export function curl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('curl', ['-sS', '--max-time', '10', ...args], {
      env: { ...process.env, http_proxy: '', https_proxy: '', HTTPS_PROXY: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '', no_proxy: '', ...env },
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
