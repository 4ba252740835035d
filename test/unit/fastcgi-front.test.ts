// The FastCGI front (front.mjs) and what each failure of the app means for an HTTP client:
// 504 when the app is too slow (and ABORT_REQUEST), 503 when every app process stays busy past
// the queue bound, 502 when the app is gone, closes the connection or breaks the protocol; and
// ABORT_REQUEST when the client goes away. Each request's records are in its lab event.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import type { WireRecord } from '../../src/servers/fastcgi/events.js';
import { encodeRecord, endRequestBody, RecordParser, TYPE } from '../../src/servers/fastcgi/record.mjs';
import { requests, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { freePort } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';

const records = (lab: Lab, target: string) =>
  waitFor(() => requests(lab, 'fastcgi').find((r) => r.target === target), `the front's event for ${target}`).then(
    (r) => ({ event: r, records: (r.records ?? []) as WireRecord[] }),
  );

describe('the front with the lab app', () => {
  let lab: Lab;
  let url: string;

  beforeAll(async () => {
    lab = await startFastcgiLab({
      front: ['--app', 'app', '--timeout-ms', '1500', '--queue-ms', '300', '--max-conns', '2'],
    });
    url = lab.servers().find((s) => s.name === 'fastcgi')!.url;
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('sends the request as records and reports them all, with the PARAMS pairs', async () => {
    const response = await fetch(`${url}/?name=records`, { headers: { 'X-Lesson': 'five' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/Hello, records!/);
    const { event, records: wire } = await records(lab, '/?name=records');
    expect(wire.map((r) => `${r.dir} ${r.type}`)).toEqual([
      'out BEGIN_REQUEST',
      'out PARAMS',
      'out PARAMS',
      'out STDIN',
      'in STDOUT',
      'in STDOUT',
      'in END_REQUEST',
    ]);
    expect(new Set(wire.map((r) => r.requestId))).toEqual(new Set([event.requestId]));
    const pairs = new Map(wire[1]!.pairs as [string, string][]);
    expect(pairs.get('QUERY_STRING')).toBe('name=records');
    expect(pairs.get('HTTP_X_LESSON')).toBe('five');
    expect(pairs.get('GATEWAY_INTERFACE')).toBe('CGI/1.1');
    expect(pairs.has('CONTENT_LENGTH')).toBe(false);
  });

  it('answers 504 when the app is too slow, and sends ABORT_REQUEST', async () => {
    const response = await fetch(`${url}/slow?seconds=3`);
    expect(response.status).toBe(504);
    const { records: wire } = await records(lab, '/slow?seconds=3');
    expect(wire.some((r) => r.dir === 'out' && r.type === 'ABORT_REQUEST')).toBe(true);
  });

  it('answers 503 when every connection to the app stays busy past the queue bound', async () => {
    // The app process that the 504 left behind finishes its handler first.
    await waitFor(
      () => requests(lab, 'app').some((r) => r.target === '/slow?seconds=3'),
      'the slow handler of the previous test to end',
    );
    const statuses = await Promise.all(
      [1, 2, 3].map((i) => fetch(`${url}/slow?seconds=1&i=${i}`).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([200, 200, 503]);
  });

  it('clients that reset mid-body do not hold the connections to the app (no 503 after them)', async () => {
    const { connect } = await import('node:net');
    const port = lab.servers().find((s) => s.name === 'fastcgi')!.port;
    // Given more half-sent POSTs than the front may open connections to the app (2 here)
    const cut = () =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly ten b');
          setImmediate(() => {
            socket.resetAndDestroy();
            resolve();
          });
        });
        socket.on('error', () => {});
      });
    await Promise.all([cut(), cut(), cut(), cut()]);
    // When an ordinary request comes right after, it is answered at once
    const response = await fetch(`${url}/?after-resets`);
    expect(response.status).toBe(200);
  });

  it('answers 502 when the app is not there, and serves again when it is back', async () => {
    await lab.control('stop', 'app');
    const response = await fetch(`${url}/?gone`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/cannot connect/);
    await lab.control('start', 'app');
    expect((await fetch(`${url}/?back`)).status).toBe(200);
  });

  it('answers 400 to what is not HTTP, and goes on serving', async () => {
    const { connect } = await import('node:net');
    const port = lab.servers().find((s) => s.name === 'fastcgi')!.port;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', () => {});
      socket.on('close', () => resolve());
    });
    expect((await fetch(`${url}/`)).status).toBe(200);
  });
});

describe('the front with an app that breaks the protocol', () => {
  let lab: Lab;
  let url: string;
  let fake: Server;
  let behaviour: 'garbage' | 'hang-up' | 'no-header' | 'wait-abort' = 'garbage';
  /** wait-abort: resolved when the request has arrived, and when ABORT_REQUEST has. */
  let arrived: () => void = () => {};
  let abortSeen: (id: number) => void = () => {};

  beforeAll(async () => {
    // A fake FastCGI app in the test itself: it reads whatever comes and answers as told.
    const port = await freePort();
    fake = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        const id = chunk.readUInt16BE(2); // the request id of the BEGIN_REQUEST that came first
        if (behaviour === 'wait-abort') {
          // Say nothing until the web server sends ABORT_REQUEST; then end the request, as the spec asks.
          const parser = new RecordParser();
          const look = (data: Buffer) => {
            for (const record of parser.push(data).records) {
              if (record.type === TYPE.ABORT_REQUEST) {
                abortSeen(record.requestId);
                socket.write(encodeRecord(TYPE.END_REQUEST, record.requestId, endRequestBody(0)));
              }
            }
          };
          look(chunk);
          socket.on('data', look);
          arrived();
          return;
        }
        if (behaviour === 'garbage') socket.end(Buffer.from('HTTP/1.1 200 OK\r\n\r\nnot records'));
        else if (behaviour === 'hang-up') socket.destroy();
        else
          socket.end(
            Buffer.concat([
              encodeRecord(TYPE.STDOUT, id, Buffer.from('no header block here')),
              encodeRecord(TYPE.STDOUT, id),
              encodeRecord(TYPE.END_REQUEST, id, endRequestBody(0)),
            ]),
          );
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => fake.listen(port, '127.0.0.1', resolve));
    lab = await startFastcgiLab({ app: null, front: ['--app', `127.0.0.1:${port}`, '--max-conns', '4'] });
    url = lab.servers().find((s) => s.name === 'fastcgi')!.url;
  });
  afterAll(async () => {
    await lab?.teardown();
    fake?.close();
  });

  it.each([
    ['garbage', /version 72/],
    ['hang-up', /closed the connection before END_REQUEST/],
    ['no-header', /no empty line after its headers/],
  ] as const)('%s gives 502, with the reason in the body and the event', async (kind, reason) => {
    behaviour = kind;
    const response = await fetch(`${url}/?${kind}`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(reason);
    const { event } = await records(lab, `/?${kind}`);
    expect(String(event.error)).toMatch(reason);
  });

  it('sends ABORT_REQUEST when the client goes away (the app then ends the request)', async () => {
    behaviour = 'wait-abort';
    const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
    const aborted = new Promise<number>((resolve) => (abortSeen = resolve));
    const { request } = await import('node:http');
    const client = request(`${url}/?leaving`);
    client.on('error', () => {});
    client.end();
    await hasArrived; // the app has the request: now the client hangs up
    client.destroy();
    const id = await aborted;
    const { event, records: wire } = await records(lab, '/?leaving');
    expect(event.aborted).toBe(true);
    expect(event.requestId).toBe(id);
    // The event is written as the client leaves: its last record is the ABORT_REQUEST.
    expect(wire.map((r) => `${r.dir} ${r.type}`).at(-1)).toBe('out ABORT_REQUEST');
  });
});
