// The lab's reverse proxy passes a backend's answer on as one Buffer when its whole body came with
// its head (WholeResponse, backend-response.mjs), and as a stream otherwise. Both must keep the
// proxy's books: every backend's `active` count (least-conn balancing picks by it) goes back to 0
// once its requests are over, however they ended; and a whole answer kept by the cache is a copy
// that later HITs give back byte for byte, whatever the same connection carried since.
// The backends are scripted in this process (test/helpers/scripted-backend.ts), so each answer's
// bytes arrive as the test says.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/processes.js';
import { ReverseProxyLab } from '../helpers/reverse-proxy-lab.js';
import { bodyFor, ScriptedBackend } from '../helpers/scripted-backend.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the body ended cleanly (false: the proxy cut the client off). */
  complete: boolean;
}

/** GET (or `method`) `path` from the proxy, on a connection of its own; `abortWhen` may cut it off. */
function get(
  base: string,
  path: string,
  abortWhen?: (request: http.ClientRequest) => void,
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method, agent: false, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      const done = (complete: boolean) =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), complete });
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(response.complete));
      response.on('error', () => done(false));
      response.on('aborted', () => done(false));
    });
    request.on('timeout', () => request.destroy(new Error(`${path}: no answer within 10 s`)));
    request.on('error', (error) =>
      abortWhen ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }) : reject(error),
    );
    abortWhen?.(request);
    request.end();
  });
}

interface Status {
  balancer: string;
  backends: { name: string; active: number; served: number }[];
}

async function status(base: string): Promise<Status> {
  const answer = await get(base, '/proxy-status');
  return JSON.parse(answer.body.toString()) as Status;
}

/** Proxy settings for backends scripted here, named raw-1…raw-n. */
function scripted(backends: ScriptedBackend[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    RP_BACKENDS: backends.map((_, i) => `raw-${i + 1}`).join(','),
    RP_HEALTH_CHECKS: 'off', // the failures here are the test's, not a reason to take a backend out
    ...extra,
  };
  backends.forEach((backend, i) => {
    env[`GT_URL_RAW_${i + 1}`] = backend.url;
  });
  return env;
}

describe('backend.active after answers of every kind (least-conn)', () => {
  let backends: ScriptedBackend[];
  let lab: ReverseProxyLab;
  beforeAll(async () => {
    backends = await Promise.all([1, 2, 3].map(() => ScriptedBackend.start()));
    lab = await ReverseProxyLab.start({
      apps: 0,
      proxyEnv: scripted(backends, { RP_BALANCE: 'least-conn', RP_TIMEOUT_MS: '400' }),
    });
  });
  afterAll(async () => {
    await lab?.teardown();
    await Promise.all(backends?.map((backend) => backend.close()) ?? []);
  });

  /** The backends, once none has a request in flight; undefined until then. */
  const allIdle = async () => {
    const { backends: list } = await status(lab.url);
    return list.every((backend) => backend.active === 0) ? list : undefined;
  };

  it('counts a request in flight until it is over, and least-conn sends new ones elsewhere', async () => {
    // Given an answer that has begun (its first bytes reached the client) and hangs
    let leave = () => {};
    let begin = () => {};
    const begun = new Promise<void>((resolve) => {
      begin = resolve;
    });
    const hung = get(lab.url, '/hang/held?size=4000', (request) =>
      request.on('response', (response) =>
        response.once('data', () => {
          leave = () => request.destroy();
          begin();
        }),
      ),
    );
    await begun;
    const list = (await status(lab.url)).backends;
    const busy = list.filter((backend) => backend.active > 0);
    expect(busy.map((backend) => backend.active)).toEqual([1]);
    // When more requests come while it hangs, then none goes to the busy backend
    for (let i = 0; i < 6; i++) expect((await get(lab.url, `/whole/w${i}`)).status).toBe(200);
    const after = (await status(lab.url)).backends.find((backend) => backend.name === busy[0]?.name);
    expect(after?.served).toBe(busy[0]?.served);
    expect(after?.active).toBe(1);
    // and once the client goes away, its backend is idle again
    leave();
    await hung;
    await waitFor(allIdle, 'every backend idle after the hanging client left');
  });

  it('goes back to 0 on every backend after whole, streamed, cut-off, failed and timed-out answers', async () => {
    const kinds = [
      'whole',
      'whole',
      'whole',
      'later',
      'chunked',
      'chunked',
      'cut',
      'cut-chunked',
      'malformed',
      'reset',
    ];
    for (let round = 0; round < 8; round++) {
      const requests: Promise<Answer>[] = kinds.map((kind, i) =>
        get(lab.url, `/${kind}/r${round}-${i}?size=${200 + 900 * i}`),
      );
      // Two clients that leave: one mid-body, one before any answer came.
      const midBody = `/hang/r${round}?size=6000`;
      requests.push(
        get(lab.url, midBody, (request) =>
          request.on('response', (response) => response.once('data', () => request.destroy())),
        ),
      );
      const silent = `/silent/r${round}`;
      requests.push(
        get(lab.url, silent, (request) => {
          void waitFor(
            () => backends.some((backend) => backend.count(silent) > 0),
            'the silent request at a backend',
          ).then(() => request.destroy());
        }),
      );
      // One the backend never answers (504 after RP_TIMEOUT_MS), and a HEAD (a whole answer with
      // no body).
      const timedOut = get(lab.url, `/silent/t${round}`);
      const head = get(lab.url, `/whole/h${round}?size=5000`, undefined, 'HEAD');
      const answers = await Promise.all(requests);
      expect((await timedOut).status).toBe(504);
      expect((await head).status).toBe(200);
      expect((await head).headers['content-length']).toBe('5000');
      // What each client saw: whole and streamed answers complete and intact; the rest not.
      kinds.forEach((kind, i) => {
        const answer = answers[i] as Answer;
        const path = `/${kind}/r${round}-${i}?size=${200 + 900 * i}`;
        if (kind === 'whole' || kind === 'later' || kind === 'chunked') {
          expect(answer.status, path).toBe(200);
          expect(answer.complete, path).toBe(true);
          expect(answer.body.equals(bodyFor(path)), path).toBe(true);
        } else if (kind === 'cut' || kind === 'cut-chunked') expect(answer.complete, path).toBe(false);
        else expect(answer.status, path).toBe(502);
      });
    }
    const list = await waitFor(allIdle, 'every backend back to 0 active requests');
    expect(list.reduce((sum, backend) => sum + backend.served, 0)).toBeGreaterThan(0);
  });

  it('frees the backend of a cacheable streamed answer whose client left mid-body', async () => {
    // Given an answer the cache would keep (it is copied as it streams past), which hangs after
    // its first bytes, and a client that leaves once those arrived
    const path = '/hang/kept-left?size=6000&cache';
    const answer = await get(lab.url, path, (request) =>
      request.on('response', (response) => response.once('data', () => request.destroy())),
    );
    expect(answer.complete).toBe(false);
    // Then the proxy lets go of the backend's answer too: no backend stays busy
    await waitFor(allIdle, 'every backend idle after the client of a cacheable answer left');
  });

  it('shares the next requests evenly: no backend is left looking busy', async () => {
    const before = (await status(lab.url)).backends;
    for (let i = 0; i < 30; i++) expect((await get(lab.url, `/whole/even-${i}`)).status).toBe(200);
    const after = (await status(lab.url)).backends;
    expect(after.map((backend, i) => backend.served - (before[i]?.served ?? 0))).toEqual([10, 10, 10]);
  });
});

describe('whole answers kept by the cache', () => {
  let backend: ScriptedBackend;
  let lab: ReverseProxyLab;
  beforeAll(async () => {
    backend = await ScriptedBackend.start();
    lab = await ReverseProxyLab.start({ apps: 0, proxyEnv: scripted([backend]) });
  });
  afterAll(async () => {
    await lab?.teardown();
    await backend?.close();
  });

  it('gives back each stored body byte for byte after the connection carried many others', async () => {
    // Given many cacheable answers through one backend connection, each followed by answers that
    // are not kept (their bytes read into whatever buffers the connection reads into next)
    const kept: string[] = [];
    for (let i = 0; i < 40; i++) {
      const kind = i % 5 === 4 ? 'chunked' : 'whole';
      const path = `/${kind}/kept-${i}?size=${1 + ((i * 977) % 12_000)}&cache`;
      kept.push(path);
      const miss = await get(lab.url, path);
      expect(miss.headers['x-cache'], path).toBe('MISS');
      expect(miss.body.equals(bodyFor(path)), path).toBe(true);
      for (let j = 0; j < 3; j++) {
        const other = `/whole/passing-${i}-${j}?size=${12_000 - ((i * 131 + j * 57) % 11_000)}`;
        expect((await get(lab.url, other)).body.equals(bodyFor(other)), other).toBe(true);
      }
    }
    // (One connection carried them, unless the machine stalled past the proxy's idle limit.)
    const perConnection = new Map<number, number>();
    for (const { connection } of backend.seen) perConnection.set(connection, (perConnection.get(connection) ?? 0) + 1);
    expect(Math.max(...perConnection.values())).toBeGreaterThan(150); // of 160
    // When each is asked for again, then the cache answers with the body the backend sent
    for (const path of kept) {
      const hit = await get(lab.url, path);
      expect(hit.headers['x-cache'], path).toBe('HIT');
      expect(hit.body.length, path).toBe(bodyFor(path).length);
      expect(hit.body.equals(bodyFor(path)), path).toBe(true);
      expect(backend.count(path), path).toBe(1);
    }
  });
});
