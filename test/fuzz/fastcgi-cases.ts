// Hostile FastCGI for the lab's FastCGI app: what a broken or malicious web server could send on
// the app's port. Each case is records (or what is left of them) in chunks, and how the client
// ends, as in http-cases.ts. The families follow the issue: truncated records, a wrong version,
// lengths past the end, unknown types, streams that never end, plus mutations and plain garbage.
import {
  beginRequestBody,
  encodePairs,
  encodeRecord,
  KEEP_CONN,
  ROLE,
  TYPE,
} from '../../src/servers/fastcgi/record.mjs';
import type { FuzzCase } from './http-cases.js';
import type { Random } from './random.js';

const PATHS = ['/', '/echo', '/?name=fuzz', '/oops', '/nope', '/%zz', '/../../etc/passwd'];

function request(r: Random, id = 1 + r.int(65535)): Buffer[] {
  const body = r.chance(0.3) ? r.bytes(r.int(3000)) : Buffer.alloc(0);
  const params: [string, string][] = [
    ['REQUEST_METHOD', r.pick(['GET', 'POST', 'HEAD', 'BREW', ''])],
    ['PATH_INFO', r.pick(PATHS)],
    ['QUERY_STRING', r.chance(0.5) ? 'name=x' : ''],
    ['SERVER_SOFTWARE', 'fuzz'],
  ];
  if (body.length) params.push(['CONTENT_LENGTH', String(body.length)]);
  return [
    encodeRecord(TYPE.BEGIN_REQUEST, id, beginRequestBody(ROLE.RESPONDER, r.chance(0.5) ? KEEP_CONN : 0)),
    encodeRecord(TYPE.PARAMS, id, encodePairs(params)),
    encodeRecord(TYPE.PARAMS, id),
    ...(body.length ? [encodeRecord(TYPE.STDIN, id, body)] : []),
    encodeRecord(TYPE.STDIN, id),
  ];
}

function header(type: number, id: number, length: number, padding = 0, version = 1): Buffer {
  const bytes = Buffer.alloc(8);
  bytes[0] = version;
  bytes[1] = type;
  bytes.writeUInt16BE(id, 2);
  bytes.writeUInt16BE(length, 4);
  bytes[6] = padding;
  return bytes;
}

function families(r: Random) {
  const ending = (): FuzzCase['ending'] => r.pick(['answer', 'half-close', 'reset']);
  return {
    valid: (): FuzzCase => ({ label: 'valid: a whole request', chunks: [Buffer.concat(request(r))], ending: 'answer' }),
    drip: (): FuzzCase => ({ label: 'valid: record by record', chunks: request(r), gapMs: 5, ending: 'answer' }),
    version: (): FuzzCase => {
      const bytes = Buffer.concat(request(r));
      bytes[0] = r.pick([0, 2, 255]);
      return { label: 'version: not 1', chunks: [bytes], ending: ending() };
    },
    truncated: (): FuzzCase => {
      const bytes = Buffer.concat(request(r));
      return {
        label: 'truncated: cut mid-record',
        chunks: [bytes.subarray(0, 1 + r.int(bytes.length - 1))],
        ending: r.pick(['half-close', 'reset']),
      };
    },
    lengthPastEnd: (): FuzzCase => ({
      label: 'length: content length past what is sent',
      chunks: [
        header(r.pick([TYPE.PARAMS, TYPE.STDIN, TYPE.BEGIN_REQUEST]), 1, 1000 + r.int(64535), r.int(256)),
        r.bytes(r.int(500)),
      ],
      ending: r.pick(['half-close', 'reset']),
    }),
    pairsPastEnd: (): FuzzCase => {
      const id = 1 + r.int(100);
      const bad = Buffer.from([r.pick([5, 127, 0x80]), 0xff, 0xff, 0xff, ...r.bytes(r.int(20))]);
      return {
        label: 'length: name-value length past the end',
        chunks: [
          Buffer.concat([
            encodeRecord(TYPE.BEGIN_REQUEST, id, beginRequestBody()),
            encodeRecord(TYPE.PARAMS, id, bad),
            encodeRecord(TYPE.PARAMS, id),
            encodeRecord(TYPE.STDIN, id),
          ]),
        ],
        ending: ending(),
      };
    },
    unknownType: (): FuzzCase => ({
      label: 'type: unknown',
      chunks: [encodeRecord(12 + r.int(244), r.chance(0.5) ? 0 : 1 + r.int(10), r.bytes(r.int(64)))],
      ending: ending(),
    }),
    wrongDirection: (): FuzzCase => ({
      label: 'type: one an app never receives',
      chunks: [
        Buffer.concat([
          encodeRecord(TYPE.BEGIN_REQUEST, 7, beginRequestBody()),
          encodeRecord(r.pick([TYPE.STDOUT, TYPE.STDERR, TYPE.END_REQUEST, TYPE.GET_VALUES_RESULT]), 7, r.bytes(8)),
        ]),
      ],
      ending: ending(),
    }),
    neverEnds: (): FuzzCase => ({
      label: 'stream: PARAMS never ends',
      chunks: [
        encodeRecord(TYPE.BEGIN_REQUEST, 3, beginRequestBody()),
        encodeRecord(TYPE.PARAMS, 3, encodePairs([['REQUEST_METHOD', 'GET']])),
      ],
      ending: 'half-close',
    }),
    management: (): FuzzCase => ({
      label: 'management: GET_VALUES with odd pairs',
      chunks: [
        encodeRecord(
          TYPE.GET_VALUES,
          0,
          r.chance(0.5)
            ? encodePairs([
                ['FCGI_MAX_CONNS', ''],
                ['X', 'y'],
              ])
            : r.bytes(r.int(100)),
        ),
      ],
      ending: ending(),
    }),
    multiplex: (): FuzzCase => ({
      label: 'requests: two ids at once, or an abort',
      chunks: [
        Buffer.concat([
          encodeRecord(TYPE.BEGIN_REQUEST, 1, beginRequestBody()),
          encodeRecord(TYPE.BEGIN_REQUEST, r.pick([1, 2]), beginRequestBody()),
          encodeRecord(TYPE.ABORT_REQUEST, r.pick([1, 2, 3])),
          ...request(r, 1),
        ]),
      ],
      ending: ending(),
    }),
    mutation: (): FuzzCase => {
      const bytes = Buffer.concat(request(r));
      for (let i = 0; i < 1 + r.int(6); i++) bytes[r.int(bytes.length)] = r.int(256);
      return { label: 'mutation', chunks: [bytes], ending: ending() };
    },
    garbage: (): FuzzCase => ({ label: 'garbage', chunks: [r.bytes(1 + r.int(3000))], ending: ending() }),
  };
}

/** `count` cases for a FastCGI port, spread over every family. */
export function fastcgiCases(r: Random, count: number): FuzzCase[] {
  const makers = Object.values(families(r));
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
}
