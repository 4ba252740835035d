// Issue 15, defect 3: slow or wrong clients must never hold every worker of the WSGI server. A
// request head has a deadline (not an idle timeout each byte restarts), a TLS handshake on the
// plain port and a bare-LF request are answered at once. Started through the engine's Lab.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { findPython } from '../../src/engine/requirements.js';
import type { LoadedLesson } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { rawExchange } from '../helpers/raw-http.js';

const python = await findPython();
const HEADER_TIMEOUT_S = 2;

/** The wsgi lesson, its server given a short head deadline so the test need not wait 10 s. */
async function wsgiLesson(): Promise<LoadedLesson> {
  const lesson = (await loadCatalog({ only: 'wsgi' })).find('wsgi')!;
  const servers = lesson.servers.map((server) =>
    'python' in server.program
      ? {
          ...server,
          program: {
            ...server.program,
            args: [...(server.program.args ?? []), '--header-timeout', String(HEADER_TIMEOUT_S)],
          },
        }
      : server,
  );
  return { ...lesson, servers };
}

/** A slowloris: a request head that never ends, one header line every `everyMs`. */
function slowloris(port: number, everyMs: number): { stop(): void; closed: Promise<void> } {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  let n = 0;
  const timer = setInterval(() => socket.write(`X-Drip-${n++}: still here\r\n`), everyMs);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  closed.then(() => clearInterval(timer));
  return {
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
    closed,
  };
}

describe.skipIf(!python)('WSGI server and slow clients', () => {
  let lab: Lab;
  let port: number;
  beforeAll(async () => {
    lab = await Lab.start(await wsgiLesson(), {
      workspace: tempDir('wsgi-slow'),
      control: false,
      preferredPorts: false,
    });
    port = lab.servers()[0]!.port;
  });
  afterAll(() => lab.teardown());

  it('frees both workers from two slowloris clients within the head deadline', async () => {
    // Given two clients that each send a header line every 300 ms and never finish (2 workers)
    const drips = [slowloris(port, 300), slowloris(port, 300)];
    try {
      // When a normal client asks meanwhile
      const started = Date.now();
      const reply = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
        deadlineMs: (HEADER_TIMEOUT_S + 4) * 1000,
      });
      // Then it is answered once the deadline has cut the slow ones off
      expect(reply.status).toBe(200);
      expect(Date.now() - started).toBeLessThan((HEADER_TIMEOUT_S + 3) * 1000);
      await Promise.all(drips.map((d) => d.closed));
    } finally {
      for (const drip of drips) drip.stop();
    }
  });

  it('does not keep a client waiting behind connections that never send a byte', async () => {
    // Given two connections that say nothing (a proxy's keep-alive pool opens them ahead of need),
    // one per worker
    const silent = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    const closed = silent.map((socket) => {
      socket.on('error', () => {});
      return new Promise<void>((resolve) => socket.on('close', () => resolve()));
    });
    try {
      await Promise.all(silent.map((socket) => new Promise((resolve) => socket.on('connect', resolve))));
      // When a normal client asks meanwhile
      const started = Date.now();
      const reply = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', {
        deadlineMs: (HEADER_TIMEOUT_S + 4) * 1000,
      });
      // Then it is answered before the head deadline could have freed a worker: the silent
      // connections made room soon after someone else waited (1 s), not at the deadline
      expect(reply.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(HEADER_TIMEOUT_S * 1000);
      await Promise.race(closed);
    } finally {
      for (const socket of silent) socket.destroy();
    }
  });

  it('answers a TLS handshake on the plain port with 400 at once', async () => {
    // The first bytes of a ClientHello: a handshake record (0x16), TLS 1.0 record version
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]);
    const started = Date.now();
    const reply = await rawExchange(port, hello, { deadlineMs: 1500 });
    expect(reply.status).toBe(400);
    expect(reply.answer).toMatch(/TLS/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers a request with bare LF line ends with 400 at once', async () => {
    const started = Date.now();
    const reply = await rawExchange(port, 'GET / HTTP/1.1\nHost: x\n\n', { deadlineMs: 1500 });
    expect(reply.status).toBe(400);
    expect(reply.answer).toMatch(/CRLF/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers a head that takes longer than the deadline with 408', async () => {
    const reply = await rawExchange(port, ['GET / HTTP/1.1\r\n', 'Host: x\r\n'], {
      gapMs: 100,
      deadlineMs: (HEADER_TIMEOUT_S + 3) * 1000,
    });
    expect(reply.status).toBe(408);
    expect(reply.ending).toBe('closed');
  });
});
