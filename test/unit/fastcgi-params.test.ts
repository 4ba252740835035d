// The front's path handling (params.mjs): the path is percent-decoded into bytes, as nginx decodes
// its $uri, and those bytes are what PARAMS carry and what the file system is asked for. (What
// nginx really sends for the same requests is compared in test/interop/fastcgi-params-bytes.)
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePath, splitScript } from '../../src/servers/fastcgi/params.mjs';
import { formatRecord, readable } from '../../src/servers/fastcgi/wire.mjs';
import { tempDir } from '../helpers/env.js';

/** The byte string of some bytes: one character a byte. */
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))).toString('latin1');

describe('decodePath', () => {
  it.each([
    ['/caf%C3%A9', bytes('/caf', [0xc3, 0xa9])],
    ['/caf%c3%a9/x?q=%C3%A9', bytes('/caf', [0xc3, 0xa9], '/x')],
    ['/a%20b', '/a b'],
    ['/a%2Fb', '/a/b'],
    ['/caf%25C3', '/caf%C3'],
    ['/caf%C3', bytes('/caf', [0xc3])], // not UTF-8: still the byte that was sent, as nginx sends it
    ['/plain/path?x=%ZZ', '/plain/path'], // the query is QUERY_STRING's business, left as it came
    // Normalized after decoding, as nginx's $uri is: merged slashes, "." and ".." resolved.
    ['/a//b/', '/a/b/'],
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/caf%C3%A9/%2e%2e/x', '/x'],
    ['/a%2F..%2Fb', '/b'],
    ['/a/.../.hidden', '/a/.../.hidden'],
  ])('%s → its bytes', (target, expected) => {
    expect(decodePath(target)).toBe(expected);
  });

  it('gives the UTF-8 bytes of the text, not the text ("é" would be one byte, e9)', () => {
    const path = decodePath('/caf%C3%A9') as string;
    expect(Buffer.from(path, 'latin1').toString('hex')).toBe('2f636166c3a9');
    expect(Buffer.from(path, 'latin1').toString('utf8')).toBe('/café');
  });

  it.each([
    ['/caf%ZZ', /"%ZZ".*two hex digits/],
    ['/caf%', /"%".*two hex digits/],
    ['/caf%4', /"%4".*two hex digits/],
    ['/a%00b', /%00, a NUL byte/],
    ['/..', /goes above "\/"/],
    ['/a/%2e%2e/../etc/passwd', /goes above "\/"/],
  ])('refuses %s (nginx answers 400 to it too)', (target, message) => {
    expect(decodePath(target)).toEqual({ error: expect.stringMatching(message) });
  });
});

describe('splitScript with a document root', () => {
  const root = realpathSync(tempDir('fcgi-params'));
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'café.sh'), '');
  // A name that is not UTF-8 at all (byte e9 alone): the file system keeps bytes, so can the path.
  writeFileSync(Buffer.from(`${root}/latin\u00e9`, 'latin1'), '');

  it('finds a file with a UTF-8 name from the bytes of its percent-encoded path', () => {
    const script = splitScript(decodePath('/caf%C3%A9.sh/x%C3%A9y') as string, root);
    expect(script).toMatchObject({ scriptName: bytes('/café.sh'), pathInfo: bytes('/xéy') });
    // SCRIPT_FILENAME and DOCUMENT_ROOT are byte strings too: the name's bytes on disk.
    expect(script?.filename).toBe(bytes(root, '/café.sh'));
    expect(script?.documentRoot).toBe(bytes(root));
  });

  it('does not find it from the one byte e9 (what "é" as latin1 would have sent)', () => {
    expect(splitScript('/caf\u00e9.sh', root)).toBeNull();
  });

  it('finds a file whose name is not UTF-8, from its byte', () => {
    expect(splitScript(decodePath('/latin%E9/more') as string, root)).toMatchObject({
      scriptName: '/latin\u00e9',
      pathInfo: '/more',
    });
  });

  it('finds nothing for a folder, nor out of the root (by "..", or by a symlink)', () => {
    expect(splitScript('/dir', root)).toBeNull();
    expect(splitScript('/../etc/passwd', root)).toBeNull(); // decodePath refuses it first; this holds anyway
    symlinkSync('/etc', join(root, 'out'));
    expect(splitScript('/out/passwd', root)).toBeNull();
  });
});

describe('the wire view shows the bytes readably (the events keep them as they are)', () => {
  it.each([
    ['/plain', '/plain'],
    [bytes('/café'), '/café'], // UTF-8: the text it encodes
    [bytes('/caf', [0xc3]), '/caf\\xc3'], // not UTF-8: the byte
    [bytes([0xc3, 0xa9], 't', [0xe9]), '\\xc3\\xa9t\\xe9'],
    ['a\tb', 'a\\x09b'],
    [bytes('a', [0xc2, 0x9b], '2J'), 'a\\x9b2J'], // C1: CSI alone starts a terminal escape
    [bytes('x', [0xe2, 0x80, 0xae], 'y'), 'x\\u202ey'], // a right-to-left override
  ])('%j → %s', (value, shown) => {
    expect(readable(value)).toBe(shown);
  });

  it('a PARAMS record of /caf%C3%A9 reads PATH_INFO=/café', () => {
    const entry = {
      dir: 'out',
      type: 'PARAMS',
      requestId: 1,
      contentLength: 17,
      pairs: [['PATH_INFO', decodePath('/caf%C3%A9') as string]] as [string, string][],
    };
    expect(formatRecord(entry).at(-1)?.trim()).toBe('PATH_INFO=/café');
  });
});
