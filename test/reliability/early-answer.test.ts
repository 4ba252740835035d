// An early answer must reach a client that is still uploading (RFC 9112 §9.6, lingering close).
// Every lab server that can answer before it has read a request's body (413 for a body over its
// limit, a proxy's 403 or 407) is sent a body well past that limit, at a steady pace, by a client
// that reads only once it has sent it all (test/helpers/upload-client.ts). The client must read
// the whole answer: a server that closed at once would have reset the connection under it. The
// servers are started by the engine's Lab, as the tutor starts them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LoadedLesson, RequestEvent, ServerSpec } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { waitFor } from '../helpers/processes.js';
import { rawExchange } from '../helpers/raw-http.js';
import { type UploadOptions, type UploadResult, uploadThenRead } from '../helpers/upload-client.js';

process.env.PYTHON ??= '/usr/bin/python3';

const LIMIT = 64 * 1024;
const labs: Lab[] = [];
afterAll(async () => {
  await Promise.all(labs.map((lab) => lab.teardown()));
});

/** One server of a lesson, with `args` for its program, over a workspace holding `files`. */
async function oneServer(
  lessonId: string,
  serverName: string,
  change: Partial<Pick<ServerSpec, 'env'>> & { args?: string[] },
  files: Record<string, string> = {},
): Promise<Lab> {
  const lesson = (await loadCatalog({ only: lessonId })).find(lessonId)!;
  const dir = tempDir(`early-${lessonId}`);
  mkdirSync(join(dir, 'starter'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'starter', name), source);
  const servers = lesson.servers
    .filter((server) => server.name === serverName)
    .map((server) => ({
      ...server,
      program: { ...server.program, ...(change.args ? { args: change.args } : {}) },
      env: { ...server.env, ...change.env },
    })) as ServerSpec[];
  const mine: LoadedLesson = Object.keys(files).length ? { ...lesson, servers, dir } : { ...lesson, servers };
  const lab = await Lab.start(mine, { workspace: tempDir('early-ws'), control: false, preferredPorts: false });
  labs.push(lab);
  return lab;
}

function port(lab: Lab, name: string): number {
  return lab.servers().find((s) => s.name === name)!.port!;
}

/** The client read the whole answer, with this status, and no write of its failed first. */
function expectAnswered(result: UploadResult, status: number): void {
  const seen = { status: result.status, complete: result.complete, writeError: result.writeError, sent: result.sent };
  expect(seen).toEqual({ status, complete: true, writeError: null, sent: expect.any(Number) });
}

const post = (target: string, framing: string) => `POST ${target} HTTP/1.1\r\nHost: lab\r\n${framing}`;
/** A body announced as 1 GiB, of which the client sends `totalBytes`. */
const announced = (target: string, totalBytes: number): UploadOptions => ({
  head: post(target, `Content-Length: ${1024 ** 3}`),
  totalBytes,
});
const chunked = (target: string, totalBytes: number): UploadOptions => ({
  head: post(target, 'Transfer-Encoding: chunked'),
  chunked: true,
  totalBytes,
});

describe('the FastCGI front', () => {
  const start = () =>
    startFastcgiLab({ front: ['--app', 'app', '--max-body', String(LIMIT)] }).then((lab) => {
      labs.push(lab);
      return lab;
    });
  it('a chunked body over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'fastcgi'), chunked('/cgi-bin/run-handler.py', 8 * LIMIT)), 413);
  }, 30_000);
  it('a Content-Length over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'fastcgi'), announced('/cgi-bin/run-handler.py', 8 * LIMIT)), 413);
  }, 30_000);
});

describe('the FastCGI front and Expect: 100-continue', () => {
  it('refuses a body over --max-body before inviting it, and invites one it takes', async () => {
    const lab = await startFastcgiLab({ front: ['--app', 'app', '--max-body', String(LIMIT)] });
    labs.push(lab);
    const expecting = (length: number) =>
      `${post('/cgi-bin/run-handler.py', `Content-Length: ${length}\r\nExpect: 100-continue`)}\r\n\r\n`;
    const refused = await rawExchange(port(lab, 'fastcgi'), expecting(2 * LIMIT));
    expect(refused.answer).toMatch(/^HTTP\/1\.1 413 /);
    const invited = await rawExchange(port(lab, 'fastcgi'), [expecting(5), 'hello'], { gapMs: 50 });
    expect(invited.answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  }, 30_000);
});

describe('the CGI server', () => {
  it('a chunked body over 1 MiB: the client reads the 413', async () => {
    const lab = await oneServer('cgi', 'cgi', {});
    const result = await uploadThenRead(port(lab, 'cgi'), {
      ...chunked('/cgi-bin/x', 1536 * 1024),
      pieceBytes: 64 * 1024,
    });
    expectAnswered(result, 413);
  }, 30_000);
});

const ASGI_APP = `
async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get('body', b''))
        if not message.get('more_body'):
            break
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': str(size).encode()})
`;

describe('the ASGI server', () => {
  const start = () =>
    oneServer('asgi', 'asgi', { args: ['--app', 'app:app', '--max-body', String(LIMIT)] }, { 'app.py': ASGI_APP });
  it('a Content-Length over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'asgi'), announced('/upload', 8 * LIMIT)), 413);
  }, 30_000);
  it('a chunked body over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'asgi'), chunked('/upload', 8 * LIMIT)), 413);
  }, 30_000);
});

const WSGI_APP = `
def app(environ, start_response):
    size = len(environ['wsgi.input'].read())
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(size).encode()]
`;

describe('the WSGI server', () => {
  const start = () =>
    oneServer(
      'wsgi',
      'wsgi',
      { args: ['--app', 'app:app', '--workers', '1', '--max-body', String(LIMIT)] },
      {
        'app.py': WSGI_APP,
      },
    );
  it('a Content-Length over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'wsgi'), announced('/upload', 8 * LIMIT)), 413);
  }, 30_000);
  it('a chunked body over --max-body: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'wsgi'), chunked('/upload', 8 * LIMIT)), 413);
  }, 30_000);
});

describe('the reverse proxy', () => {
  const start = () => oneServer('reverse-proxy', 'proxy', { env: { RP_MAX_BODY: String(LIMIT), RP_BACKENDS: '' } });
  it('a Content-Length over the limit: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'proxy'), announced('/upload', 8 * LIMIT)), 413);
  }, 30_000);
  it('a chunked body over the limit: the client reads the 413', async () => {
    const lab = await start();
    expectAnswered(await uploadThenRead(port(lab, 'proxy'), chunked('/upload', 8 * LIMIT)), 413);
  }, 30_000);
});

describe('the forward proxy', () => {
  it('a POST to a blocked site: the client reads the 403', async () => {
    const lab = await oneServer('forward-proxy', 'proxy', {});
    expectAnswered(await uploadThenRead(port(lab, 'proxy'), announced('http://blocked.test/upload', 8 * LIMIT)), 403);
  }, 30_000);
  it('a chunked POST to the staff door without credentials: the client reads the 407', async () => {
    const lab = await oneServer('forward-proxy', 'proxy', {});
    const auth = lab.servers().find((s) => s.name === 'proxy')!.ports?.auth;
    expectAnswered(await uploadThenRead(auth!, chunked('http://news.test/upload', 8 * LIMIT)), 407);
  }, 30_000);
});

// The linger is bounded: a client that never stops sending is cut after a couple of seconds (or
// 8 MiB), as nginx cuts it after lingering_time, and meanwhile the server serves others.
describe('a client that never stops sending', () => {
  /** 4 KiB every 10 ms, for up to a minute: only the server's deadline can end it. */
  const forever = (options: UploadOptions): UploadOptions => ({
    ...options,
    totalBytes: 24 * 1024 * 1024,
    pieceBytes: 4096,
    paceMs: 10,
    deadlineMs: 20_000,
  });
  const expectCut = (result: UploadResult) => {
    expect(result.writeError).toMatch(/ECONNRESET|EPIPE/);
    expect(result.ms).toBeLessThan(12_000); // seconds, not the minute of the request deadline
  };

  it('is cut by the FastCGI front', async () => {
    const lab = await startFastcgiLab({ front: ['--app', 'app', '--max-body', String(LIMIT)] });
    labs.push(lab);
    expectCut(await uploadThenRead(port(lab, 'fastcgi'), forever(chunked('/cgi-bin/run-handler.py', 0))));
  }, 30_000);

  it('is cut by the forward proxy', async () => {
    const lab = await oneServer('forward-proxy', 'proxy', {});
    expectCut(await uploadThenRead(port(lab, 'proxy'), forever(announced('http://blocked.test/upload', 0))));
  }, 30_000);

  // The CGI server keeps the connection after its 413, and node:http reads the rest of the body
  // and drops it, until the keep-alive timeout (5 s, plus node's own second) ends the connection.
  it('is cut by the CGI server', async () => {
    const lab = await oneServer('cgi', 'cgi', {});
    const result = await uploadThenRead(port(lab, 'cgi'), {
      ...forever(chunked('/cgi-bin/x', 0)),
      pieceBytes: 64 * 1024,
    });
    expectCut(result);
  }, 30_000);

  it('is cut by the ASGI server', async () => {
    const lab = await oneServer(
      'asgi',
      'asgi',
      { args: ['--app', 'app:app', '--max-body', String(LIMIT)] },
      {
        'app.py': ASGI_APP,
      },
    );
    expectCut(await uploadThenRead(port(lab, 'asgi'), forever(announced('/upload', 0))));
  }, 30_000);

  it('is cut by the reverse proxy', async () => {
    const lab = await oneServer('reverse-proxy', 'proxy', { env: { RP_MAX_BODY: String(LIMIT), RP_BACKENDS: '' } });
    expectCut(await uploadThenRead(port(lab, 'proxy'), forever(chunked('/upload', 0))));
  }, 30_000);

  it('is cut by the WSGI server, whose only worker serves the next client meanwhile', async () => {
    const lab = await oneServer(
      'wsgi',
      'wsgi',
      { args: ['--app', 'app:app', '--workers', '1', '--max-body', String(LIMIT)] },
      {
        'app.py': WSGI_APP,
      },
    );
    let uploading = true;
    const upload = uploadThenRead(port(lab, 'wsgi'), forever(announced('/upload', 0))).finally(() => {
      uploading = false;
    });
    await waitFor(
      () => lab.events().some((e) => e.event === 'request' && (e as RequestEvent).status === 413),
      'the 413',
    );
    const next = await fetch(lab.url('wsgi'));
    expect({ status: next.status, uploading }).toEqual({ status: 200, uploading: true });
    expectCut(await upload);
  }, 30_000);
});
