// Hostile HTTP/1.1 for lab servers: what a client with bad intentions (or a broken one) sends.
// Each case is bytes in chunks, and how the client ends: wait for the answer, close its sending
// side, or reset mid-way. Families (the label's first word) follow issue 15's list; a case's
// target is the server's own kind of target (origin-form, or absolute-form for a forward proxy).
import type { Random } from './random.js';

export interface FuzzCase {
  /** "family: detail", for the report. */
  label: string;
  chunks: Buffer[];
  /** Pause between chunks (a slow drip). */
  gapMs?: number;
  /** After the bytes: 'answer' waits for a response (or a close), 'half-close' sends FIN first,
   * 'reset' sends RST at once. */
  ending: 'answer' | 'half-close' | 'reset';
}

export interface HttpCaseOptions {
  /** Targets this server is meant to get: ['/', '/headers'] or ['http://news.test/']. */
  targets: string[];
  /** The Host header to send. */
  host: string;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'CONNECT', 'PRI', 'BREW'];
const WEIRD_TARGETS = [
  '//%',
  '/%',
  '/%zz',
  '/%00',
  '/a/../../../../etc/passwd',
  '/static/..%2f..%2fetc/passwd',
  '/static/%2e%2e/%2e%2e/etc/passwd',
  '*',
  'http://news.test%00.evil/',
  'http://[::1/',
  'http://user:pass@news.test/',
  'https://secure.test/',
  'news.test:443',
  'ftp://x/',
  '/\u00e9\u00e8',
  `/${'a'.repeat(9000)}`,
  '/?%',
  '/#frag',
  '\\\\server\\share',
];

const latin1 = (text: string) => Buffer.from(text, 'latin1');

function request(method: string, target: string, headers: [string, string][], body = '', version = 'HTTP/1.1'): string {
  return `${method} ${target} ${version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
}

/** The case generators, by family. Each returns one case. */
function families(r: Random, o: HttpCaseOptions): Record<string, () => FuzzCase> {
  const target = () => r.pick(o.targets);
  const host: [string, string] = ['Host', o.host];
  const ending = (): FuzzCase['ending'] => r.pick(['answer', 'answer', 'half-close', 'reset']);
  return {
    'request-line': () => {
      const variants = [
        `${r.pick(METHODS)} ${target()}\r\n\r\n`,
        `${r.pick(METHODS)}  ${target()}  HTTP/1.1\r\nHost: x\r\n\r\n`,
        `${r.pick(METHODS)} ${target()} HTTP/9.9\r\nHost: x\r\n\r\n`,
        `${r.pick(METHODS)} ${target()} HTTP/1.1 extra\r\nHost: x\r\n\r\n`,
        `${r.pick(METHODS).toLowerCase()} ${target()} http/1.1\r\nHost: x\r\n\r\n`,
        `\r\n\r\n\r\n${r.pick(METHODS)} ${target()} HTTP/1.1\r\nHost: x\r\n\r\n`,
        ` ${target()} HTTP/1.1\r\n\r\n`,
        `GET ${r.pick(WEIRD_TARGETS)} HTTP/1.1\r\nHost: ${o.host}\r\n\r\n`,
        `GET ${target()} HTTP/1.0\r\n\r\n`,
        `GET ${target()} HTTP/1.1\r\n\r\n`, // no Host
        `${'G'.repeat(r.int(20_000) + 1)} / HTTP/1.1\r\n\r\n`,
        `GET ${target()} HTTP/1.1\n${host.join(': ')}\n\n`, // bare LF
        `GET ${target()} HTTP/1.1\r${host.join(': ')}\r\r`, // bare CR
      ];
      return { label: 'request-line', chunks: [latin1(r.pick(variants))], ending: ending() };
    },
    'huge-headers': () => {
      const size = r.pick([8_000, 17_000, 40_000, 70_000, 200_000]);
      const text = request('GET', target(), [host, ['X-Big', 'a'.repeat(size)]]);
      return { label: `huge-headers: ${size}`, chunks: [latin1(text)], ending: ending() };
    },
    'many-headers': () => {
      const count = r.pick([100, 101, 500, 2000, 5000]);
      const headers: [string, string][] = [host];
      for (let i = 0; i < count; i++) headers.push([`X-H${i}`, String(i)]);
      return {
        label: `many-headers: ${count}`,
        chunks: [latin1(request('GET', target(), headers))],
        ending: ending(),
      };
    },
    'header-syntax': () => {
      const lines = [
        'NoColon',
        ': empty-name',
        'Bad Name: x',
        'X-Fold: a\r\n folded',
        'X-Tab:\tv',
        'Host: second-host',
        'Content-Length: -1',
        'Content-Length: 1e3',
        'Content-Length: 99999999999999999999',
        'Transfer-Encoding: gzip',
        'Transfer-Encoding: chunked, identity',
        'Expect: 100-continue',
        'Expect: 999-sure',
        'Connection: close, upgrade, keep-alive',
        'Max-Forwards: 0',
        'Max-Forwards: banana',
        'Proxy-Authorization: Basic !!!notbase64',
        'Proxy-Authorization: Basic bGVhcm5lcjpvcGVuc2VzYW1l',
        'Range: bytes=999999-1',
        'If-None-Match: *',
        'If-Modified-Since: not a date',
        'Accept-Encoding: gzip;q=2, br;q=-1, *;q=nan',
        'Cache-Control: max-age=-5, no-cache="x',
        'X-Forwarded-For: 1.2.3.4, <script>',
        'Forwarded: for="[::1',
      ];
      const picked = Array.from({ length: 1 + r.int(3) }, () => r.pick(lines));
      const text = `GET ${target()} HTTP/1.1\r\nHost: ${o.host}\r\n${picked.map((l) => `${l}\r\n`).join('')}\r\n`;
      return { label: `header-syntax: ${picked[0]!.slice(0, 30)}`, chunks: [latin1(text)], ending: ending() };
    },
    'bad-chunked': () => {
      const bodies = [
        'zz\r\nhello\r\n0\r\n\r\n',
        '5\r\nhello0\r\n\r\n',
        '5\r\nhel',
        'ffffffffffffffff\r\nx\r\n',
        '-1\r\nx\r\n0\r\n\r\n',
        '5;ext="unterminated\r\nhello\r\n0\r\n\r\n',
        '3\r\nabc\r\n0\r\nTrailer: x\r\n',
        `${'0'.repeat(5000)}5\r\nhello\r\n0\r\n\r\n`,
        '5\nhello\n0\n\n',
        '0\r\n\r\n',
      ];
      const text = request('POST', target(), [host, ['Transfer-Encoding', 'chunked']], r.pick(bodies));
      return { label: 'bad-chunked', chunks: [latin1(text)], ending: ending() };
    },
    'cl-te': () => {
      const pairs: [string, string][][] = [
        [
          ['Content-Length', '5'],
          ['Transfer-Encoding', 'chunked'],
        ],
        [
          ['Transfer-Encoding', 'chunked'],
          ['Content-Length', '0'],
        ],
        [
          ['Content-Length', '5'],
          ['Content-Length', '6'],
        ],
        [['Content-Length', '5, 5']],
        [['Transfer-Encoding', ' chunked']],
        [['Transfer-Encoding', 'xchunked']],
        [
          ['Transfer-Encoding', 'chunked'],
          ['Transfer-Encoding', 'chunked'],
        ],
        [['Content-Length', '100']], // promises more than it sends
      ];
      const body = `5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ${o.host}\r\n\r\n`;
      const text = request('POST', target(), [host, ...r.pick(pairs)], body);
      return { label: 'cl-te', chunks: [latin1(text)], ending: ending() };
    },
    'nul-and-non-ascii': () => {
      const spots = [
        `GET /a\u0000b HTTP/1.1\r\nHost: ${o.host}\r\n\r\n`,
        `GET ${target()} HTTP/1.1\r\nHost: ${o.host}\r\nX-Nul: a\u0000b\r\n\r\n`,
        `GET ${target()} HTTP/1.1\r\nHost: ${o.host}\r\nX-Utf8: ${'é😀'}\r\n\r\n`,
        `GET ${target()} HTTP/1.1\r\nHo\u00ffst: ${o.host}\r\n\r\n`,
        `GET /\u00ff\u00fe HTTP/1.1\r\nHost: ${o.host}\r\n\r\n`,
        `G\u0000ET ${target()} HTTP/1.1\r\n\r\n`,
      ];
      const text = r.pick(spots);
      const bytes = text.includes('😀') ? Buffer.from(text, 'utf8') : latin1(text);
      return { label: 'nul-and-non-ascii', chunks: [bytes], ending: ending() };
    },
    pipelining: () => {
      const count = 2 + r.int(30);
      let text = '';
      for (let i = 0; i < count; i++)
        text += request(r.pick(['GET', 'HEAD', 'POST']), target(), [host, ['Content-Length', '0']]);
      if (r.chance(0.3)) text += 'GARBAGE\r\n\r\n';
      return { label: `pipelining: ${count}`, chunks: [latin1(text)], ending: ending() };
    },
    'reset-mid-body': () => {
      const size = r.pick([10, 1000, 100_000]);
      const head = request('POST', target(), [host, ['Content-Length', String(size * 2)]]);
      return {
        label: 'reset-mid-body',
        chunks: [latin1(head), Buffer.alloc(size, 0x61)],
        ending: r.pick(['reset', 'half-close']),
      };
    },
    'slow-drip': () => {
      const text = request('GET', target(), [host, ['Connection', 'close']]);
      const pieces: Buffer[] = [];
      for (let i = 0; i < text.length; i += Math.ceil(text.length / 5))
        pieces.push(latin1(text.slice(i, i + Math.ceil(text.length / 5))));
      return { label: 'slow-drip', chunks: pieces, gapMs: 30, ending: 'answer' };
    },
    'upgrade-connect': () => {
      const variants = [
        request('GET', target(), [host, ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]),
        request('GET', '/ws', [host, ['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'x']]),
        request('GET', '/ws', [
          host,
          ['Connection', 'Upgrade'],
          ['Upgrade', 'websocket'],
          ['Sec-WebSocket-Version', '13'],
          ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
        ]) + r.bytes(r.int(200)).toString('latin1'),
        request('GET', target(), [
          host,
          ['Connection', 'Upgrade'],
          ['Upgrade', 'h2c'],
          ['HTTP2-Settings', 'AAMAAABkAAQAoAAAAAIAAAAA'],
        ]),
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        request(
          'CONNECT',
          r.pick(['secure.test:443', 'news.test:80', '127.0.0.1:22', 'x', ':0', 'secure.test:99999']),
          [host],
        ),
        request('CONNECT', 'secure.test:443', [host]) + r.bytes(100).toString('latin1'),
        request('OPTIONS', '*', [host, ['Max-Forwards', '0']]),
        request('TRACE', target(), [host, ['Max-Forwards', String(r.int(3))], ['Cookie', 'secret=1']]),
      ];
      return { label: 'upgrade-connect', chunks: [latin1(r.pick(variants))], ending: ending() };
    },
    mutation: () => {
      // A good request, damaged at random: flipped bytes, cut short, bytes inserted.
      const bytes = latin1(request('POST', target(), [host, ['Content-Length', '5']], 'hello'));
      const damaged = Buffer.from(bytes);
      for (let i = 0; i < 1 + r.int(4); i++) damaged[r.int(damaged.length)] = r.int(256);
      const cut = r.chance(0.3);
      // A request cut short is waited on by the server, as it should be: the client closes.
      const bytesOut = cut ? damaged.subarray(0, r.int(damaged.length)) : damaged;
      return { label: 'mutation', chunks: [bytesOut], ending: cut ? r.pick(['half-close', 'reset']) : ending() };
    },
    garbage: () => ({ label: 'garbage', chunks: [r.bytes(1 + r.int(3000))], ending: ending() }),
  };
}

/** `count` cases for one server, spread over every family. */
export function httpCases(r: Random, count: number, options: HttpCaseOptions): FuzzCase[] {
  const makers = Object.values(families(r, options));
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
}

/** Bytes that are not HTTP at all, for a TLS port (a server must shrug them off). */
export function rawCases(r: Random, count: number): FuzzCase[] {
  return Array.from({ length: count }, () => {
    const tlsish = r.chance(0.5);
    const bytes = tlsish
      ? Buffer.concat([Buffer.from([0x16, 0x03, r.int(5)]), r.bytes(r.int(600))])
      : r.bytes(1 + r.int(2000));
    return {
      label: tlsish ? 'raw: tls-like' : 'raw: bytes',
      chunks: [bytes],
      ending: r.pick(['answer', 'half-close', 'reset']),
    };
  });
}
