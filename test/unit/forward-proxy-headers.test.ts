// The forward proxy's rules (src/servers/forward-proxy/rules.mjs): what crosses the proxy and
// what does not (RFC 9110 §7.6), how targets are read (RFC 9112 §3.2), and which sites exist.
import { describe, expect, it } from 'vitest';
import {
  answersItself,
  checkProxyAuth,
  labSites,
  parseAbsoluteTarget,
  parseAuthority,
  proxyName,
  requestHeadersForOrigin,
  responseHeadersForClient,
} from '../../src/servers/forward-proxy/rules.mjs';
import type { HeaderPairs } from '../../src/servers/lib/headers.mjs';

const names = (pairs: HeaderPairs) => pairs.map(([name]) => name.toLowerCase());
const value = (pairs: HeaderPairs, name: string) => pairs.find(([key]) => key.toLowerCase() === name)?.[1];

describe('requestHeadersForOrigin', () => {
  const fromCurl: HeaderPairs = [
    ['Host', 'news.test'],
    ['User-Agent', 'curl/8'],
    ['Proxy-Connection', 'Keep-Alive'],
    ['Connection', 'keep-alive, X-Hop'],
    ['X-Hop', 'only for the proxy'],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
    ['Transfer-Encoding', 'chunked'],
    ['Upgrade', 'h2c'],
    ['Trailer', 'X-Checksum'],
    ['Proxy-Authorization', 'Basic bGVhcm5lcjpvcGVuc2VzYW1l'],
    ['X-End-To-End', 'stays'],
  ];

  it('drops every hop-by-hop field, those named in Connection, and the consumed credentials', () => {
    const out = requestHeadersForOrigin(fromCurl, { method: 'GET', hostHeader: 'news.test', via: 'proxy-x' });
    expect(names(out)).toEqual(['host', 'user-agent', 'x-end-to-end', 'via']);
  });

  it('sets Host from the target, whatever the client sent', () => {
    const out = requestHeadersForOrigin([['Host', 'evil.example']], {
      method: 'GET',
      hostHeader: 'news.test:8080',
      via: 'p',
    });
    expect(out.filter(([name]) => name.toLowerCase() === 'host')).toEqual([['Host', 'news.test:8080']]);
  });

  it('appends its Via entry after earlier proxies, with the version it received', () => {
    const out = requestHeadersForOrigin(
      [
        ['Via', '1.1 first'],
        ['via', '1.0 second'],
      ],
      { method: 'GET', hostHeader: 'h', via: 'proxy-x', httpVersion: '1.0' },
    );
    expect(out.filter(([name]) => name.toLowerCase() === 'via')).toEqual([
      ['Via', '1.1 first, 1.0 second, 1.0 proxy-x'],
    ]);
  });

  it('decrements Max-Forwards on OPTIONS and TRACE only', () => {
    const pairs: HeaderPairs = [['Max-Forwards', '3']];
    expect(value(requestHeadersForOrigin(pairs, { method: 'TRACE', hostHeader: 'h', via: 'p' }), 'max-forwards')).toBe(
      '2',
    );
    expect(
      value(requestHeadersForOrigin(pairs, { method: 'OPTIONS', hostHeader: 'h', via: 'p' }), 'max-forwards'),
    ).toBe('2');
    expect(value(requestHeadersForOrigin(pairs, { method: 'GET', hostHeader: 'h', via: 'p' }), 'max-forwards')).toBe(
      '3',
    );
  });
});

describe('responseHeadersForClient', () => {
  it('drops hop-by-hop fields of the origin connection and adds Via', () => {
    const out = responseHeadersForClient(
      [
        ['Content-Type', 'text/plain'],
        ['Connection', 'close, X-Internal'],
        ['X-Internal', '1'],
        ['Transfer-Encoding', 'chunked'],
        ['Keep-Alive', 'timeout=5'],
        ['Via', '1.1 origin-cdn'],
      ],
      { via: 'proxy-x' },
    );
    expect(out).toEqual([
      ['Content-Type', 'text/plain'],
      ['Via', '1.1 origin-cdn, 1.1 proxy-x'],
    ]);
  });
});

describe('answersItself (Max-Forwards: 0)', () => {
  it('is true only for OPTIONS and TRACE with Max-Forwards 0', () => {
    expect(answersItself('TRACE', [['Max-Forwards', '0']])).toBe(true);
    expect(answersItself('OPTIONS', [['max-forwards', ' 0 ']])).toBe(true);
    expect(answersItself('TRACE', [['Max-Forwards', '1']])).toBe(false);
    expect(answersItself('GET', [['Max-Forwards', '0']])).toBe(false);
    expect(answersItself('TRACE', [])).toBe(false);
  });
});

describe('parseAbsoluteTarget', () => {
  it('splits the URL, keeps the path as written, and leaves a default port out of Host', () => {
    expect(parseAbsoluteTarget('http://News.Test/a/../b?q=1')).toEqual({
      scheme: 'http',
      host: 'news.test',
      port: 80,
      hostHeader: 'news.test',
      path: '/a/../b?q=1',
    });
    expect(parseAbsoluteTarget('http://news.test:80')).toMatchObject({ port: 80, hostHeader: 'news.test', path: '/' });
    expect(parseAbsoluteTarget('http://news.test:8080?x')).toMatchObject({
      port: 8080,
      hostHeader: 'news.test:8080',
      path: '/?x',
    });
    expect(parseAbsoluteTarget('https://secure.test/')).toMatchObject({ scheme: 'https', port: 443 });
  });

  it('refuses what is not an absolute URL, or carries credentials in it', () => {
    for (const bad of ['/path', '*', 'news.test/', 'http://', 'http://user:pw@news.test/', 'http://[nope/']) {
      expect(parseAbsoluteTarget(bad), bad).toBeNull();
    }
  });
});

describe('parseAuthority (CONNECT targets)', () => {
  it('needs host:port with a valid port', () => {
    expect(parseAuthority('Secure.Test:443')).toEqual({ host: 'secure.test', port: 443 });
    for (const bad of [
      'secure.test',
      'secure.test:',
      'secure.test:0',
      'secure.test:70000',
      'http://secure.test:443',
      'a b:1',
    ]) {
      expect(parseAuthority(bad), bad).toBeNull();
    }
  });
});

describe('labSites', () => {
  it('names each other server <name>.test, on port 80 for HTTP and 443 for HTTPS', () => {
    const sites = labSites(
      [
        { name: 'proxy', url: 'http://127.0.0.1:8210' },
        { name: 'news', url: 'http://127.0.0.1:8220' },
        { name: 'secure', url: 'https://127.0.0.1:8222' },
      ],
      'proxy',
    );
    expect([...sites.keys()]).toEqual(['news.test:80', 'secure.test:443']);
    expect(sites.get('secure.test:443')).toMatchObject({ host: '127.0.0.1', port: 8222, tls: true });
  });
});

describe('checkProxyAuth', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it('tells missing, wrong and right credentials apart', () => {
    expect(checkProxyAuth(undefined)).toBe('missing');
    expect(checkProxyAuth(basic('learner:nope'))).toBe('wrong');
    expect(checkProxyAuth('Bearer abc')).toBe('wrong');
    expect(checkProxyAuth(basic('learner:opensesame'))).toBe('ok');
    expect(checkProxyAuth(`basic   ${Buffer.from('learner:opensesame').toString('base64')}`)).toBe('ok');
  });
});

describe('proxyName', () => {
  it('is a Via-safe token made from the secret', () => {
    expect(proxyName('3f9A0c1e')).toBe('proxy-3f9a0c1e');
    expect(proxyName('a/b+c=')).toBe('proxy-abc');
    expect(proxyName(undefined)).toMatch(/^proxy-[a-z0-9]+$/);
  });
});
