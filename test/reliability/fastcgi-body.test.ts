// Second hostile review: a chunked body that never ends must not hold the FastCGI front. Past
// --max-body the front answers 413 at once and closes (a lingering close: see lib/linger.mjs),
// instead of holding on (and keeping up to max-body bytes in memory) until the request timeout.
// Started through the engine's Lab. (test/reliability/early-answer.test.ts has the client that
// reads only after sending.)
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';

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
    let text = '';
    const reply = new Promise<string>((resolve) => {
      socket.on('data', (data) => {
        text += data.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      socket.on('close', () => resolve(text));
    });
    socket.write('POST /cgi-bin/run-handler.py HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `10000\r\n${'a'.repeat(0x10000)}\r\n`;
    // 12 MiB, over the default 10 MiB, and never the last chunk: only the 413 can end this. As
    // curl does, the client stops sending once an answer comes (and never waits on a 'drain'
    // alone: the front reads on only for a while after its 413, then cuts the connection).
    for (let i = 0; i < 192 && !socket.destroyed && text === ''; i++) {
      if (!socket.write(chunk))
        await new Promise((resolve) => {
          socket.once('drain', resolve);
          socket.once('data', resolve);
          socket.once('close', resolve);
        });
    }
    const answer = await Promise.race([reply, new Promise<string>((r) => setTimeout(() => r('no reply'), 10_000))]);
    socket.destroy();
    // What the front did, as the lab saw it: a 413 for this POST, while the body was still coming.
    await waitFor(
      () => lab.events().some((e) => e.event === 'request' && (e as RequestEvent).status === 413),
      'the 413',
    );
    // What the client saw: the 413. The front closed its side after it and read on, dropping the
    // rest of the body, so no reset took the answer with it (RFC 9112 §9.6).
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect((await fetch(`${front.url}/cgi-bin/run-handler.py`)).status).toBe(200);
    expect(lab.servers().find((s) => s.name === 'fastcgi')!.pid).toBe(front.pid);
  }, 30_000);
});
