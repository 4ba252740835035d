// Safe static files (src/servers/reverse-proxy/static-files.mjs): every way of climbing out of the
// static folder is refused with a clear status, and conditional requests follow RFC 9110 §13.
import { mkdirSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  contentTypeFor,
  etagFor,
  notModified,
  resolveStaticPath,
} from '../../src/servers/reverse-proxy/static-files.mjs';
import { tempDir } from '../helpers/env.js';

let root: string;
let outside: string;

beforeAll(() => {
  // Given a static folder with a page, a sub-folder with an index, and links in and out
  const base = tempDir('rp-static');
  root = join(base, 'static');
  outside = join(base, 'secret.txt');
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<h1>hi</h1>');
  writeFileSync(join(root, 'docs', 'index.html'), '<h1>docs</h1>');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(outside, 'do not serve');
  symlinkSync(outside, join(root, 'escape.txt'));
  symlinkSync(base, join(root, 'parent'));
  symlinkSync(join(root, 'index.html'), join(root, 'alias.html'));
});

describe('resolveStaticPath', () => {
  it('finds files, sub-folder index pages, and links that stay inside', async () => {
    expect(await resolveStaticPath(root, 'index.html')).toMatchObject({ status: 200, file: join(root, 'index.html') });
    expect(await resolveStaticPath(root, 'docs/')).toMatchObject({
      status: 200,
      file: join(root, 'docs', 'index.html'),
    });
    expect(await resolveStaticPath(root, 'alias.html')).toMatchObject({ status: 200, file: join(root, 'index.html') });
    expect(await resolveStaticPath(root, 'in%64ex.html')).toMatchObject({ status: 200 });
  });

  it.each([
    ['../secret.txt', 403],
    ['docs/../../secret.txt', 403],
    ['%2e%2e/secret.txt', 403],
    ['%2E%2e/secret.txt', 403],
    ['.%2e/secret.txt', 403],
    ['./index.html', 403],
    ['..%2fsecret.txt', 400],
    ['..%5csecret.txt', 400],
    ['..\\secret.txt', 400],
    ['%zz', 400],
    ['index.html%00.png', 400],
    ['escape.txt', 403],
    ['parent/secret.txt', 403],
    ['.env', 404],
    ['missing.html', 404],
  ])('%s → %i', async (path, status) => {
    expect((await resolveStaticPath(root, path)).status).toBe(status);
  });
});

describe('conditional requests', () => {
  it('answers 304 when the ETag matches (weakly) or the file is not newer than If-Modified-Since', () => {
    const stats = statSync(join(root, 'index.html'));
    const etag = etagFor(stats);
    const file = { etag, mtime: stats.mtime };
    expect(notModified({ 'if-none-match': etag }, file)).toBe(true);
    expect(notModified({ 'if-none-match': `"other", W/${etag}` }, file)).toBe(true);
    expect(notModified({ 'if-none-match': '*' }, file)).toBe(true);
    expect(notModified({ 'if-none-match': '"other"' }, file)).toBe(false);
    expect(notModified({ 'if-modified-since': stats.mtime.toUTCString() }, file)).toBe(true);
    expect(notModified({ 'if-modified-since': new Date(stats.mtimeMs - 10_000).toUTCString() }, file)).toBe(false);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
    expect(notModified({ 'if-none-match': '"other"', 'if-modified-since': stats.mtime.toUTCString() }, file)).toBe(
      false,
    );
  });

  it('names content types from the extension', () => {
    expect(contentTypeFor('a.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});
