// The reverse proxy's header rules (src/servers/reverse-proxy/forwarding.mjs, compression.mjs):
// what the backend is told about the client (RFC 7239 and the X-Forwarded-* family), what never
// crosses the proxy (RFC 9110 §7.6), and which coding a client gets (RFC 9110 §12.5.3).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Backend, Balancer } from '../../src/servers/reverse-proxy/balancer.mjs';
import { addVary, chooseEncoding, isCompressible, weakenEtag } from '../../src/servers/reverse-proxy/compression.mjs';
import { pairs } from '../../src/servers/lib/headers.mjs';
import {
  backendRequest,
  forwardedElement,
  requestHeadersForBackend,
  responseHeadersForClient,
} from '../../src/servers/reverse-proxy/forwarding.mjs';
import { compressionFields } from '../../src/servers/reverse-proxy/respond.mjs';
import { headerChanges } from '../../src/servers/reverse-proxy/trace.mjs';
import { mayRetry, UpstreamError } from '../../src/servers/reverse-proxy/retry-rules.mjs';

/** Just enough of an IncomingMessage for the header rules. */
function request(raw: string[], remoteAddress = '127.0.0.1'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    headers[name] = headers[name] ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1]!;
  }
  return { rawHeaders: raw, headers, httpVersion: '1.1', socket: { remoteAddress } } as unknown as IncomingMessage;
}

const value = (pairs: [string, string][], name: string) =>
  pairs.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

describe('requestHeadersForBackend', () => {
  it('tells the backend who the client was, how it came and what it asked for', () => {
    // Given a plain request from 127.0.0.1 for host shop.test
    const pairs = requestHeadersForBackend(request(['Host', 'shop.test', 'Accept', '*/*']), {
      proto: 'https',
      requestId: 'abc123',
    });
    // Then every forwarding header is there, once
    expect(value(pairs, 'x-forwarded-for')).toEqual(['127.0.0.1']);
    expect(value(pairs, 'x-forwarded-proto')).toEqual(['https']);
    expect(value(pairs, 'x-forwarded-host')).toEqual(['shop.test']);
    expect(value(pairs, 'forwarded')).toEqual(['for=127.0.0.1;proto=https;host=shop.test']);
    expect(value(pairs, 'x-request-id')).toEqual(['abc123']);
    expect(value(pairs, 'via')).toEqual(['1.1 gateway-tutor-proxy']);
    expect(value(pairs, 'host')).toEqual(['shop.test']);
  });

  it('appends to X-Forwarded-For, Forwarded and Via what earlier hops wrote, keeping their claims on the left', () => {
    // Given a request whose X-Forwarded-For came from an earlier hop (or was made up by the client)
    const pairs = requestHeadersForBackend(
      request(
        ['Host', 'a', 'X-Forwarded-For', '203.0.113.7', 'Forwarded', 'for=203.0.113.7', 'Via', '1.0 edge'],
        '10.0.0.2',
      ),
      { proto: 'http', requestId: 'r' },
    );
    // Then the claim stays, and the address this proxy saw is the right-most entry: the one to trust
    expect(value(pairs, 'x-forwarded-for')).toEqual(['203.0.113.7, 10.0.0.2']);
    expect(value(pairs, 'forwarded')).toEqual(['for=203.0.113.7, for=10.0.0.2;proto=http;host=a']);
    expect(value(pairs, 'via')).toEqual(['1.0 edge, 1.1 gateway-tutor-proxy']);
  });

  it('replaces a client-supplied request id and X-Forwarded-Proto: the proxy is the edge', () => {
    const pairs = requestHeadersForBackend(
      request(['Host', 'a', 'X-Request-Id', 'forged', 'X-Forwarded-Proto', 'https']),
      {
        proto: 'http',
        requestId: 'fresh',
      },
    );
    expect(value(pairs, 'x-request-id')).toEqual(['fresh']);
    expect(value(pairs, 'x-forwarded-proto')).toEqual(['http']);
  });

  it('drops hop-by-hop fields, the ones Connection names, Expect and Accept-Encoding', () => {
    const pairs = requestHeadersForBackend(
      request([
        'Host',
        'a',
        'Connection',
        'keep-alive, X-Debug',
        'X-Debug',
        '1',
        'Keep-Alive',
        'timeout=5',
        'TE',
        'trailers',
        'Expect',
        '100-continue',
        'Accept-Encoding',
        'gzip',
        'X-Kept',
        'yes',
      ]),
      { proto: 'http', requestId: 'r' },
    );
    const names = pairs.map(([name]) => name.toLowerCase());
    for (const gone of ['connection', 'x-debug', 'keep-alive', 'te', 'expect', 'accept-encoding'])
      expect(names).not.toContain(gone);
    expect(value(pairs, 'x-kept')).toEqual(['yes']);
  });
});

describe('forwardedElement (RFC 7239 §4, §6)', () => {
  it('quotes IPv6 addresses in brackets and any value with a colon', () => {
    expect(forwardedElement({ forAddress: '::1', proto: 'http', host: '127.0.0.1:8300' })).toBe(
      'for="[::1]";proto=http;host="127.0.0.1:8300"',
    );
  });
  it('leaves plain tokens unquoted', () => {
    expect(forwardedElement({ forAddress: '192.0.2.60', proto: 'https', host: 'example.com' })).toBe(
      'for=192.0.2.60;proto=https;host=example.com',
    );
  });
});

describe('responseHeadersForClient', () => {
  it('removes hop-by-hop fields from the backend answer and appends Via', () => {
    const pairs = responseHeadersForClient([
      'Content-Type',
      'text/plain',
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'Via',
      '1.1 app',
    ]);
    expect(pairs).toEqual([
      ['Content-Type', 'text/plain'],
      ['Via', '1.1 app, 1.1 gateway-tutor-proxy'],
    ]);
  });
});

describe('responseHeadersForClient and Via (RFC 9110 §7.6.3)', () => {
  it('appends its entry after the last Via value, also when the backend sent two Via lines', () => {
    const pairs = responseHeadersForClient(['Via', '1.0 cdn', 'Content-Type', 'text/plain', 'Via', '1.1 app']);
    expect(pairs).toEqual([
      ['Via', '1.0 cdn'],
      ['Content-Type', 'text/plain'],
      ['Via', '1.1 app, 1.1 gateway-tutor-proxy'],
    ]);
    // read as one list, the order is the order of forwarding
    expect(value(pairs, 'via').join(', ')).toBe('1.0 cdn, 1.1 app, 1.1 gateway-tutor-proxy');
  });
});

describe('requestHeadersForBackend with a held body', () => {
  it('sends the body with its Content-Length, however the client framed it', () => {
    const chunked = requestHeadersForBackend(request(['Host', 'a', 'Transfer-Encoding', 'chunked']), {
      proto: 'http',
      requestId: 'r',
      bodySize: 12,
    });
    expect(value(chunked, 'content-length')).toEqual(['12']);
    expect(value(chunked, 'transfer-encoding')).toEqual([]);
  });
});

describe('backendRequest: the header changes of the trace', () => {
  // The trace's passed-on says what the proxy changed. backendRequest knows it for most requests
  // while it makes the pairs; whatever the request, it must say what comparing the lists says.
  const cases: [string, string[], number | undefined][] = [
    ['plain', ['Host', 'shop.test', 'Accept', '*/*', 'User-Agent', 'curl/8'], undefined],
    ['no Host', ['Accept', '*/*'], undefined],
    ['a line twice', ['Host', 'a', 'Accept', 'text/html', 'accept', '*/*'], undefined],
    ['hop-by-hop', ['Host', 'a', 'Connection', 'keep-alive, X-Debug', 'X-Debug', '1', 'TE', 'trailers'], undefined],
    [
      'earlier hops',
      ['Host', 'a', 'X-Forwarded-For', '1.2.3.4', 'Via', '1.0 edge', 'Forwarded', 'for=1.2.3.4'],
      undefined,
    ],
    [
      'its own id and coding',
      ['Host', 'a', 'X-Request-Id', 'mine', 'Accept-Encoding', 'gzip', 'Expect', '100-continue'],
      undefined,
    ],
    ['a held body', ['Host', 'a', 'Transfer-Encoding', 'chunked'], 12],
    ['a held body with its length', ['Host', 'a', 'Content-Length', '12'], 12],
    ['a length, not held', ['Host', 'a', 'Content-Length', '12'], undefined],
  ];
  for (const [name, raw, bodySize] of cases) {
    it(`says what comparing before and after says: ${name}`, () => {
      const req = request(raw);
      const { headers, changes } = backendRequest(req, 'http', 'r1', bodySize);
      expect(headers).toEqual(requestHeadersForBackend(req, { proto: 'http', requestId: 'r1', bodySize }));
      expect(changes).toEqual(headerChanges(pairs(raw), headers));
    });
  }
});

describe('mayRetry: which failed attempts go to another backend', () => {
  const refused = new UpstreamError('connect', 'app-1: ECONNREFUSED', { sent: false });
  const reset = Object.assign(new UpstreamError('connect', 'app-1: ECONNRESET', { sent: true }), { broken: true });
  const garbage = new UpstreamError('connect', 'app-1: HPE_INVALID_CONSTANT', { sent: true });
  const timeout = new UpstreamError('timeout', 'app-1 sent no response');

  it('after a refused connection, any method: nothing was sent (RFC 9110 §9.2.2)', () => {
    for (const method of ['GET', 'POST', 'PATCH']) expect(mayRetry({ method }, refused), method).toBe(true);
  });

  it('after the connection broke once the request was out, only idempotent methods', () => {
    expect(mayRetry({ method: 'GET' }, reset)).toBe(true);
    expect(mayRetry({ method: 'PUT' }, reset)).toBe(true);
    expect(mayRetry({ method: 'POST' }, reset)).toBe(false);
  });

  it('never after an answer that was not HTTP, nor after a timeout', () => {
    expect(mayRetry({ method: 'GET' }, garbage)).toBe(false);
    expect(mayRetry({ method: 'GET' }, timeout)).toBe(false);
  });
});

describe('chooseEncoding', () => {
  it.each([
    [undefined, null],
    ['gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip;q=0.9', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['*', 'br'],
    ['*;q=0.1, br;q=0', 'gzip'],
    ['deflate, identity', null],
  ])('Accept-Encoding %j gets %j', (accept, expected) => {
    expect(chooseEncoding(accept)).toBe(expected);
  });
});

describe('isCompressible', () => {
  const base = { status: 200, method: 'GET', headers: { 'content-type': 'text/plain', 'content-length': '5000' } };
  it('compresses text of a useful size', () => expect(isCompressible(base)).toBe(true));
  it('leaves tiny bodies, images, HEAD, 304, encoded and no-transform responses alone', () => {
    expect(isCompressible({ ...base, headers: { ...base.headers, 'content-length': '100' } })).toBe(false);
    expect(isCompressible({ ...base, headers: { ...base.headers, 'content-type': 'image/png' } })).toBe(false);
    expect(isCompressible({ ...base, method: 'HEAD' })).toBe(false);
    expect(isCompressible({ ...base, status: 304 })).toBe(false);
    expect(isCompressible({ ...base, headers: { ...base.headers, 'content-encoding': 'gzip' } })).toBe(false);
    expect(isCompressible({ ...base, headers: { ...base.headers, 'cache-control': 'public, no-transform' } })).toBe(
      false,
    );
  });
  it('adds Accept-Encoding to Vary once and weakens strong ETags', () => {
    expect(addVary(undefined)).toBe('Accept-Encoding');
    expect(addVary('Cookie')).toBe('Cookie, Accept-Encoding');
    expect(addVary('accept-encoding')).toBe('accept-encoding');
    expect(weakenEtag('"x"')).toBe('W/"x"');
    expect(weakenEtag('W/"x"')).toBe('W/"x"');
  });
  it('reads a Vary sent on two lines as one list, so adding Accept-Encoding keeps Origin (RFC 9110 §5.3)', () => {
    const lower = compressionFields([
      ['vary', 'Origin'],
      ['Content-Type', 'application/json'],
      ['vary', 'Accept-Encoding'],
    ]);
    expect(lower.vary).toBe('Origin, Accept-Encoding');
    expect(addVary(lower.vary)).toBe('Origin, Accept-Encoding');
    expect(lower['content-type']).toBe('application/json');
  });
});

describe('Balancer', () => {
  const three = () => ['app-1', 'app-2', 'app-3'].map((name, i) => new Backend(name, `http://127.0.0.1:${9001 + i}`));

  it('round robin takes turns and skips a backend that is down', () => {
    const backends = three();
    const balancer = new Balancer(backends);
    expect([1, 2, 3, 4].map(() => balancer.pick()!.name)).toEqual(['app-1', 'app-2', 'app-3', 'app-1']);
    backends[2]!.state = 'down';
    expect([1, 2, 3].map(() => balancer.pick()!.name)).toEqual(['app-2', 'app-1', 'app-2']);
  });

  it('least connections picks the backend with the fewest requests in flight', () => {
    const backends = three();
    backends[0]!.active = 3;
    backends[1]!.active = 1;
    backends[2]!.active = 2;
    expect(new Balancer(backends, 'least-conn').pick()!.name).toBe('app-2');
  });

  it('gives nothing when every backend is down, and never the excluded one', () => {
    const backends = three();
    const balancer = new Balancer(backends);
    expect(balancer.pick(new Set([backends[0]!, backends[1]!]))!.name).toBe('app-3');
    for (const backend of backends) backend.state = 'down';
    expect(balancer.pick()).toBeUndefined();
  });
});
