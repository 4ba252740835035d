// The reverse-proxy lesson's lab, started by the engine's Lab (as the tutor starts it) with test
// settings: how many apps, the proxy's knobs (RP_* variables), the apps' environment. Tests send
// stdin commands and stop/start backends through the same Lab, on free ports.
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LabEvent } from '../../src/engine/types.js';
import { tempDir } from './env.js';
import { waitFor } from './processes.js';

/** An event as a test reads it: the server's own fields by name (the test knows which it is). */
export type LabRecord = LabEvent & Record<string, unknown>;

export interface ReverseProxyLabOptions {
  apps?: number;
  /** Extra environment for the proxy (RP_HEALTH_INTERVAL_MS, RP_TIMEOUT_MS, …). */
  proxyEnv?: Record<string, string>;
  appEnv?: Record<string, string>;
}

export class ReverseProxyLab {
  /** A scratch folder for the test's own files (uploads, links). */
  readonly root = tempDir('reverse-proxy');

  /** Every event of the run. The Lab keeps only its last few thousand (a tutor must not grow
   * without bound), and a load test under wrk makes more than that. */
  private readonly all: LabRecord[] = [];

  private constructor(
    readonly lab: Lab,
    readonly appNames: string[],
  ) {
    this.all.push(...(lab.events() as readonly LabRecord[]));
    lab.subscribe((change) => {
      if (change.type === 'event') this.all.push(change.event as LabRecord);
    });
  }

  static async start(options: ReverseProxyLabOptions = {}): Promise<ReverseProxyLab> {
    const lesson = (await loadCatalog()).find('reverse-proxy');
    if (!lesson) throw new Error('the reverse-proxy lesson did not load');
    const apps = Array.from({ length: options.apps ?? 3 }, (_, i) => `app-${i + 1}`);
    const servers = lesson.servers
      .filter((server) => server.name === 'proxy' || apps.includes(server.name))
      .map((server) =>
        server.name === 'proxy'
          ? { ...server, env: { ...server.env, RP_BACKENDS: apps.join(','), ...options.proxyEnv } }
          : { ...server, env: { ...server.env, ...options.appEnv } },
      );
    const lab = await Lab.start(
      { ...lesson, servers },
      { workspace: tempDir('reverse-proxy-ws'), control: false, preferredPorts: false },
    );
    return new ReverseProxyLab(lab, apps);
  }

  get workspace(): string {
    return this.lab.lessonWorkspace;
  }

  /** The lab run's private folder (GT_RUN_DIR), where the proxy spools large bodies. */
  get runDir(): string {
    return this.lab.runDirectory;
  }

  get url(): string {
    return this.lab.url('proxy');
  }

  get httpsUrl(): string {
    return this.lab.url('proxy', 'https');
  }

  appUrl(name: string): string {
    return this.lab.url(name);
  }

  get events(): readonly LabRecord[] {
    return this.all;
  }

  /** Start a server again, on its old port, as `gateway-tutor ctl start` would. */
  start(name: string): Promise<void> {
    return this.lab.control('start', name);
  }

  /** Stop a server and wait until it is gone. */
  stop(name: string): Promise<void> {
    return this.lab.control('stop', name);
  }

  /** A JSON command on the server's stdin, as the tutor would send it. */
  command(name: string, command: Record<string, unknown>): void {
    this.lab.command(name, command);
  }

  requests(server?: string): LabRecord[] {
    return this.events.filter((e) => e.event === 'request' && (!server || e.server === server));
  }

  /** The first event (after `since`) that matches, waiting for it to arrive. */
  waitForEvent(match: (event: LabRecord) => boolean, what: string, since = 0, timeoutMs = 10_000): Promise<LabRecord> {
    return waitFor(() => this.events.find((e) => e.seq > since && match(e)), what, timeoutMs);
  }

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  teardown(): Promise<void> {
    return this.lab.teardown();
  }
}
