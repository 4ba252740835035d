// The lesson's CGI scripts under Apache httpd (mod_cgid, the reference CGI host) and under the
// lab's CGI server: the same status, headers and body for a document, a local redirect and a
// client redirect; the same meta-variables apart from those that name the server; and the
// failure statuses the lesson's texts attribute to Apache. Skipped where apache2 is missing.
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { Apache, findApache } from '../helpers/apache.js';
import { tempDir } from '../helpers/env.js';

const apache2 = findApache();

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with headers exactly as given (repeats and odd names included). */
function ask(base: string, method: string, path: string, headers: [string, string][] = [], body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    // Headers as a flat list keep repeats and spelling; node then adds no Host of its own.
    const flat = ['Host', new URL(base).host, ...headers.flat()];
    if (body !== undefined) flat.push('Content-Length', String(Buffer.byteLength(body)));
    const req = request(`${base}${path}`, { method, headers: flat, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) out[name] = String(value);
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('latin1') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers that describe the server or the framing, not the script's answer. */
const SERVER_HEADERS = new Set(['date', 'server', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
const scriptHeaders = (reply: Reply) =>
  Object.fromEntries(Object.entries(reply.headers).filter(([name]) => !SERVER_HEADERS.has(name)));

/** `env | sort` output to a map. */
function environment(body: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

// RFC 3875 §4.1's meta-variables, plus two every server sets. Apart from HTTP_*, these are compared.
const COMPARED = [
  'AUTH_TYPE',
  'CONTENT_LENGTH',
  'CONTENT_TYPE',
  'GATEWAY_INTERFACE',
  'PATH_INFO',
  'PATH_TRANSLATED',
  'QUERY_STRING',
  'REMOTE_ADDR',
  'REMOTE_USER',
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'SERVER_NAME',
  'SERVER_PROTOCOL',
  'REQUEST_URI',
  'SCRIPT_FILENAME',
];
// Those that name the server or the connection, so differ by design: SERVER_SOFTWARE, SERVER_PORT,
// HTTP_HOST (it holds the port), REMOTE_PORT. REMOTE_HOST: Apache leaves it out without DNS
// lookups; this server substitutes REMOTE_ADDR, as §4.1.9 allows.
const NAMING_THE_SERVER = new Set(['HTTP_HOST']);

function metaVariables(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => COMPARED.includes(name) || (name.startsWith('HTTP_') && !NAMING_THE_SERVER.has(name)),
    ),
  );
}

describe.skipIf(!apache2)('CGI scripts under Apache httpd and under the lab server', () => {
  let lab: Lab;
  let apache: Apache;
  let labUrl: string;

  beforeAll(async () => {
    // Given the lesson's workspace, with its starter scripts and the solved order script,
    // served by the lab and by Apache from the same folder
    const workspace = tempDir('cgi-apache');
    chmodSync(workspace, 0o755);
    const lesson = (await loadCatalog({ only: 'cgi' })).find('cgi')!;
    lab = await Lab.start(lesson, { workspace, control: false, preferredPorts: false });
    labUrl = lab.url('cgi');
    const site = join(workspace, 'cgi');
    chmodSync(site, 0o755);
    copyFileSync(join(lesson.dir, 'solutions', 'order.sh'), join(site, 'cgi-bin', 'order'));
    // A local redirect to env.sh, to see what the redirected request is given
    writeFileSync(
      join(site, 'cgi-bin', 'redirect-env.sh'),
      '#!/bin/sh\nprintf "Location: /cgi-bin/env.sh/next?from=redirect\\n\\n"\n',
      {
        mode: 0o755,
      },
    );
    apache = await Apache.start(apache2!, { cgiBin: join(site, 'cgi-bin'), documentRoot: site });
  });

  afterAll(async () => {
    await apache?.stop();
    await lab?.teardown();
  });

  const both = async (method: string, path: string, headers: [string, string][] = [], body?: string) => {
    const [ours, theirs] = await Promise.all([
      ask(labUrl, method, path, headers, body),
      ask(apache.url, method, path, headers, body),
    ]);
    return { ours, theirs };
  };

  it('a document response: the same status, headers and body', async () => {
    const { ours, theirs } = await both(
      'POST',
      '/cgi-bin/echo.sh?name=Ada&lang=en',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      'note=hello+world&x=1',
    );
    expect(ours.status).toBe(200);
    expect(ours.status).toBe(theirs.status);
    expect(scriptHeaders(ours)).toEqual(scriptHeaders(theirs));
    expect(ours.body).toBe(theirs.body);
  });

  it('a document response with Status and a header of its own (the order solution)', async () => {
    const { ours, theirs } = await both(
      'POST',
      '/cgi-bin/order?item=tea',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      'gift=yes&qty=3',
    );
    expect([ours.status, ours.body]).toEqual([201, '3 x tea\n']);
    expect([theirs.status, theirs.body]).toEqual([201, '3 x tea\n']);
    expect(scriptHeaders(ours)).toEqual(scriptHeaders(theirs));
    const { ours: get, theirs: apacheGet } = await both('GET', '/cgi-bin/order?item=tea');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    expect([apacheGet.status, apacheGet.headers.allow]).toEqual([405, 'POST']);
  });

  it('a local redirect: the other script answers, and the client never sees a redirect', async () => {
    const { ours, theirs } = await both('GET', '/cgi-bin/redirect-here.sh');
    expect(ours.status).toBe(200);
    expect(ours.status).toBe(theirs.status);
    expect(scriptHeaders(ours)).toEqual(scriptHeaders(theirs));
    // hello.sh names its own pid: the rest of the body is the same
    const withoutPid = (body: string) => body.replace(/\d+/g, 'PID');
    expect(withoutPid(ours.body)).toBe(withoutPid(theirs.body));
    expect(ours.body).toMatch(/^Hello from process \d+\n$/);
  });

  it('a local redirect is a GET without the body, as the lesson says', async () => {
    const { ours, theirs } = await both(
      'POST',
      '/cgi-bin/redirect-env.sh',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      'a=1',
    );
    expect(ours.status).toBe(200);
    const mine = metaVariables(environment(ours.body));
    expect(mine).toMatchObject({ REQUEST_METHOD: 'GET', PATH_INFO: '/next', QUERY_STRING: 'from=redirect' });
    expect(mine).not.toHaveProperty('CONTENT_LENGTH');
    expect(mine).toEqual(metaVariables(environment(theirs.body)));
  });

  it('a client redirect: 302 Found with the same Location', async () => {
    const { ours, theirs } = await both('GET', '/cgi-bin/redirect-away.sh');
    expect(ours.status).toBe(302);
    expect(theirs.status).toBe(302);
    expect(ours.headers.location).toBe(theirs.headers.location);
    // (The bodies differ: each server writes its own short note for a 302.)
  });

  it('the same meta-variables, apart from those that name the server', async () => {
    const headers: [string, string][] = [
      ['X-Custom', 'one'],
      ['Accept', 'text/plain'],
      ['Accept', 'text/html'],
      ['X_Under', 'dropped by both'],
      ['Proxy', 'http://evil.test:3128'],
      // UTF-8 on the wire (node sends header strings as latin-1, one byte per character)
      ['X-Name', Buffer.from('Zoë 🦊', 'utf8').toString('latin1')],
      ['Authorization', 'Basic YWRhOnNlY3JldA=='],
      ['Content-Type', 'text/plain'],
    ];
    for (const [method, path, body] of [
      ['GET', '/cgi-bin/env.sh/books/42?lang=en&page=2', undefined],
      ['GET', '/cgi-bin/env.sh', undefined],
      ['POST', '/cgi-bin/env.sh/x%20y/?q=%41', 'a=1'],
    ] as const) {
      const { ours, theirs } = await both(method, path, headers, body);
      expect(ours.status, `${method} ${path}`).toBe(200);
      const mine = metaVariables(environment(ours.body));
      const apaches = metaVariables(environment(theirs.body));
      expect(mine, `${method} ${path}`).toEqual(apaches);
    }
  });

  it('the failures as the lesson describes them, here and under Apache', async () => {
    // "Apache 2.4 simply tries, the kernel refuses, and the client gets a 500"; the lab checks first
    const noRunBit = await both('GET', '/cgi-bin/no-run-bit.sh');
    expect([noRunBit.ours.status, noRunBit.theirs.status]).toEqual([403, 500]);
    const noInterpreter = await both('GET', '/cgi-bin/wrong-interpreter.sh');
    expect([noInterpreter.ours.status, noInterpreter.theirs.status]).toEqual([500, 500]);
    // The lesson: "Apache answers 500 ("malformed header from script"); this lab answers 502"
    const noHeader = await both('GET', '/cgi-bin/no-header.sh');
    expect([noHeader.ours.status, noHeader.theirs.status]).toEqual([502, 500]);
  });
});
