// From URL path to script (src/servers/cgi/find-script.mjs): the split into SCRIPT_NAME and
// PATH_INFO, and every way a path might try to leave cgi-bin or run what is not a script.
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findScript, readPath } from '../../src/servers/cgi/find-script.mjs';
import { tempDir } from '../helpers/env.js';

let root: string;
let cgiBin: string;

beforeAll(() => {
  // Given a site folder with a cgi-bin, some scripts, and a secret next to cgi-bin
  root = realpathSync(tempDir('cgi-find'));
  cgiBin = join(root, 'cgi-bin');
  mkdirSync(join(cgiBin, 'tools'), { recursive: true });
  writeFileSync(join(root, 'secret.sh'), '#!/bin/sh\necho secret\n', { mode: 0o755 });
  writeFileSync(join(cgiBin, 'env.sh'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(cgiBin, 'tools', 'sum.sh'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(cgiBin, 'plain.sh'), '#!/bin/sh\n');
  chmodSync(join(cgiBin, 'plain.sh'), 0o644);
  symlinkSync(join(root, 'secret.sh'), join(cgiBin, 'escape.sh'));
  symlinkSync(join(cgiBin, 'env.sh'), join(cgiBin, 'alias.sh'));
  symlinkSync(root, join(cgiBin, 'up'));
});

/** As the server does: read the path, then look under cgi-bin (the server answers any other path 404). */
const find = async (rawPath: string) => {
  const read = readPath(rawPath);
  if (!read.ok) return read;
  if (!read.path.startsWith('/cgi-bin/')) return { ok: false as const, status: 404, reason: `outside: ${read.path}` };
  return findScript(cgiBin, '/cgi-bin', read.path);
};

describe('findScript', () => {
  it('splits the path into the script and PATH_INFO, decoded', async () => {
    expect(await find('/cgi-bin/env.sh/books/a%20b')).toMatchObject({
      ok: true,
      script: 'env.sh',
      scriptName: '/cgi-bin/env.sh',
      pathInfo: '/books/a b',
    });
    expect(await find('/cgi-bin/env.sh')).toMatchObject({ ok: true, pathInfo: '' });
    // "A PATH_INFO of "/" represents a single void path segment" (§4.1.5)
    expect(await find('/cgi-bin/env.sh/')).toMatchObject({ ok: true, pathInfo: '/' });
  });

  it('decodes into bytes and normalizes, as Apache does', async () => {
    // c3 a9 is "é" in UTF-8: two bytes, one character each in the byte string
    expect(await find('/cgi-bin/env.sh/caf%C3%A9')).toMatchObject({ ok: true, pathInfo: '/caf\u00c3\u00a9' });
    expect(await find('/cgi-bin/env.sh/a%C3')).toMatchObject({ ok: true, pathInfo: '/a\u00c3' });
    expect(await find('/cgi-bin//env.sh//x/./y/../z/')).toMatchObject({
      ok: true,
      scriptName: '/cgi-bin/env.sh',
      pathInfo: '/x/z/',
    });
    expect(await find('/cgi-bin/tools/%2e%2e/env.sh/x')).toMatchObject({ ok: true, script: 'env.sh', pathInfo: '/x' });
    expect(await find('/cgi-bin/env.sh/x/..')).toMatchObject({ ok: true, pathInfo: '/' });
  });

  it('walks into folders of cgi-bin', async () => {
    expect(await find('/cgi-bin/tools/sum.sh/x')).toMatchObject({
      ok: true,
      script: 'tools/sum.sh',
      scriptName: '/cgi-bin/tools/sum.sh',
      pathInfo: '/x',
    });
  });

  it('follows a symlink that stays inside cgi-bin', async () => {
    expect(await find('/cgi-bin/alias.sh')).toMatchObject({ ok: true, script: 'alias.sh' });
  });

  it.each([
    // ".." is resolved before anything is looked up: these name /secret.sh, outside cgi-bin
    ['/cgi-bin/../secret.sh', 404, /outside: \/secret\.sh/],
    ['/cgi-bin/%2e%2e/secret.sh', 404, /outside: \/secret\.sh/],
    ['/cgi-bin/%2E%2E/secret.sh', 404, /outside: \/secret\.sh/],
    ['/cgi-bin/tools/%2e%2e/%2e%2e/secret.sh', 404, /outside: \/secret\.sh/],
    ['/cgi-bin/../../secret.sh', 400, /above "\/"/],
    ['/cgi-bin/escape.sh', 403, /symlink that leads out/],
    ['/cgi-bin/up/secret.sh', 403, /symlink that leads out/],
    ['/cgi-bin/..%2fsecret.sh', 404, /encoded slash/],
    ['/cgi-bin/env.sh%00.txt', 404, /NUL/],
    ['/cgi-bin/%zz', 400, /two hex digits/],
    ['/cgi-bin/%zz%2F', 400, /two hex digits/],
    ['/cgi-bin/plain.sh', 403, /no run bit/],
    ['/cgi-bin/tools', 403, /folder, not a script/],
    ['/cgi-bin/', 403, /cgi-bin folder itself/],
    ['/cgi-bin/missing.sh', 404, /no script missing.sh/],
  ])('refuses %s with %i', async (path, status, reason) => {
    const found = await find(path);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.status).toBe(status);
    expect(found.reason).toMatch(reason);
  });
});

describe('findScript alone', () => {
  it('refuses a "." or ".." segment even when it is handed one', async () => {
    expect(await findScript(cgiBin, '/cgi-bin', '/cgi-bin/../secret.sh')).toMatchObject({ ok: false, status: 403 });
    expect(await findScript(cgiBin, '/cgi-bin', '/cgi-bin/up/../secret.sh')).toMatchObject({ ok: false, status: 403 });
  });
});
