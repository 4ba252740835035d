// Second hostile review: a chunked body that never ends must not hold the FastCGI front. Past
// --max-body the front answers 413 at once and closes, instead of reading on (and keeping up to
// max-body bytes in memory) until the request timeout. Started through the engine's Lab.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { tempDir } from '../helpers/env.js';

describe('FastCGI front, a chunked body over --max-body', () => {
  let lab: Lab;
  beforeAll(async () => {
    const lesson = (await loadCatalog({ only: 'fastcgi' })).find('fastcgi')!;
    lab = await Lab.start(lesson, { workspace: tempDir('fastcgi-body'), control: false, preferredPorts: false });
  });
  afterAll(() => lab.teardown());

  it('is answered 413 while the client is still sending, and the front keeps serving', async () => {
    const front = lab.servers().find((s) => s.name === 'fastcgi')!;
    const socket = connect(front.port!, '127.0.0.1');
    socket.on('error', () => {});
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (data) => {
        text += data.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      socket.on('close', () => resolve(text));
    });
    socket.write('POST /cgi-bin/run-handler.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
    // 12 MiB, over the default 10 MiB, and never the last chunk: only the 413 can end this.
    for (let i = 0; i < 192 && !socket.destroyed; i++) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    const text = await Promise.race([reply, new Promise<string>((r) => setTimeout(() => r('no reply'), 10_000))]);
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect((await fetch(`${front.url}/cgi-bin/run-handler.py`)).status).toBe(200);
    expect(lab.servers().find((s) => s.name === 'fastcgi')!.pid).toBe(front.pid);
  }, 30_000);
});
