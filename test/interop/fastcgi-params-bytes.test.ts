// The PARAMS bytes of the lab front against nginx's, for the same requests to the same app: a
// percent-encoded non-ASCII path, a header value with bytes past 7f, and the paths nginx refuses.
// The app is the lab's own (fcgi_app.py) running a handler that answers with every PARAMS pair it
// got, as the hex of its bytes. Two set-ups, each as nginx and as the front:
//   the lesson's: the whole path is PATH_INFO (nginx: PATH_INFO $uri, SCRIPT_NAME '')
//   a document root: the first segment names a file (nginx: fastcgi_split_path_info)
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import { tempDir } from '../helpers/env.js';
import { requests, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { Nginx, which } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';

const nginxPath = which('nginx');
const BIN = resolve(import.meta.dirname, '../../bin/gateway-tutor.js');

const HANDLER = `import json

def handle(params, body):
    # Each str holds the bytes as they came, one character a byte (latin-1).
    dump = {name: value.encode('latin-1').hex() for name, value in params.items()}
    return 'Content-Type: application/json\\r\\n\\r\\n' + json.dumps(dump)
`;

/** The parameters both web servers are given; the rest are their own. */
const COMMON = `fastcgi_pass backend;
  fastcgi_keep_conn on;
  fastcgi_param REQUEST_METHOD $request_method;
  fastcgi_param REQUEST_URI $request_uri;
  fastcgi_param QUERY_STRING $query_string;
  fastcgi_param SERVER_SOFTWARE nginx/$nginx_version;`;

/** Header bytes c3 a9 74 e9: "é" in UTF-8, then "t", then "é" in latin-1 (node writes header
 * strings as latin-1, one character a byte). */
const X_NAME = '\u00c3\u00a9t\u00e9';

interface Answer {
  status: number;
  /** PARAMS as the app got them: name → hex of the value's bytes. */
  params: Record<string, string>;
}

/** One GET with `target` sent as it is (node writes it as latin-1 bytes). */
function get(port: number, target: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, agent: false, headers: { 'X-Name': X_NAME } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = res.statusCode === 200 && /json/.test(res.headers['content-type'] ?? '');
        resolve({ status: res.statusCode ?? 0, params: json ? JSON.parse(text) : {} });
      });
    });
    req.end();
  });
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const pick = (params: Record<string, string>, names: string[]) =>
  Object.fromEntries(names.map((name) => [name, params[name]]));

describe.skipIf(!nginxPath)('PARAMS bytes: the lab front and nginx, to the same app', () => {
  let plain: Lab; // the lesson's front and the app
  let rooted: Lab; // a front with a document root, to the same app
  let nginxPlain: Nginx;
  let nginxRooted: Nginx;
  let root: string;
  const frontPort = (lab: Lab) => lab.servers().find((s) => s.name === 'fastcgi')!.port;

  beforeAll(async () => {
    root = realpathSync(tempDir('fcgi-bytes-root'));
    writeFileSync(join(root, 'café.sh'), '');
    mkdirSync(join(root, 'dir'));
    plain = await startFastcgiLab({ app: ['--workers', '1', '--handler', 'params.py'] });
    writeFileSync(join(plain.lessonWorkspace, 'params.py'), HANDLER);
    const appPort = plain.servers().find((s) => s.name === 'app')!.port;
    rooted = await startFastcgiLab({
      app: null,
      front: ['--app', `127.0.0.1:${appPort}`, '--document-root', root],
    });
    const upstream = `server 127.0.0.1:${appPort};`;
    nginxPlain = await Nginx.start(nginxPath!, {
      upstream,
      locations: `location / { ${COMMON}
        fastcgi_param SCRIPT_NAME '';
        fastcgi_param PATH_INFO $uri; }`,
    });
    nginxRooted = await Nginx.start(nginxPath!, {
      upstream,
      locations: `root ${root};
      location / { ${COMMON}
        fastcgi_split_path_info ^(/[^/]+)(/.*)?$;
        fastcgi_param SCRIPT_NAME $fastcgi_script_name;
        fastcgi_param PATH_INFO $fastcgi_path_info;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_param DOCUMENT_ROOT $document_root; }`,
    });
  });
  afterAll(async () => {
    await nginxPlain?.stop();
    await nginxRooted?.stop();
    await rooted?.teardown();
    await plain?.teardown();
  });

  it('a percent-encoded path reaches the app as the same bytes (its UTF-8, not latin-1)', async () => {
    const names = ['SCRIPT_NAME', 'PATH_INFO', 'REQUEST_URI', 'QUERY_STRING', 'HTTP_X_NAME'];
    const targets = ['/caf%C3%A9', '/caf%C3%A9/x%C3%A9y%20z?q=%C3%A9', '/caf%C3', '/a%2Fb', '/caf%25C3'];
    // Normalized alike: merged slashes, "." and ".." resolved (encoded ones too).
    targets.push('/a//b/./c/', '/caf%C3%A9/%2e%2e/x', '/a/b/..', '/a%2F..%2Fb?x=/../');
    for (const target of targets) {
      const ours = await get(frontPort(plain), target);
      const theirs = await get(nginxPlain.port, target);
      expect([ours.status, theirs.status], target).toEqual([200, 200]);
      expect(pick(ours.params, names), target).toEqual(pick(theirs.params, names));
    }
    const { params } = await get(frontPort(plain), '/caf%C3%A9');
    expect(params.PATH_INFO).toBe(hex('/café')); // 2f636166 c3a9
    expect(params.REQUEST_URI).toBe(hex('/caf%C3%A9')); // undecoded
    expect(params.HTTP_X_NAME).toBe('c3a974e9'); // header bytes as they came
  });

  it('with a document root: the script of a UTF-8 name is found, and named by the same bytes', async () => {
    const names = ['SCRIPT_NAME', 'PATH_INFO', 'SCRIPT_FILENAME', 'DOCUMENT_ROOT', 'REQUEST_URI'];
    for (const target of ['/caf%C3%A9.sh', '/caf%C3%A9.sh/x%C3%A9y']) {
      const ours = await get(frontPort(rooted), target);
      const theirs = await get(nginxRooted.port, target);
      expect([ours.status, theirs.status], target).toEqual([200, 200]);
      expect(pick(ours.params, names), target).toEqual(pick(theirs.params, names));
    }
    const { params } = await get(frontPort(rooted), '/caf%C3%A9.sh/x%C3%A9y');
    expect(params.SCRIPT_FILENAME).toBe(hex(`${root}/café.sh`));
    expect(params.PATH_INFO).toBe(hex('/xéy'));
  });

  it('a "%" without two hex digits, %00, and ".." above the root: 400 from both, never at the app', async () => {
    const refused = ['/caf%ZZ', '/caf%00x', '/caf%4', '/..', '/a/%2e%2e/../etc/passwd'];
    for (const target of refused) {
      expect((await get(nginxPlain.port, target)).status, `nginx ${target}`).toBe(400);
      expect((await get(frontPort(plain), target)).status, `front ${target}`).toBe(400);
    }
    const event = await waitFor(
      () => requests(plain, 'fastcgi').find((r) => r.target === '/caf%00x'),
      'the front event of the %00 request',
    );
    expect(event.status).toBe(400);
    // A request after them that does reach the app: once its event is in, theirs would be too.
    expect((await get(frontPort(plain), '/after-the-refused')).status).toBe(200);
    await waitFor(
      () => requests(plain, 'app').some((r) => r.target === '/after-the-refused'),
      "the app's event of the request after them",
    );
    expect(requests(plain, 'app').filter((r) => refused.includes(r.target))).toEqual([]);
  });

  it('a raw byte past 7f in the target: nginx takes it, the front (node:http) answers 400', async () => {
    // RFC 3986 and RFC 9112 allow only ASCII in a request target; node:http holds to that and
    // nginx is lenient. A client sends "/café" as /caf%C3%A9 (curl, browsers), so both agree there.
    const target = '/caf\u00c3\u00a9'; // written as the bytes c3 a9
    const theirs = await get(nginxPlain.port, target);
    expect(theirs.status).toBe(200);
    expect(theirs.params.PATH_INFO).toBe(hex('/café'));
    expect((await get(frontPort(plain), target)).status).toBe(400);
  });

  it('gateway-tutor fcgi sends the same bytes: typed text as UTF-8, the path percent-decoded', async () => {
    const app = `127.0.0.1:${plain.servers().find((s) => s.name === 'app')!.port}`;
    for (const target of ['/caf%C3%A9', '/café']) {
      const out = await new Promise<string>((done, fail) =>
        execFile(
          process.execPath,
          [BIN, 'fcgi', app, target, '-H', 'X-Name: é', '-p', 'EXTRA=é', '--json'],
          { timeout: 15_000 },
          (error, stdout) => (error ? fail(error) : done(stdout)),
        ),
      );
      const response = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .find((e) => e.event === 'response');
      const params = JSON.parse(response.stdout.slice(response.stdout.indexOf('{')));
      expect(params.PATH_INFO, target).toBe(hex('/café'));
      expect(params.REQUEST_URI, target).toBe(hex(target));
      expect(params.HTTP_X_NAME, target).toBe(hex('é'));
      expect(params.EXTRA, target).toBe(hex('é'));
    }
  });
});
