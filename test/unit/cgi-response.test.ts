// Reading a CGI script's output (src/servers/cgi/cgi-response.mjs), as RFC 3875 §6 says: the
// header block and where it ends, the four kinds of answer, and every way a header can be broken.
import { describe, expect, it } from 'vitest';
import { findHeadEnd, parseHead, type ParsedHead } from '../../src/servers/cgi/cgi-response.mjs';

const parse = (text: string): ParsedHead => parseHead(Buffer.from(text, 'latin1'));

function ok(text: string) {
  const parsed = parse(text);
  if (!parsed.ok) throw new Error(`expected a valid head, got: ${parsed.problem}`);
  return parsed;
}

function problem(text: string): string {
  const parsed = parse(text);
  if (parsed.ok) throw new Error(`expected a problem, got a ${parsed.kind}`);
  return parsed.problem;
}

describe('findHeadEnd', () => {
  it('finds the empty line after LF lines and after CR LF lines', () => {
    // Given output with LF line ends, then the same with CR LF (§7.2: servers should accept both)
    const lf = Buffer.from('Content-Type: text/plain\n\nbody');
    const crlf = Buffer.from('Content-Type: text/plain\r\n\r\nbody');
    // Then the head ends after the first line, and the body starts at "body"
    expect(findHeadEnd(lf)).toEqual({ headEnd: 25, bodyStart: 26 });
    expect(lf.subarray(findHeadEnd(lf)!.bodyStart).toString()).toBe('body');
    expect(crlf.subarray(findHeadEnd(crlf)!.bodyStart).toString()).toBe('body');
  });

  it('waits while there is no empty line yet', () => {
    expect(findHeadEnd(Buffer.from('Content-Type: text/plain\nX-A: 1\n'))).toBeNull();
    expect(findHeadEnd(Buffer.from('hello'))).toBeNull();
  });

  it('reports an output that starts with an empty line as an empty head', () => {
    expect(findHeadEnd(Buffer.from('\nbody'))).toEqual({ headEnd: 0, bodyStart: 1 });
    expect(findHeadEnd(Buffer.from('\r\nbody'))).toEqual({ headEnd: 0, bodyStart: 2 });
  });
});

describe('parseHead: the four kinds of answer', () => {
  it('a document response: Content-Type, status 200 when there is no Status', () => {
    const head = ok('Content-Type: text/plain\nX-Extra: yes\n');
    expect(head.kind).toBe('document');
    expect(head.status).toBe(200);
    expect(head.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-Extra', 'yes'],
    ]);
  });

  it('a document response with its own Status and reason', () => {
    const head = ok('Status: 404 Not Here\r\nContent-Type: text/html\r\n');
    expect([head.kind, head.status, head.reason]).toEqual(['document', 404, 'Not Here']);
    // Status is for the server: it does not go out as a header
    expect(head.headers.map(([name]) => name)).toEqual(['Content-Type']);
  });

  it('a local redirect: a Location path alone', () => {
    const head = ok('Location: /cgi-bin/hello.sh?x=1\n');
    expect([head.kind, head.location]).toEqual(['local-redirect', '/cgi-bin/hello.sh?x=1']);
  });

  it('a local redirect with other fields still redirects, and warns that §6.2.2 forbids them', () => {
    const head = ok('Location: /elsewhere\nX-Nope: 1\n');
    expect(head.kind).toBe('local-redirect');
    expect(head.warnings.join()).toMatch(/X-Nope/);
  });

  it('a client redirect: an absolute URI becomes 302 Found', () => {
    const head = ok('Location: https://example.org/new\nSet-Cookie: a=1\n');
    expect([head.kind, head.status, head.location]).toEqual(['client-redirect', 302, 'https://example.org/new']);
    expect(head.headers).toContainEqual(['Set-Cookie', 'a=1']);
  });

  it('a client redirect with a document keeps the script’s Status and body', () => {
    const head = ok('Location: http://example.org/\nStatus: 301 Moved Permanently\nContent-Type: text/html\n');
    expect([head.kind, head.status]).toEqual(['client-redirect-document', 301]);
  });

  it('takes header names in any case, and drops fields with empty values (§6.3)', () => {
    const head = ok('content-type: text/plain\nSTATUS: 201 Created\nX-Empty:\n');
    expect([head.status, head.headers]).toEqual([201, [['content-type', 'text/plain']]]);
  });

  it('accepts a Status without a reason phrase, as servers do', () => {
    expect(ok('Status: 204\n').status).toBe(204);
  });

  it('drops the fields about the connection: the server frames the body itself (§6.3.4)', () => {
    const head = ok('Content-Type: text/plain\nContent-Length: 5\nConnection: close\nTransfer-Encoding: chunked\n');
    expect(head.headers).toEqual([['Content-Type', 'text/plain']]);
    expect(head.warnings).toHaveLength(3);
  });
});

describe('parseHead: broken output, each with a reason a learner can act on', () => {
  it('a first line that is not a header field', () => {
    expect(problem('Hello world\n')).toMatch(/line 1 .* is not a header field/);
  });

  it('an empty head', () => {
    expect(problem('')).toMatch(/no header fields/);
  });

  it('a bad Status', () => {
    expect(problem('Status: OK\nContent-Type: text/plain\n')).toMatch(/3-digit code/);
    expect(problem('Status: 99 Low\n')).toMatch(/3-digit code/);
    expect(problem('Status: 700 High\n')).toMatch(/not a final status/);
    expect(problem('Status: 101 Switching\n')).toMatch(/not a final status/);
  });

  it('a CGI field twice', () => {
    expect(problem('Content-Type: text/plain\nContent-Type: text/html\n')).toMatch(/appears twice/);
  });

  it('no CGI field at all', () => {
    expect(problem('X-Only: this\n')).toMatch(/at least one CGI field/);
  });

  it('a continuation line (CGI/1.1 has none)', () => {
    expect(problem('Content-Type: text/plain\n  continued\n')).toMatch(/continuation/);
  });

  it('a space before the colon, or a name that is not a token', () => {
    expect(problem('Content-Type : text/plain\n')).toMatch(/not a valid header name/);
    expect(problem('Bad Name: x\n')).toMatch(/not a valid header name/);
  });

  it('binary garbage and control characters', () => {
    expect(problem('\x00\xff\x13garbage: \x01\n')).toMatch(/not a valid header name|control/);
    expect(problem('Content-Type: text/plain\x07\n')).toMatch(/control characters/);
  });

  it('a relative Location', () => {
    expect(problem('Location: other.sh\n')).toMatch(/neither an absolute URI/);
  });
});
