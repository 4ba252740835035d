// The lab's FastCGI pieces against FastCGI software nobody here wrote:
//   the lab front serves through fcgiwrap (the lesson's CGI script) and through php-fpm;
//   nginx's fastcgi_pass serves through the lab's FastCGI app;
//   `gateway-tutor fcgi` gets from fcgiwrap and php-fpm the same answers as libfcgi's cgi-fcgi.
// Each part is skipped when its peer is not installed (.ci/run installs them all).
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { connect } from 'node:net';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import { tempDir } from '../helpers/env.js';
import { requests, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import {
  cgiFcgiPath,
  fcgiwrapPath,
  type Peer,
  phpFpmPath,
  startFcgiwrap,
  startPhpFpm,
} from '../helpers/fastcgi-peers.js';
import { Nginx, which } from '../helpers/nginx.js';
import { PeerProcess } from '../helpers/peer-groups.js';
import { waitFor } from '../helpers/processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'gateway-tutor.js');
const nginxPath = which('nginx');

/** A document root with the lesson's handler and its CGI script, and a one-line PHP page. */
function documentRoot(): string {
  const dir = tempDir('fcgi-docroot');
  cpSync(join(ROOT, 'lessons/05-fastcgi/starter'), dir, { recursive: true });
  writeFileSync(join(dir, 'index.php'), '<?php echo "Hello from PHP, ", $_GET["name"] ?? "nobody", "\\n";\n');
  mkdirSync(join(dir, 'empty'));
  return dir;
}

function run(file: string, args: string[], env?: Record<string, string>, input?: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(file, args, { env, timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? fail(new Error(`${file} failed: ${error.message}\n${stderr}`)) : done(stdout),
    );
    // A program that exits before it reads its input closes the pipe: the write fails with EPIPE,
    // which is no failure of the test (the output and exit status say what happened).
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

describe.skipIf(!fcgiwrapPath)('the lab front through fcgiwrap, running the lesson’s CGI script', () => {
  let peer: Peer;
  let lab: Lab;
  let url: string;

  beforeAll(async () => {
    peer = await startFcgiwrap();
    lab = await startFastcgiLab({ app: null, front: ['--app', peer.address, '--document-root', documentRoot()] });
    url = lab.servers().find((s) => s.name === 'fastcgi')!.url;
  });
  afterAll(async () => {
    await lab?.teardown();
    await peer?.stop();
  });

  it('serves a GET, with SCRIPT_NAME and SCRIPT_FILENAME split from the path', async () => {
    const response = await fetch(`${url}/cgi-bin/run-handler.py?name=Ada`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await response.text()).toMatch(/Hello, Ada!/);
    const event = await waitFor(() => requests(lab, 'fastcgi').at(-1), 'the request event');
    const params = new Map((event.records as { type: string; pairs?: [string, string][] }[])[1]!.pairs);
    expect(params.get('SCRIPT_NAME')).toBe('/cgi-bin/run-handler.py');
    expect(params.get('SCRIPT_FILENAME')).toMatch(/\/cgi-bin\/run-handler\.py$/);
  });

  it('passes a POST body as STDIN and the rest of the path as PATH_INFO', async () => {
    const response = await fetch(`${url}/cgi-bin/run-handler.py/echo`, { method: 'POST', body: 'a=b&c=d' });
    expect(await response.text()).toMatch(/POST with a body of 7 bytes \(CONTENT_LENGTH=7\):\na=b&c=d/);
  });

  it('answers 404 for a path that names no file under the document root, 400 for one above it', async () => {
    expect((await fetch(`${url}/cgi-bin/nothing.py`)).status).toBe(404);
    expect((await fetch(`${url}/empty`)).status).toBe(404);
    // fetch resolves "%2e%2e" itself (WHATWG URL) and asks for /etc/passwd under the root: 404.
    expect((await fetch(`${url}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    // Sent as it is, ".." above "/" is answered 400, as nginx answers it.
    const status = await new Promise((resolve, reject) =>
      get({ host: '127.0.0.1', port: new URL(url).port, path: '/%2e%2e/%2e%2e/etc/passwd' }, (res) =>
        resolve(res.resume().statusCode),
      ).on('error', reject),
    );
    expect(status).toBe(400);
  });
});

describe.skipIf(!phpFpmPath)('the lab front through php-fpm', () => {
  let peer: Peer;
  let lab: Lab;

  beforeAll(async () => {
    peer = await startPhpFpm();
    lab = await startFastcgiLab({ app: null, front: ['--app', peer.address, '--document-root', documentRoot()] });
  });
  afterAll(async () => {
    await lab?.teardown();
    await peer?.stop();
  });

  it('serves a one-line PHP page, twice on one kept-alive connection', async () => {
    const url = lab.servers().find((s) => s.name === 'fastcgi')!.url;
    for (const name of ['Ada', 'Grace']) {
      const response = await fetch(`${url}/index.php?name=${name}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-powered-by')).toMatch(/^PHP\//);
      expect(await response.text()).toBe(`Hello from PHP, ${name}\n`);
    }
    await waitFor(() => requests(lab, 'fastcgi').length >= 2, 'both request events');
    const [first, second] = requests(lab, 'fastcgi');
    expect(second!.appConn).toBe(first!.appConn);
  });
});

describe.skipIf(!nginxPath)('nginx fastcgi_pass through the lab app', () => {
  let lab: Lab;
  let nginx: Nginx;

  beforeAll(async () => {
    lab = await startFastcgiLab();
    const app = lab.servers().find((s) => s.name === 'app')!;
    nginx = await Nginx.start(nginxPath!, {
      upstream: `server 127.0.0.1:${app.port};`,
      locations: `location / {
        fastcgi_pass backend;
        fastcgi_keep_conn on;
        fastcgi_param REQUEST_METHOD $request_method;
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_param QUERY_STRING $query_string;
        fastcgi_param CONTENT_TYPE $content_type;
        fastcgi_param CONTENT_LENGTH $content_length;
        fastcgi_param SCRIPT_NAME '';
        fastcgi_param PATH_INFO $uri;
        fastcgi_param SERVER_PROTOCOL $server_protocol;
        fastcgi_param SERVER_SOFTWARE nginx/$nginx_version;
        fastcgi_param REMOTE_ADDR $remote_addr;
        fastcgi_param SERVER_NAME $server_name;
        fastcgi_param SERVER_PORT $server_port;
        fastcgi_param GATEWAY_INTERFACE CGI/1.1;
      }`,
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await lab?.teardown();
  });

  it('a GET and a POST are answered by the resident processes, on kept-alive connections', async () => {
    const hello = await fetch(`${nginx.url}/?name=nginx`);
    expect(hello.status).toBe(200);
    expect(await hello.text()).toMatch(/Hello, nginx!/);
    const echo = await fetch(`${nginx.url}/echo`, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(await echo.text()).toMatch(/POST with a body of 70000 bytes/);
    const fromNginx = () => requests(lab, 'app').filter((r) => String(r.software).startsWith('nginx/'));
    await waitFor(() => fromNginx().length >= 2, 'the app to report both requests from nginx');
    expect(fromNginx().every((r) => r.keepConn === true)).toBe(true);
  });
});

describe.skipIf(!cgiFcgiPath || !(fcgiwrapPath || phpFpmPath))(
  'gateway-tutor fcgi and cgi-fcgi give the same answers',
  () => {
    const root = documentRoot();
    const peers: Peer[] = [];
    afterAll(async () => {
      for (const peer of peers) await peer.stop();
    });

    /** STDOUT as gateway-tutor fcgi received it (its --json "response" line). */
    async function ours(address: string, target: string, script: string, body?: string): Promise<string> {
      const args = ['fcgi', address, target, '-p', `SCRIPT_FILENAME=${script}`, '--json'];
      if (body !== undefined) args.push('-d', body);
      const out = await run(process.execPath, [BIN, ...args]);
      const response = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .find((e) => e.event === 'response');
      return response.stdout;
    }

    /** STDOUT as cgi-fcgi received it: it sends its own environment as PARAMS. */
    function theirs(address: string, query: string, script: string, body?: string): Promise<string> {
      const env: Record<string, string> = {
        REQUEST_METHOD: body === undefined ? 'GET' : 'POST',
        QUERY_STRING: query,
        SCRIPT_FILENAME: script,
        ...(body === undefined ? {} : { CONTENT_LENGTH: String(body.length) }),
      };
      return run(cgiFcgiPath!, ['-bind', '-connect', address], env, body);
    }

    it.skipIf(!fcgiwrapPath)('from fcgiwrap: a GET and a POST', async () => {
      const peer = await startFcgiwrap();
      peers.push(peer);
      const script = join(root, 'cgi-bin', 'run-handler.py');
      const get = await ours(peer.address, '/?name=Ada', script);
      expect(get).toMatch(/Hello, Ada!/);
      // The process differs (a new one per request); the rest is the same.
      const noPid = (text: string) => text.replace(/Process \d+/, 'Process N');
      expect(noPid(get)).toBe(noPid(await theirs(peer.address, 'name=Ada', script)));
    });

    it.skipIf(!fcgiwrapPath)('over a Unix socket too', async () => {
      const socketPath = join(tempDir('fcgi-unix'), 'fcgiwrap.sock');
      // A group of its own that dies with this process, as every peer's (peer-groups.ts)
      const fcgiwrap = await PeerProcess.spawn('fcgiwrap', fcgiwrapPath!, ['-s', `unix:${socketPath}`]);
      try {
        await fcgiwrap.until(
          () =>
            new Promise<boolean>((resolve) => {
              const socket = connect(socketPath, () => {
                socket.destroy();
                resolve(true);
              });
              socket.on('error', () => resolve(false));
            }),
          'listening on its Unix socket',
        );
        const script = join(root, 'cgi-bin', 'run-handler.py');
        expect(await ours(socketPath, '/?name=Unix', script)).toMatch(/Hello, Unix!/);
      } finally {
        await fcgiwrap.stop();
      }
    });

    it.skipIf(!phpFpmPath)('from php-fpm: a GET', async () => {
      const peer = await startPhpFpm();
      peers.push(peer);
      const script = join(root, 'index.php');
      const get = await ours(peer.address, '/index.php?name=Ada', script);
      expect(get).toMatch(/Hello from PHP, Ada/);
      expect(get).toBe(await theirs(peer.address, 'name=Ada', script));
    });
  },
);
