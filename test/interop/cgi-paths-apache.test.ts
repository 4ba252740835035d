// The request path as a CGI script sees it, under Apache httpd (mod_cgid) and under the lab's CGI
// server, byte for byte: a script dumps SCRIPT_NAME, PATH_INFO, PATH_TRANSLATED and
// SCRIPT_FILENAME as the hex of their bytes (the environment holds bytes, not text). Non-ASCII
// paths, a lone %C3, an encoded slash, %00, a broken escape, "//", "/./" and "/../" plain and
// encoded: the same status, and for a script the same bytes. Skipped where apache2 is missing.
import { chmodSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { Apache, findApache } from '../helpers/apache.js';
import { tempDir } from '../helpers/env.js';

const apache2 = findApache();

const ENV_HEX = `#!/usr/bin/python3
import json, os, sys
names = [b'SCRIPT_NAME', b'PATH_INFO', b'PATH_TRANSLATED', b'SCRIPT_FILENAME', b'HTTP_X_NAME']
dump = {name.decode(): os.environb[name].hex() for name in names if name in os.environb}
sys.stdout.write('Content-Type: application/json\\n\\n' + json.dumps(dump))
`;

interface Answer {
  status: number;
  body: string;
}

/** One GET with `target` sent exactly as written, and a header with bytes that are not UTF-8. */
function get(base: string, target: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    // "é" in UTF-8, "t", then "é" in latin-1 (node writes header strings one byte a character)
    const headers = { 'X-Name': '\u00c3\u00a9t\u00e9' };
    const req = request({ host: hostname, port, path: target, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const hex = (bytes: string) => Buffer.from(bytes, 'latin1').toString('hex');

describe.skipIf(!apache2)('the path a CGI script sees, under Apache and under the lab server', () => {
  let lab: Lab;
  let apache: Apache;
  let labUrl: string;
  let site: string;

  beforeAll(async () => {
    // Given the lesson's workspace served by the lab and by Apache, with a script that dumps its
    // path variables as hex, one whose name is not ASCII, and a script outside cgi-bin
    const workspace = tempDir('cgi-paths');
    chmodSync(workspace, 0o755);
    const lesson = (await loadCatalog({ only: 'cgi' })).find('cgi')!;
    lab = await Lab.start(lesson, { workspace, control: false, preferredPorts: false });
    labUrl = lab.url('cgi');
    site = join(workspace, 'cgi');
    chmodSync(site, 0o755);
    writeFileSync(join(site, 'cgi-bin', 'env-hex.py'), ENV_HEX, { mode: 0o755 });
    writeFileSync(join(site, 'cgi-bin', 'café.py'), ENV_HEX, { mode: 0o755 });
    // a file name that is not UTF-8: "caf" and the latin-1 byte e9
    writeFileSync(Buffer.from(join(site, 'cgi-bin', 'caf\u00e9-latin.py'), 'latin1'), ENV_HEX, { mode: 0o755 });
    writeFileSync(join(site, 'secret.sh'), '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n%s-%s\\n" ran secret\n', {
      mode: 0o755,
    });
    apache = await Apache.start(apache2!, { cgiBin: join(site, 'cgi-bin'), documentRoot: site });
  });

  afterAll(async () => {
    await apache?.stop();
    await lab?.teardown();
  });

  it.each([
    // target, status, PATH_INFO's bytes (for a 200)
    ['/cgi-bin/env-hex.py/caf%C3%A9', 200, '/caf\u00c3\u00a9'],
    ['/cgi-bin/env-hex.py/a%C3', 200, '/a\u00c3'],
    ['/cgi-bin/env-hex.py/a%e9', 200, '/a\u00e9'],
    ['/cgi-bin/env-hex.py/x%20y/a%25b+c', 200, '/x y/a%b+c'],
    ['/cgi-bin/env-hex.py/%0A', 200, '/\n'],
    ['/cgi-bin/env-hex.py//x//y', 200, '/x/y'],
    ['/cgi-bin/env-hex.py/./x/./', 200, '/x/'],
    ['/cgi-bin/env-hex.py/x/../y', 200, '/y'],
    ['/cgi-bin/env-hex.py/x/%2e%2E/y', 200, '/y'],
    ['/cgi-bin/env-hex.py/x/..', 200, '/'],
    ['/cgi-bin/env-hex.py/', 200, '/'],
    ['/cgi-bin//env-hex.py/x', 200, '/x'],
    ['/cgi-bin/./env-hex.py/x', 200, '/x'],
    ['/cgi-bin/../cgi-bin/env-hex.py/x', 200, '/x'],
    ['/cgi-bin/%2e%2e/cgi-bin/env-hex.py', 200, undefined],
    ['/cgi%2Dbin/env-hex%2Epy/q', 200, '/q'],
    ['/cgi-bin/caf%C3%A9.py/x', 200, '/x'],
    ['/cgi-bin/caf%E9-latin.py/%E9', 200, '/\u00e9'],
    // refused, with the same status
    ['/cgi-bin/env-hex.py/a%2Fb', 404, undefined],
    ['/cgi-bin/env-hex.py%2Fx', 404, undefined],
    ['/cgi-bin/env-hex.py/a%00b', 404, undefined],
    ['/cgi-bin/env-hex.py/a%ZZ', 400, undefined],
    ['/cgi-bin/env-hex.py/a%ZZ%2F', 400, undefined],
    ['/cgi-bin/env-hex.py/../../../x', 400, undefined],
    ['/cgi-bin/%2e%2e/%2e%2e/x', 400, undefined],
    ['/cgi-bin/env-hex.py/%2e%2e/y', 404, undefined], // /cgi-bin/y: no such script
    ['/cgi-bin/env-hex.py/..', 403, undefined], // /cgi-bin/: the folder itself
    ['/cgi-bin/caf%C3.py', 404, undefined],
  ] as const)('%s: %i, the same bytes', async (target, status, pathInfo) => {
    const [ours, theirs] = await Promise.all([get(labUrl, target), get(apache.url, target)]);
    expect(theirs.status, 'Apache').toBe(status);
    expect(ours.status, `the lab: ${ours.body}`).toBe(status);
    if (status !== 200) return;
    const mine = JSON.parse(ours.body);
    expect(mine).toEqual(JSON.parse(theirs.body));
    expect(mine.PATH_INFO).toBe(pathInfo === undefined ? undefined : hex(pathInfo));
    expect(mine.HTTP_X_NAME).toBe(hex('\u00c3\u00a9t\u00e9'));
  });

  it('no path runs a script outside cgi-bin, however "..", encoded or not, is spelled', async () => {
    for (const target of [
      '/cgi-bin/../secret.sh',
      '/cgi-bin/%2e%2e/secret.sh',
      '/cgi-bin/.%2E/secret.sh',
      '/cgi-bin/env-hex.py/../../secret.sh',
      '/cgi-bin/..%2Fsecret.sh',
      '/cgi-bin/%2e%2e%2fsecret.sh',
    ]) {
      const ours = await get(labUrl, target);
      expect(ours.status, target).toBe(404);
      expect(ours.body, target).not.toContain('ran-secret');
      // (Apache serves /secret.sh as a plain file, not under ScriptAlias: its text, not its output)
      expect((await get(apache.url, target)).body, target).not.toContain('ran-secret');
    }
  });
});
