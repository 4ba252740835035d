// Issue 15, defects 1, 2, 4 and 10: requests a hostile client sends must get a 4xx (or a closed
// connection) and the server must keep serving. Each lab is started through the engine's Lab.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { tempDir } from '../helpers/env.js';
import { rawExchange } from '../helpers/raw-http.js';

async function startLab(id: string): Promise<Lab> {
  const lesson = (await loadCatalog({ only: id })).find(id)!;
  return Lab.start(lesson, { workspace: tempDir(`hostile-${id}`), control: false, preferredPorts: false });
}

/** The server is still the same process, and no 'server' event says it went down. */
function stillUp(lab: Lab, name: string, pid: number): void {
  const server = lab.servers().find((s) => s.name === name)!;
  expect(server.state).toBe('up');
  expect(server.pid).toBe(pid);
  expect(lab.events().filter((e) => e.event === 'server')).toEqual([]);
}

describe('http-basics origin', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab('http-basics');
  });
  afterAll(() => lab.teardown());

  it('answers a target that is no URL ("//%") with 400 and keeps serving (defect 1)', async () => {
    const origin = lab.servers()[0]!;
    const reply = await rawExchange(origin.port, 'GET //% HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.status).toBe(400);
    expect((await fetch(`${origin.url}/`)).status).toBe(200);
    stillUp(lab, 'origin', origin.pid!);
  });
});

describe('forward proxy', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab('forward-proxy');
  });
  afterAll(() => lab.teardown());

  it('answers a host with a NUL in it with 400 and keeps serving (defect 1)', async () => {
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    const reply = await rawExchange(proxy.port, 'GET http://news.test%00.evil/ HTTP/1.1\r\nHost: news.test\r\n\r\n');
    expect(reply.status).toBe(400);
    const again = await rawExchange(proxy.port, 'GET http://news.test/ HTTP/1.1\r\nHost: news.test\r\n\r\n');
    expect(again.status).toBe(200);
    stillUp(lab, 'proxy', proxy.pid!);
  });

  it('tells a client that sends plain HTTP to the TLS site to use CONNECT, with a 4xx (defect 10)', async () => {
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    for (const target of ['http://secure.test/', 'http://secure.test:443/']) {
      const reply = await rawExchange(proxy.port, `GET ${target} HTTP/1.1\r\nHost: secure.test\r\n\r\n`);
      expect(reply.status, target).toBeGreaterThanOrEqual(400);
      expect(reply.status, target).toBeLessThan(500);
      expect(reply.answer, target).toMatch(/CONNECT/);
    }
    stillUp(lab, 'proxy', proxy.pid!);
  });
});

describe('reverse proxy and its backends', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab('reverse-proxy');
  });
  afterAll(() => lab.teardown());

  it('answers "//%" with 400, not 500, at the proxy and at a backend (defect 10)', async () => {
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    const app = lab.servers().find((s) => s.name === 'app-1')!;
    expect((await rawExchange(proxy.port, 'GET //% HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(400);
    expect((await rawExchange(app.port, 'GET //% HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(400);
  });

  it('answers CONNECT with a status line, not a silent close (defect 10)', async () => {
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    const reply = await rawExchange(proxy.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  });

  it('survives a WebSocket upgrade it refuses whose client resets at once (defect 2)', async () => {
    const app = lab.servers().find((s) => s.name === 'app-1')!;
    // No Sec-WebSocket-Key: the backend refuses with 400, and the client has already reset.
    for (let i = 0; i < 20; i++) {
      await rawExchange(
        app.port,
        ['GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
        { reset: true },
      );
    }
    const reply = await rawExchange(app.port, 'GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.status).toBe(200);
    stillUp(lab, 'app-1', app.pid!);
  });

  it("does not serve a folder's index.html that is a link out of the static folder (defect 4)", async () => {
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    const docs = join(lab.lessonWorkspace, 'static', 'docs');
    const outside = join(tempDir('outside'), 'passwd');
    writeFileSync(outside, 'root:x:0:0:secret\n');
    mkdirSync(docs, { recursive: true });
    rmSync(join(docs, 'index.html'), { force: true });
    symlinkSync(outside, join(docs, 'index.html'));
    const reply = await rawExchange(proxy.port, 'GET /static/docs/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.status).toBe(403);
    expect(reply.answer).not.toContain('root:x:0:0');
    const direct = await rawExchange(proxy.port, 'GET /static/docs/index.html HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(direct.status).toBe(403);
  });
});
