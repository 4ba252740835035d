// Issue 15, defects 1, 2, 4 and 10: requests a hostile client sends must get a 4xx (or a closed
// connection) and the server must keep serving. Each lab is started through the engine's Lab.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';
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

  it('lets go of the backend work of pipelined requests whose client went away', async () => {
    // Given twenty requests in one write, each for a large body the client will never read
    const proxy = lab.servers().find((s) => s.name === 'proxy')!;
    const before = lab.events().filter((e) => e.server === 'proxy' && (e as RequestEvent).target === '/big').length;
    await rawExchange(proxy.port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
    // When the client is gone after the first answer, then every one of them ends (and is
    // reported): none stays waiting on its backend connection for ever
    await waitFor(
      () =>
        lab.events().filter((e) => e.server === 'proxy' && (e as RequestEvent).target === '/big').length >= before + 20,
      'all twenty pipelined requests to end',
    );
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

describe('CGI server', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab('cgi');
  });
  afterAll(() => lab.teardown());

  it('refuses every way out of cgi-bin, and never runs or shows what lies outside', async () => {
    const cgi = lab.servers().find((s) => s.name === 'cgi')!;
    const outside = join(tempDir('outside'), 'secret.sh');
    writeFileSync(outside, '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nroot:x:0:0:secret\\n"\n', { mode: 0o755 });
    const bin = join(lab.lessonWorkspace, 'cgi-bin');
    rmSync(join(bin, 'out.sh'), { force: true });
    symlinkSync(outside, join(bin, 'out.sh'));
    for (const target of [
      '/cgi-bin/out.sh',
      '/cgi-bin/../../../etc/passwd',
      '/cgi-bin/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/cgi-bin/env.sh/../../etc/passwd',
      '/cgi-bin/.%2e/.%2E/etc/passwd',
      '/cgi-bin/..%2f..%2fetc%2fpasswd',
      '/cgi-bin/env.sh%00.txt',
      '/cgi-bin/%',
      '//%',
    ]) {
      const reply = await rawExchange(cgi.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(reply.status, target).toBeGreaterThanOrEqual(400);
      expect(reply.status, target).toBeLessThan(500);
      expect(reply.answer, target).not.toContain('root:x:0:0');
    }
    // A ".." that comes back into cgi-bin is no escape: resolved first, as Apache does, it runs env.sh
    for (const target of ['/cgi-bin/../cgi-bin/env.sh', '/cgi-bin/%2e%2e/cgi-bin/env.sh']) {
      const reply = await rawExchange(cgi.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(reply.status, target).toBe(200);
      expect(reply.answer, target).toContain('SCRIPT_NAME=/cgi-bin/env.sh');
    }
    stillUp(lab, 'cgi', cgi.pid!);
  });

  it('answers a few hundred mangled targets, bodies and headers with a status, and keeps serving', async () => {
    const cgi = lab.servers().find((s) => s.name === 'cgi')!;
    const pieces = [
      'env.sh',
      'echo.sh',
      '..',
      '%2e',
      '%2f',
      '%00',
      '%',
      '%zz',
      '',
      '.',
      'é',
      '%C3%A9',
      'x'.repeat(300),
      '?',
      ';',
      '#',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      const path = Array.from({ length: 1 + random(4) }, () => pieces[random(pieces.length)]).join('/');
      const body = random(3) === 0 ? 'a=1&b=2' : '';
      const extra = random(4) === 0 ? `X_Odd${i}: 1\r\nProxy: http://evil\r\n` : '';
      const request =
        `${random(5) === 0 ? 'POST' : 'GET'} /cgi-bin/${path} HTTP/1.1\r\nHost: x\r\n${extra}` +
        (body ? `Content-Length: ${body.length}\r\n` : '') +
        `\r\n${body}`;
      const reply = await rawExchange(cgi.port, request, { deadlineMs: 3000 });
      expect(reply.status, request.split('\r\n')[0]).not.toBeNull();
    }
    // Nothing the server did was its own failure: no 500 that says "the lab server failed"
    const own = lab
      .events()
      .filter((e) => e.event === 'request' && String((e as RequestEvent).error ?? '').startsWith('server error'));
    expect(own).toEqual([]);
    const again = await rawExchange(cgi.port, 'GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(again.status).toBe(200);
    stillUp(lab, 'cgi', cgi.pid!);
  });

  it('survives clients that send half a body and vanish, or reset at once', async () => {
    const cgi = lab.servers().find((s) => s.name === 'cgi')!;
    for (let i = 0; i < 10; i++) {
      await rawExchange(cgi.port, 'POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nhalf', {
        reset: true,
      });
      await rawExchange(cgi.port, 'GET /cgi-bin/env.sh HTTP/1.1\r\nHost: x\r\n\r\n', { reset: true });
      await rawExchange(
        cgi.port,
        'POST /cgi-bin/echo.sh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
        { reset: true },
      );
    }
    const reply = await rawExchange(cgi.port, 'GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.status).toBe(200);
    const own = lab
      .events()
      .filter((e) => e.event === 'request' && String((e as RequestEvent).error ?? '').startsWith('server error'));
    expect(own).toEqual([]);
    stillUp(lab, 'cgi', cgi.pid!);
  });
});

describe('files a lab server writes into the workspace', () => {
  it('are never written through a symlink planted there (access log, CA certificate)', async () => {
    // Given a workspace where proxy-access.log and ca.pem are links to files outside it
    const workspace = tempDir('planted');
    const lessonFolder = join(workspace, 'forward-proxy');
    mkdirSync(lessonFolder, { recursive: true });
    const victim = join(tempDir('victim'), 'bashrc');
    writeFileSync(victim, 'echo precious\n');
    symlinkSync(victim, join(lessonFolder, 'proxy-access.log'));
    symlinkSync(victim, join(lessonFolder, 'ca.pem'));
    const lesson = (await loadCatalog({ only: 'forward-proxy' })).find('forward-proxy')!;
    const lab = await Lab.start(lesson, { workspace, control: false, preferredPorts: false });
    try {
      // When the proxy serves requests and logs them
      const proxy = lab.servers().find((s) => s.name === 'proxy')!;
      expect((await rawExchange(proxy.port, 'GET http://news.test/ HTTP/1.1\r\nHost: news.test\r\n\r\n')).status).toBe(
        200,
      );
      await waitFor(() => lab.logs('proxy').some((l) => l.includes('GET http://news.test/')), 'the access log line');
    } finally {
      await lab.teardown();
    }
    // Then the file outside is untouched
    expect(readFileSync(victim, 'utf8')).toBe('echo precious\n');
  });
});
