// The forward-proxy lesson's servers, started as the tutor starts them and probed with real curl,
// as a learner would. Each test reads as: given the lab, when curl does X, then the lab saw Y.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForwardProxyLab, curl, responseHeader, statusOf, type RequestRecord } from '../helpers/forward-proxy-lab.js';

let lab: ForwardProxyLab;
let proxy: string;

beforeAll(async () => {
  lab = await new ForwardProxyLab().start();
  proxy = lab.url('proxy');
}, 20_000);
afterAll(() => lab?.stop());
beforeEach(() => lab.clearEvents());

function header(pairs: [string, string][] | undefined, name: string): string | undefined {
  return pairs?.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

async function lastRequest(server: string, target: string): Promise<RequestRecord> {
  await lab.waitFor((e) => e.event === 'request' && e.server === server && e.target === target, `${server} ${target}`);
  return lab
    .requests(server)
    .filter((r) => r.target === target)
    .at(-1)!;
}

/** Send raw bytes to the proxy and read until it closes the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((done, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => done(answer));
    socket.on('error', reject);
  });
}

describe('forward proxy: plain HTTP', () => {
  it('forwards an absolute-form request in origin-form, with Host from the target and Via added', async () => {
    const out = await curl(['-i', '-x', proxy, 'http://news.test/whoami?x=1']);
    expect(statusOf(out.stdout)).toBe(200);
    expect(responseHeader(out.stdout, 'via')).toBe(`1.1 ${lab.viaName}`);

    const atOrigin = await lastRequest('news', '/whoami?x=1');
    expect(header(atOrigin.headers, 'host')).toBe('news.test');
    expect(header(atOrigin.headers, 'via')).toBe(`1.1 ${lab.viaName}`);
    expect(header(atOrigin.headers, 'proxy-connection')).toBeUndefined();
    const atProxy = await lastRequest('proxy', 'http://news.test/whoami?x=1');
    expect(atProxy).toMatchObject({ status: 200, upstream: lab.url('news'), cache: 'MISS' });
  });

  it('works with the http_proxy variable too, and fails without a proxy (curl cannot resolve news.test)', async () => {
    const viaEnv = await curl(['http://news.test/'], { http_proxy: proxy });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain('news.test: the lab gazette');
    const direct = await curl(['http://news.test/']);
    expect(direct.code).toBe(6); // CURLE_COULDNT_RESOLVE_HOST
  });

  it('removes hop-by-hop headers, including those named in Connection, and appends to Via', async () => {
    await curl([
      '-x',
      proxy,
      '-H',
      'Connection: keep-alive, X-Secret-Hop',
      '-H',
      'X-Secret-Hop: 1',
      '-H',
      'Keep-Alive: timeout=5',
      '-H',
      'TE: trailers',
      '-H',
      'Upgrade: websocket',
      '-H',
      'Via: 1.0 earlier-proxy',
      '-H',
      'X-End-To-End: kept',
      'http://news.test/headers',
    ]);
    const atOrigin = await lastRequest('news', '/headers');
    const seen = atOrigin.headers.map(([name]) => name.toLowerCase());
    for (const hop of ['x-secret-hop', 'keep-alive', 'te', 'upgrade', 'proxy-connection'])
      expect(seen).not.toContain(hop);
    // The proxy's own connection to the origin may have a Connection header of its own, never the client's.
    expect(header(atOrigin.headers, 'connection') ?? 'keep-alive').toBe('keep-alive');
    expect(seen).toContain('x-end-to-end');
    expect(header(atOrigin.headers, 'via')).toBe(`1.0 earlier-proxy, 1.1 ${lab.viaName}`);
  });

  it('caches: a MISS, then a HIT with Age; no-cache is a BYPASS; no-store and private are never kept', async () => {
    const first = await curl(['-i', '-x', proxy, 'http://news.test/headlines']);
    const second = await curl(['-i', '-x', proxy, 'http://news.test/headlines']);
    expect(responseHeader(second.stdout, 'x-cache')).toBe('HIT');
    expect(Number(responseHeader(second.stdout, 'age'))).toBeGreaterThanOrEqual(0);
    expect(second.stdout.split('\r\n\r\n')[1]).toBe(first.stdout.split('\r\n\r\n')[1]);
    const forced = await curl(['-i', '-x', proxy, '-H', 'Cache-Control: no-cache', 'http://news.test/headlines']);
    expect(responseHeader(forced.stdout, 'x-cache')).toBe('BYPASS');
    // the origin was asked again, and its fresh answer replaced the stored copy
    await lab.waitFor(
      (e) =>
        e.event === 'request' &&
        e.server === 'news' &&
        e.target === '/headlines' &&
        /no-cache/.test(header((e as RequestRecord).headers, 'cache-control') ?? ''),
      'news.test asked again for /headlines',
    );
    const third = await curl(['-i', '-x', proxy, 'http://news.test/headlines']);
    expect(responseHeader(third.stdout, 'x-cache')).toBe('HIT');
    expect(third.stdout.split('\r\n\r\n')[1]).toBe(forced.stdout.split('\r\n\r\n')[1]);

    for (const path of ['/live', '/account']) {
      await curl(['-x', proxy, `http://news.test${path}`]);
      const again = await curl(['-i', '-x', proxy, `http://news.test${path}`]);
      expect(responseHeader(again.stdout, 'x-cache'), path).toBe('MISS');
    }
  });

  it('answers a blocked site with its own 403 page, and the site never sees the request', async () => {
    const out = await curl(['-i', '-x', proxy, 'http://blocked.test/']);
    expect(statusOf(out.stdout)).toBe(403);
    expect(responseHeader(out.stdout, 'x-proxy-error')).toBe('blocked-by-filter');
    expect(out.stdout).toContain('filter list');
    expect(await lastRequest('proxy', 'http://blocked.test/')).toMatchObject({ status: 403, blocked: true });
    expect(lab.requests('blocked')).toHaveLength(0);
  });

  it('answers OPTIONS and TRACE itself at Max-Forwards: 0, and decrements it otherwise', async () => {
    const trace = await curl(['-i', '-x', proxy, '-X', 'TRACE', '-H', 'Max-Forwards: 0', 'http://news.test/']);
    expect(statusOf(trace.stdout)).toBe(200);
    expect(trace.stdout).toContain('TRACE http://news.test/ HTTP/1.1');
    expect(lab.requests('news')).toHaveLength(0);

    const forwarded = await curl(['-x', proxy, '-X', 'TRACE', '-H', 'Max-Forwards: 3', 'http://news.test/']);
    expect(forwarded.stdout).toContain('Max-Forwards: 2');
    const options = await curl(['-i', '-x', proxy, '-X', 'OPTIONS', '-H', 'Max-Forwards: 0', 'http://news.test/']);
    expect(responseHeader(options.stdout, 'allow')).toContain('CONNECT');
  });
});

describe('forward proxy: CONNECT and proxy credentials', () => {
  it('tunnels HTTPS to secure.test:443; curl verifies the site with the CA from the workspace', async () => {
    const out = await curl(['--cacert', join(lab.workspace, 'ca.pem'), '-x', proxy, 'https://secure.test/']);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(`Your code: ${lab.secrets.secureCode}`);
    expect(await lastRequest('proxy', 'secure.test:443')).toMatchObject({
      method: 'CONNECT',
      status: 200,
      tunnel: true,
    });
    const tunnel = await lab.waitFor((e) => e.event === 'tunnel', 'the tunnel to close');
    expect(tunnel.bytesDown).toBeGreaterThan(0);
    // The proxy saw the host and port, never the path: that travelled inside TLS.
    expect(JSON.stringify(lab.requests('proxy'))).not.toContain(lab.secrets.secureCode);
  });

  it('needs credentials on the auth port: 407 with Proxy-Authenticate, then 200, and they are not forwarded', async () => {
    const authProxy = `http://127.0.0.1:${lab.port('proxy', 'auth')}`;
    const without = await curl(['-i', '-x', authProxy, 'http://news.test/whoami']);
    expect(statusOf(without.stdout)).toBe(407);
    expect(responseHeader(without.stdout, 'proxy-authenticate')).toMatch(/^Basic realm=/);

    const wrong = await curl(['-i', '-x', authProxy, '-U', 'learner:nope', 'http://news.test/whoami']);
    expect(statusOf(wrong.stdout)).toBe(407);

    const withCreds = await curl(['-i', '-x', authProxy, '-U', 'learner:opensesame', 'http://news.test/whoami']);
    expect(statusOf(withCreds.stdout)).toBe(200);
    const atOrigin = await lastRequest('news', '/whoami');
    expect(header(atOrigin.headers, 'proxy-authorization')).toBeUndefined();
    await lab.waitFor(() => lab.requests('proxy').length >= 3, 'three proxy reports');
    expect(lab.requests('proxy').map((r) => r.auth)).toEqual(['missing', 'wrong', 'ok']);

    const tunnel = await curl([
      '-i',
      '--cacert',
      join(lab.workspace, 'ca.pem'),
      '-x',
      authProxy,
      'https://secure.test/',
    ]);
    expect(tunnel.stderr).toMatch(/407/);
    const admitted = await curl([
      '--cacert',
      join(lab.workspace, 'ca.pem'),
      '-x',
      authProxy,
      '-U',
      'learner:opensesame',
      'https://secure.test/',
    ]);
    expect(admitted.stdout).toContain('Your code:');
    expect(readFileSync(join(lab.workspace, 'proxy-access.log'), 'utf8')).toMatch(
      /auth:learner GET http:\/\/news\.test\/whoami 200/,
    );
  });
});

describe('forward proxy: bad input gets a clear status, and the proxy keeps serving', () => {
  it('refuses a site outside the lab (never an open proxy)', async () => {
    const out = await curl(['-i', '-x', proxy, 'http://example.com/']);
    expect(statusOf(out.stdout)).toBe(403);
    expect(responseHeader(out.stdout, 'x-proxy-error')).toBe('not-a-lab-site');
    const loopback = await curl(['-i', '-x', proxy, `${lab.url('news')}/`]);
    expect(statusOf(loopback.stdout)).toBe(403);
  });

  it('refuses CONNECT to a port that is not a lab HTTPS site', async () => {
    for (const target of ['news.test:80', 'secure.test:22', 'example.com:443', 'blocked.test:443']) {
      const answer = await raw(lab.port('proxy'), `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 403 /);
    }
  });

  it('answers malformed request lines with 400 and keeps serving', async () => {
    const cases = [
      'GARBAGE\r\n\r\n',
      'GET http://news.test/ HTTP/9.9 extra\r\n\r\n',
      'GET /\r\n\r\n',
      'CONNECT nohostport HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    for (const bytes of cases) {
      const answer = await raw(lab.port('proxy'), bytes);
      expect(answer, JSON.stringify(bytes)).toMatch(/^HTTP\/1\.1 400 /);
    }
    const huge = await raw(
      lab.port('proxy'),
      `GET http://news.test/ HTTP/1.1\r\nHost: news.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    const direct = await curl(['-i', proxy + '/']);
    expect(statusOf(direct.stdout)).toBe(400);
    expect(direct.stdout).toContain('forward proxy');
    const stillServing = await curl(['-x', proxy, 'http://news.test/']);
    expect(stillServing.stdout).toContain('the lab gazette');
    await lab.waitFor(
      (e) => e.event === 'request' && e.status === 400 && typeof e.error === 'string',
      'a parse error report',
    );
  });
});

describe('forward proxy: bodies and broken origins', () => {
  it('streams a large request body to the origin and its answer back, byte for byte', async () => {
    const file = join(lab.workspace, 'upload.bin');
    const payload = randomBytes(3 * 1024 * 1024);
    writeFileSync(file, payload);
    const out = await curl([
      '-x',
      proxy,
      '--data-binary',
      `@${file}`,
      '-H',
      'Content-Type: application/octet-stream',
      '-o',
      `${file}.back`,
      '-w',
      '%{size_download} %{http_code}',
      'http://news.test/echo',
    ]);
    expect(out.stdout).toBe(`${payload.length} 200`);
    expect(readFileSync(`${file}.back`).equals(payload)).toBe(true);
  });

  it('answers 502 with its own page when a site is down, and keeps serving the others', async () => {
    await lab.kill('blocked');
    await lab.kill('news');
    // /whoami is never cached (the front page may still be, and would rightly be served).
    const out = await curl(['-i', '-x', proxy, 'http://news.test/whoami']);
    expect(statusOf(out.stdout)).toBe(502);
    expect(responseHeader(out.stdout, 'x-proxy-error')).toBe('origin-unreachable');
    const tunnel = await curl(['--cacert', join(lab.workspace, 'ca.pem'), '-x', proxy, 'https://secure.test/']);
    expect(tunnel.stdout).toContain('Your code:');
  });
});
