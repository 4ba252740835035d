// The records that open a request, made in one buffer (request-bytes.mjs): the same bytes the
// record-by-record codec makes, and the same wire view, including the PARAMS pairs it no longer
// decodes again.
import { describe, expect, it } from 'vitest';
import {
  beginRequestBody,
  encodePairs,
  encodeRecord,
  encodeStream,
  KEEP_CONN,
  MAX_CONTENT,
  RecordParser,
  ROLE,
  TYPE,
} from '../../src/servers/fastcgi/record.mjs';
import { encodeRequestStart } from '../../src/servers/fastcgi/request-bytes.mjs';
import { describeRecord } from '../../src/servers/fastcgi/wire.mjs';

type Pairs = [string, string][];

/** What the front sent before request-bytes.mjs: each record encoded on its own, in order. */
function recordByRecord(id: number, params: Pairs, flags: number, body: Buffer | null, endStdin: boolean): Buffer {
  const parts = [
    encodeRecord(TYPE.BEGIN_REQUEST, id, beginRequestBody(ROLE.RESPONDER, flags)),
    ...encodeStream(TYPE.PARAMS, id, encodePairs(params)),
    encodeRecord(TYPE.PARAMS, id),
  ];
  if (body?.length) parts.push(...encodeStream(TYPE.STDIN, id, body));
  if (endStdin) parts.push(encodeRecord(TYPE.STDIN, id));
  return Buffer.concat(parts);
}

const params: Pairs = [
  ['GATEWAY_INTERFACE', 'CGI/1.1'],
  ['REQUEST_METHOD', 'POST'],
  // A byte string, as the front makes it: "/caf%C3%A9" decodes to the UTF-8 bytes of "/café".
  ['PATH_INFO', '/caf\u00c3\u00a9'],
  ['HTTP_X_NAME', '\u00e9t\u00e9'], // header bytes e9 74 e9, as node:http hands them over (latin1)
  ['HTTP_X_LONG', 'v'.repeat(300)],
  ['E', ''],
  ['N'.repeat(130), 'x'],
];

const cases: { name: string; params: Pairs; flags: number; body: Buffer | null; endStdin: boolean }[] = [
  { name: 'a GET (no body)', params, flags: KEEP_CONN, body: null, endStdin: true },
  { name: 'a small body', params, flags: 0, body: Buffer.from('name=x&y=1'), endStdin: true },
  { name: 'a body of 8 bytes (no padding)', params, flags: KEEP_CONN, body: Buffer.alloc(8, 65), endStdin: true },
  {
    name: 'a body over one record',
    params,
    flags: KEEP_CONN,
    body: Buffer.alloc(MAX_CONTENT + 100, 7),
    endStdin: true,
  },
  { name: 'a body still to come (STDIN left open)', params, flags: KEEP_CONN, body: null, endStdin: false },
  { name: 'no pairs at all', params: [], flags: KEEP_CONN, body: null, endStdin: true },
];

describe('encodeRequestStart', () => {
  for (const c of cases) {
    it(`${c.name}: the same bytes as record by record, and the same wire view`, () => {
      const start = encodeRequestStart(513, c.params, { flags: c.flags, body: c.body, endStdin: c.endStdin });
      if (!start) throw new Error('expected one buffer');
      const expected = recordByRecord(513, c.params, c.flags, c.body, c.endStdin);
      expect(start.bytes.equals(expected)).toBe(true);
      // The records it reports are the records in the bytes, described alike (the parser's view).
      const parsed = new RecordParser().push(expected).records;
      expect(start.records.map((r) => describeRecord(r, 'out'))).toEqual(parsed.map((r) => describeRecord(r, 'out')));
      expect(start.records.map((r) => [r.type, r.contentLength, r.paddingLength])).toEqual(
        parsed.map((r) => [r.type, r.contentLength, r.paddingLength]),
      );
    });
  }

  it('writes each character of a byte string as that one byte', () => {
    const start = encodeRequestStart(1, [['PATH_INFO', '/caf\u00c3\u00a9']], { flags: KEEP_CONN });
    if (!start) throw new Error('expected one buffer');
    expect(start.bytes.includes(Buffer.from('/café', 'utf8'))).toBe(true);
    expect(start.bytes.includes(Buffer.from('/café', 'latin1'))).toBe(false);
  });

  it('refuses a character past U+00FF (no byte), as encodePairs does, rather than send a wrong byte', () => {
    const wide: Pairs = [['PATH_INFO', '/\u20ac\u{1F600}']];
    expect(() => encodeRequestStart(1, wide, { flags: KEEP_CONN })).toThrow(/byte string.*"PATH_INFO"/);
    expect(() => encodePairs(wide)).toThrow(/byte string.*"PATH_INFO"/);
  });

  it('leaves PARAMS longer than one record to the record-by-record way', () => {
    const huge: Pairs = [['HTTP_X_BIG', 'y'.repeat(MAX_CONTENT)]];
    expect(encodeRequestStart(1, huge, { flags: KEEP_CONN })).toBeNull();
  });
});
