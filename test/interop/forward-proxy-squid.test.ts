// The lab forward proxy against squid, a forward proxy nobody here wrote. The same curl request
// goes through each to the same lab origin, and the origin reports what arrived: both proxies
// must have removed the same hop-by-hop headers and added a Via. Then HTTPS through both, with
// CONNECT. (squid resolves the .test names from a hosts file; the lab proxy knows them itself.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ForwardProxyLab,
  Squid,
  curl,
  findSquid,
  responseHeader,
  statusOf,
  type RequestRecord,
} from '../helpers/forward-proxy-lab.js';

const squidPath = findSquid();

describe.skipIf(!squidPath)(
  `lab forward proxy and squid${squidPath ? '' : ' (skipped: squid is not installed; apt-get install squid)'}`,
  () => {
    let lab: ForwardProxyLab;
    let squid: Squid;

    beforeAll(async () => {
      [lab, squid] = await Promise.all([
        new ForwardProxyLab().start(),
        Squid.start(squidPath!, ['news.test', 'secure.test']),
      ]);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([lab?.stop(), squid?.stop()]);
    });

    // What a client may send that is about its own connection to the proxy, not about the request.
    const hopByHop: string[] = [
      'Connection: keep-alive, X-Hop-Only',
      'X-Hop-Only: for the next hop only',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Trailer: X-Checksum',
      'Proxy-Connection: keep-alive',
    ];
    const endToEnd = ['X-End-To-End: kept', 'Via: 1.0 earlier-proxy', 'Accept: text/plain'];

    async function through(
      proxyUrl: string,
      url: string,
      tag: string,
    ): Promise<{ atOrigin: RequestRecord; response: string }> {
      const args = ['-i', '-x', proxyUrl, '-H', `X-Tag: ${tag}`];
      for (const line of [...hopByHop, ...endToEnd]) args.push('-H', line);
      const out = await curl([...args, url]);
      expect(statusOf(out.stdout), out.stdout + out.stderr).toBe(200);
      await lab.waitFor(
        (e) => e.server === 'news' && e.event === 'request' && JSON.stringify(e.headers).includes(tag),
        `news to see ${tag}`,
      );
      const atOrigin = lab
        .requests('news')
        .find((r) => r.headers.some(([n, v]) => n.toLowerCase() === 'x-tag' && v === tag))!;
      return { atOrigin, response: out.stdout };
    }

    const names = (request: RequestRecord) => new Set(request.headers.map(([name]) => name.toLowerCase()));
    const value = (request: RequestRecord, name: string) =>
      request.headers.find(([n]) => n.toLowerCase() === name)?.[1];

    it('both forward in origin-form, drop the same hop-by-hop headers, keep end-to-end ones, and append Via', async () => {
      const newsPort = lab.port('news');
      const viaLab = await through(lab.url('proxy'), 'http://news.test/headers', 'lab');
      const viaSquid = await through(squid.url, `http://news.test:${newsPort}/headers`, 'squid');

      for (const { atOrigin } of [viaLab, viaSquid]) {
        expect(atOrigin.target).toBe('/headers');
        expect(value(atOrigin, 'host')).toMatch(/^news\.test(:\d+)?$/);
      }
      const clientHop = ['x-hop-only', 'keep-alive', 'te', 'trailer', 'proxy-connection'];
      const dropped = (request: RequestRecord) => clientHop.filter((name) => !names(request).has(name));
      expect(dropped(viaLab.atOrigin)).toEqual(clientHop);
      expect(dropped(viaSquid.atOrigin)).toEqual(dropped(viaLab.atOrigin));
      // Connection may be present at the origin, but only as the proxy's own, never naming X-Hop-Only.
      for (const { atOrigin } of [viaLab, viaSquid])
        expect(value(atOrigin, 'connection') ?? '').not.toMatch(/x-hop-only/i);

      for (const name of ['x-end-to-end', 'accept']) {
        expect(names(viaLab.atOrigin).has(name)).toBe(true);
        expect(names(viaSquid.atOrigin).has(name)).toBe(true);
      }
      expect(value(viaLab.atOrigin, 'via')).toMatch(/^1\.0 earlier-proxy, 1\.1 proxy-\w+$/);
      expect(value(viaSquid.atOrigin, 'via')).toMatch(/^1\.0 earlier-proxy, 1\.1 squid-interop/);

      // On the way back, both add Via to the response too.
      expect(responseHeader(viaLab.response, 'via')).toMatch(/1\.1 proxy-\w+$/);
      expect(responseHeader(viaSquid.response, 'via')).toMatch(/1\.1 squid-interop/);
    });

    it('both tunnel HTTPS with CONNECT, and curl verifies secure.test at the far end of each', async () => {
      const ca = join(lab.workspace, 'ca.pem');
      const viaLab = await curl(['-v', '--cacert', ca, '-x', lab.url('proxy'), 'https://secure.test/']);
      const viaSquid = await curl([
        '-v',
        '--cacert',
        ca,
        '-x',
        squid.url,
        `https://secure.test:${lab.port('secure')}/`,
      ]);
      for (const out of [viaLab, viaSquid]) {
        expect(out.code, out.stderr).toBe(0);
        expect(out.stderr).toMatch(/> CONNECT secure\.test:\d+ HTTP\/1\.1/);
        expect(out.stderr).toMatch(/< HTTP\/1\.1 200 /);
        expect(out.stdout).toContain(`Your code: ${lab.secrets.secureCode}`);
      }
      // secure.test served / twice, once through each tunnel (events arrive a moment after curl exits).
      const served = () => lab.requests('secure').filter((r) => r.target === '/').length;
      await lab.waitFor(() => served() >= 2, 'secure.test to serve / twice');
      expect(served()).toBe(2);
    });
  },
);
