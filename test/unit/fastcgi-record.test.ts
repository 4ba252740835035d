// The FastCGI codec (src/servers/fastcgi/record.mjs): records, padding, name-value pairs with 1-
// and 4-byte lengths, and a parser that reports every malformed input instead of throwing.
import { describe, expect, it } from 'vitest';
import {
  beginRequestBody,
  decodePairs,
  encodePairs,
  encodeRecord,
  encodeStream,
  endRequestBody,
  KEEP_CONN,
  MAX_CONTENT,
  parseBeginRequest,
  parseEndRequest,
  RecordParser,
  ROLE,
  TYPE,
  typeName,
} from '../../src/servers/fastcgi/record.mjs';
import { CgiHeaderReader, parseHeaderBlock } from '../../src/servers/fastcgi/cgi-response.mjs';

describe('records', () => {
  it('an 8-byte header: version 1, type, request id and content length big-endian, padding to 8', () => {
    const record = encodeRecord(TYPE.STDOUT, 0x1234, Buffer.from('hello'));
    expect([...record.subarray(0, 8)]).toEqual([1, 6, 0x12, 0x34, 0, 5, 3, 0]);
    expect(record.length).toBe(16);
    expect(record.subarray(8, 13).toString()).toBe('hello');
    expect([...record.subarray(13)]).toEqual([0, 0, 0]);
  });

  it('content that is a multiple of 8 gets no padding; an empty record is the end of a stream', () => {
    expect(encodeRecord(TYPE.STDIN, 1, Buffer.alloc(16))[6]).toBe(0);
    expect([...encodeRecord(TYPE.STDIN, 1)]).toEqual([1, 5, 0, 1, 0, 0, 0, 0]);
  });

  it('refuses content over 65535 bytes, and cuts a long stream into records that fit', () => {
    expect(() => encodeRecord(TYPE.STDOUT, 1, Buffer.alloc(MAX_CONTENT + 1))).toThrow(RangeError);
    const records = encodeStream(TYPE.STDIN, 3, Buffer.alloc(100_000, 120));
    expect(records.map((r) => r.readUInt16BE(4))).toEqual([65535, 100_000 - 65535]);
  });

  it('BEGIN_REQUEST and END_REQUEST bodies round-trip', () => {
    expect(parseBeginRequest(beginRequestBody(ROLE.RESPONDER, KEEP_CONN))).toEqual({ role: 1, keepConn: true });
    expect(parseBeginRequest(beginRequestBody(ROLE.FILTER, 0))).toEqual({ role: 3, keepConn: false });
    expect(parseEndRequest(endRequestBody(0xfffffffe, 2))).toEqual({ appStatus: 0xfffffffe, protocolStatus: 2 });
    expect(parseBeginRequest(Buffer.alloc(7)).error).toMatch(/7 bytes, not 8/);
    expect(parseEndRequest(Buffer.alloc(9)).error).toMatch(/9 bytes, not 8/);
  });

  it('names the types of FastCGI 1.0, and says so for others', () => {
    expect(typeName(11)).toBe('UNKNOWN_TYPE');
    expect(typeName(42)).toBe('type 42');
  });
});

describe('name-value pairs', () => {
  it('lengths below 128 take one byte; 128 and above take four, top bit set', () => {
    const short = encodePairs([['A', 'b']]);
    expect([...short]).toEqual([1, 1, 65, 98]);
    const long = encodePairs([['N', 'x'.repeat(128)]]);
    expect([...long.subarray(0, 5)]).toEqual([1, 0x80, 0, 0, 128]);
    expect(decodePairs(long)).toEqual({ pairs: [['N', 'x'.repeat(128)]] });
  });

  it('round-trips empty values, long names and many pairs', () => {
    const pairs: [string, string][] = [
      ['QUERY_STRING', ''],
      ['X'.repeat(300), 'y'.repeat(70_000)],
      ['REQUEST_METHOD', 'GET'],
    ];
    expect(decodePairs(encodePairs(pairs))).toEqual({ pairs });
  });

  it('a length cut off by the end of the content is an error, not an exception', () => {
    const cut = encodePairs([['N', 'x'.repeat(200)]]).subarray(0, 3);
    expect(decodePairs(cut).error).toMatch(/cut off/);
  });

  it('a length that runs past the end of the content is an error', () => {
    const past = Buffer.from([5, 5, 65, 66]);
    const result = decodePairs(past);
    expect(result.error).toMatch(/5\+5 bytes, but only 2 are left/);
  });
});

describe('RecordParser', () => {
  const two = Buffer.concat([
    encodeRecord(TYPE.STDOUT, 7, Buffer.from('Content-Type: text/plain\r\n\r\nhi')),
    encodeRecord(TYPE.END_REQUEST, 7, endRequestBody(0)),
  ]);

  it('reads records whatever size the chunks come in, down to one byte at a time', () => {
    const parser = new RecordParser();
    const seen: number[] = [];
    for (const byte of two) for (const record of parser.push(Buffer.from([byte])).records) seen.push(record.type);
    expect(seen).toEqual([TYPE.STDOUT, TYPE.END_REQUEST]);
    expect(parser.pending).toBe(0);
    expect(parser.end().error).toBeNull();
  });

  it('skips padding, and keeps content and request id', () => {
    const { records } = new RecordParser().push(two);
    expect(records[0]!.content.toString()).toBe('Content-Type: text/plain\r\n\r\nhi');
    expect(records[0]!.requestId).toBe(7);
    expect(records[0]!.paddingLength).toBe(2);
  });

  it('a wrong version is a protocol error, and nothing more is accepted', () => {
    const parser = new RecordParser();
    const bad = Buffer.from(two);
    bad[0] = 2;
    expect(parser.push(bad).error).toMatch(/version 2/);
    expect(parser.push(two)).toEqual({ records: [], error: expect.stringMatching(/version 2/) });
  });

  it('a connection that ends inside a header or inside the content says so', () => {
    const inHeader = new RecordParser();
    inHeader.push(two.subarray(0, 5));
    expect(inHeader.end().error).toMatch(/5 bytes into a record header/);
    const inContent = new RecordParser();
    inContent.push(two.subarray(0, 12));
    expect(inContent.end().error).toMatch(/inside a STDOUT record: 12 of its 40 bytes/);
  });

  it('a content length past what arrives just waits (the end says what was missing)', () => {
    const parser = new RecordParser();
    const header = Buffer.from([1, TYPE.STDIN, 0, 1, 0xff, 0xff, 0, 0]);
    expect(parser.push(header).records).toEqual([]);
    expect(parser.end().error).toMatch(/8 of its 65543 bytes/);
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const parser = new RecordParser();
      const noise = Buffer.from(Array.from({ length: 1 + (i % 40) }, () => Math.floor(Math.random() * 256)));
      expect(() => {
        parser.push(noise);
        parser.end();
      }).not.toThrow();
    }
  });

  it('reports an unknown type as a record of that type (what to do with it is the reader’s choice)', () => {
    const { records } = new RecordParser().push(encodeRecord(42, 0, Buffer.alloc(0)));
    expect(records[0]!.type).toBe(42);
  });
});

describe('CGI response headers on STDOUT', () => {
  it('Status sets the code; Location alone is a 302; no Status is 200', () => {
    expect(
      new CgiHeaderReader().push(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nx')),
    ).toMatchObject({ status: 404, reason: 'Not Found', headers: [['Content-Type', 'text/plain']] });
    expect(new CgiHeaderReader().push(Buffer.from('Location: http://example.test/\n\n'))).toMatchObject({
      status: 302,
    });
    expect(new CgiHeaderReader().push(Buffer.from('Content-Type: text/html\n\n<p>'))).toMatchObject({ status: 200 });
  });

  it('waits across chunks, and keeps what follows the empty line as the body', () => {
    const reader = new CgiHeaderReader();
    expect(reader.push(Buffer.from('Content-Type: text/plain\r'))).toBeNull();
    expect(reader.push(Buffer.from('\n\r\nbody'))).toMatchObject({ status: 200, rest: Buffer.from('body') });
  });

  it('a line that is not a header, a bad Status, or no empty line at all is an error', () => {
    expect(new CgiHeaderReader().push(Buffer.from('hello world\r\n\r\n'))).toHaveProperty('error');
    expect(new CgiHeaderReader().push(Buffer.from('Status: abc\r\n\r\n'))).toHaveProperty('error');
    const never = new CgiHeaderReader();
    expect(never.push(Buffer.from('just text'))).toBeNull();
    expect(never.end()?.error).toMatch(/no empty line/);
    expect(new CgiHeaderReader().end()?.error).toMatch(/nothing on STDOUT/);
  });

  it('ends the header block where /\r?\n\r?\n/ first matches, in any mix of LF and CRLF and any cut', () => {
    // The reader looks for the empty line in the bytes; the regular expression on the text is the
    // rule it keeps. Random output of header-ish bytes, fed in random cuts.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(Array.from({ length: 1 + next(40) }, () => 'ab:\r\n'.charCodeAt(next(5))));
      const reader = new CgiHeaderReader();
      for (let at = 0; at < bytes.length; ) {
        const cut = Math.min(bytes.length, at + 1 + next(8));
        const result = reader.push(bytes.subarray(at, cut));
        at = cut;
        // What the regular expression finds in everything pushed so far.
        const text = bytes.toString('latin1', 0, cut);
        const match = /\r?\n\r?\n/.exec(text);
        if (!match) {
          expect(result).toBeNull();
          continue;
        }
        const expected = parseHeaderBlock(text.slice(0, match.index));
        if ('error' in expected) expect(result).toEqual(expected);
        else expect(result).toEqual({ ...expected, rest: bytes.subarray(match.index + match[0].length, cut) });
        break;
      }
    }
  });
});
