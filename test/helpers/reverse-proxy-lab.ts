// Starts the reverse-proxy lesson's servers as child processes speaking the lab protocol of
// docs/lab-servers.md (env in, JSON events out on fd 3), without the engine, so a test can set
// the proxy's knobs (RP_* variables), send stdin commands and stop/start backends itself. Each
// server binds port 0 and reports its real port in its ready event: tests never race for ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { tempDir } from './env.js';
import { waitFor } from './processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const SERVERS_DIR = join(ROOT, 'src/servers/reverse-proxy');
export const LESSON_DIR = join(ROOT, 'lessons/03-reverse-proxy');

export interface LabRecord {
  server: string;
  event: string;
  seq: number;
  [field: string]: unknown;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  port: number;
  extra: Record<string, number>;
}

export interface ReverseProxyLabOptions {
  apps?: number;
  /** Extra environment for the proxy (RP_HEALTH_INTERVAL_MS, RP_TIMEOUT_MS, …). */
  proxyEnv?: Record<string, string>;
  appEnv?: Record<string, string>;
}

export class ReverseProxyLab {
  readonly root = tempDir('reverse-proxy');
  readonly workspace = join(this.root, 'workspace');
  readonly events: LabRecord[] = [];
  readonly appNames: string[];
  private readonly running = new Map<string, Running>();
  private readonly ports = new Map<string, number>();
  private seq = 0;

  constructor(private readonly options: ReverseProxyLabOptions = {}) {
    this.appNames = Array.from({ length: options.apps ?? 3 }, (_, i) => `app-${i + 1}`);
  }

  static async start(options: ReverseProxyLabOptions = {}): Promise<ReverseProxyLab> {
    const lab = new ReverseProxyLab(options);
    try {
      await Promise.all(lab.appNames.map((name) => lab.start(name)));
      await lab.start('proxy');
    } catch (error) {
      await lab.teardown();
      throw error;
    }
    return lab;
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.get('proxy')}`;
  }

  get httpsUrl(): string {
    return `https://127.0.0.1:${this.running.get('proxy')!.extra.https}`;
  }

  appUrl(name: string): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  /** Start a server (again, on its old port when it had one) and wait for its ready event. */
  async start(name: string): Promise<void> {
    const isProxy = name === 'proxy';
    const env: Record<string, string> = {
      ...process.env,
      GT_SERVER: name,
      GT_HOST: '127.0.0.1',
      GT_PORT: String(this.ports.get(name) ?? 0),
      GT_EVENTS_FD: '3',
      GT_WORKSPACE: this.workspace,
      GT_LESSON_DIR: LESSON_DIR,
      GT_RUN_DIR: join(this.root, 'run'),
      GT_SECRETS: JSON.stringify({ bigseed: 'testseed' }),
      GT_SERVERS: JSON.stringify([...this.appNames, 'proxy'].map((n) => ({ name: n }))),
      ...(isProxy
        ? { GT_PORT_HTTPS: '0', RP_BACKENDS: this.appNames.join(','), ...this.options.proxyEnv }
        : this.options.appEnv),
    };
    for (const app of this.appNames)
      if (this.ports.has(app)) env[`GT_URL_${app.toUpperCase().replaceAll('-', '_')}`] = this.appUrl(app);
    const child = spawn(process.execPath, [join(SERVERS_DIR, isProxy ? 'proxy.mjs' : 'backend.mjs')], {
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stdout!.on('data', (d) => logs.push(String(d)));
    child.stderr!.on('data', (d) => logs.push(String(d)));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const ready = new Promise<LabRecord>((resolveReady, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before ready:\n${logs.join('')}`)));
      createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
        const event = { ...JSON.parse(line), server: name, seq: ++this.seq } as LabRecord;
        this.events.push(event);
        if (event.event === 'ready') resolveReady(event);
      });
    });
    const event = await ready;
    this.ports.set(name, Number(event.port));
    this.running.set(name, {
      child,
      exited,
      port: Number(event.port),
      extra: event.https ? { https: Number(event.https) } : {},
    });
  }

  /** SIGTERM, and wait until the process is gone. */
  async stop(name: string): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    running.child.kill('SIGTERM');
    await running.exited;
    this.running.delete(name);
  }

  /** A JSON command on the server's stdin, as the tutor would send it. */
  command(name: string, command: object): void {
    this.running.get(name)!.child.stdin!.write(JSON.stringify(command) + '\n');
  }

  requests(server?: string): LabRecord[] {
    return this.events.filter((e) => e.event === 'request' && (!server || e.server === server));
  }

  /** The first event (after `since`) that matches, waiting for it to arrive. */
  waitForEvent(match: (event: LabRecord) => boolean, what: string, since = 0, timeoutMs = 10_000): Promise<LabRecord> {
    return waitFor(() => this.events.find((e) => e.seq > since && match(e)), what, timeoutMs);
  }

  get lastSeq(): number {
    return this.seq;
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
  }
}
