// The FastCGI app (fcgi_app.py) as a peer would see it: it answers management records, refuses
// what FastCGI 1.0 says to refuse, and survives bad input — each bad connection is closed with a
// logged reason and the next good request is served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import {
  beginRequestBody,
  encodePairs,
  encodeRecord,
  RecordParser,
  ROLE,
  TYPE,
} from '../../src/servers/fastcgi/record.mjs';
import { closedByPeer, eventsOf, fcgiGet, logLine, rawSocket, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { waitFor } from '../helpers/processes.js';

let lab: Lab;
let port: number;
let address: string;

beforeAll(async () => {
  lab = await startFastcgiLab({ app: ['--workers', '2', '--request-timeout', '1'], front: ['--app', 'app'] });
  port = lab.servers().find((s) => s.name === 'app')!.port;
  address = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await lab?.teardown();
});

/** Send bytes on a fresh connection and collect the records the app sends back until it closes. */
async function exchange(bytes: Buffer[], { close = false } = {}) {
  const socket = await rawSocket(port);
  const closed = closedByPeer(socket);
  for (const chunk of bytes) socket.write(chunk);
  if (close) socket.end();
  const received = await closed;
  return new RecordParser().push(received).records;
}

const servesNext = async () => expect(await fcgiGet(address, '/')).toMatch(/Hello, world!/);

describe('management records (request id 0)', () => {
  it('GET_VALUES is answered with the three variables, and nothing else', async () => {
    const socket = await rawSocket(port);
    const closed = closedByPeer(socket);
    const asked = encodePairs([
      ['FCGI_MAX_CONNS', ''],
      ['FCGI_MAX_REQS', ''],
      ['FCGI_MPXS_CONNS', ''],
      ['SOMETHING_ELSE', ''],
    ]);
    socket.write(encodeRecord(TYPE.GET_VALUES, 0, asked));
    const parser = new RecordParser();
    const record = await new Promise<{ type: number; content: Buffer }>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        const [first] = parser.push(chunk).records;
        if (first) resolve(first);
      }),
    );
    socket.end();
    await closed;
    expect(record.type).toBe(TYPE.GET_VALUES_RESULT);
    const text = record.content.toString('latin1');
    expect(text).toContain('FCGI_MAX_REQS');
    expect(text).toContain('FCGI_MPXS_CONNS');
    expect(text).not.toContain('SOMETHING_ELSE');
  });

  it('an unknown management type gets UNKNOWN_TYPE naming it', async () => {
    const records = await exchange([encodeRecord(42, 0, Buffer.alloc(8))], { close: true });
    expect(records[0]).toMatchObject({ type: TYPE.UNKNOWN_TYPE, requestId: 0 });
    expect(records[0]!.content[0]).toBe(42);
  });
});

describe('what FastCGI 1.0 says to refuse', () => {
  it('a role other than RESPONDER is ended with UNKNOWN_ROLE', async () => {
    const records = await exchange([encodeRecord(TYPE.BEGIN_REQUEST, 3, beginRequestBody(ROLE.FILTER, 0))]);
    expect(records[0]).toMatchObject({ type: TYPE.END_REQUEST, requestId: 3 });
    expect(records[0]!.content[4]).toBe(3);
  });

  it('a second request on a busy connection is ended with CANT_MPX_CONN', async () => {
    const socket = await rawSocket(port);
    const closed = closedByPeer(socket);
    socket.write(encodeRecord(TYPE.BEGIN_REQUEST, 1, beginRequestBody(ROLE.RESPONDER, 1)));
    socket.write(encodeRecord(TYPE.BEGIN_REQUEST, 2, beginRequestBody(ROLE.RESPONDER, 1)));
    const parser = new RecordParser();
    const record = await new Promise<{ type: number; requestId: number; content: Buffer }>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        const [first] = parser.push(chunk).records;
        if (first) resolve(first);
      }),
    );
    socket.end();
    await closed;
    expect(record).toMatchObject({ type: TYPE.END_REQUEST, requestId: 2 });
    expect(record.content[4]).toBe(1);
  });

  it('ABORT_REQUEST before the request is complete is answered with END_REQUEST', async () => {
    const records = await exchange([
      encodeRecord(TYPE.BEGIN_REQUEST, 9, beginRequestBody(ROLE.RESPONDER, 0)),
      encodeRecord(TYPE.PARAMS, 9, encodePairs([['REQUEST_METHOD', 'GET']])),
      encodeRecord(TYPE.ABORT_REQUEST, 9),
    ]);
    expect(records.map((r) => r.type)).toEqual([TYPE.END_REQUEST]);
    expect(records[0]!.requestId).toBe(9);
  });
});

describe('bad input closes one connection, never the app', () => {
  it('a wrong version', async () => {
    await exchange([Buffer.from([2, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])]);
    await logLine(lab, 'app', /version 2/);
    await servesNext();
  });

  it('a record cut off by the end of the connection', async () => {
    await exchange([encodeRecord(TYPE.BEGIN_REQUEST, 1, beginRequestBody()).subarray(0, 11)], { close: true });
    await logLine(lab, 'app', /ended inside a BEGIN_REQUEST record/);
    await servesNext();
  });

  it('a name-value length past the end of PARAMS', async () => {
    await exchange([
      encodeRecord(TYPE.BEGIN_REQUEST, 1, beginRequestBody()),
      encodeRecord(TYPE.PARAMS, 1, Buffer.from([5, 100, 65, 66, 67, 68, 69])),
      encodeRecord(TYPE.PARAMS, 1),
    ]);
    await logLine(lab, 'app', /5\+100 bytes/);
    await servesNext();
  });

  it('a BEGIN_REQUEST of the wrong size, and a type an app never receives', async () => {
    await exchange([encodeRecord(TYPE.BEGIN_REQUEST, 1, Buffer.alloc(3))]);
    await logLine(lab, 'app', /3 bytes, not 8/);
    await exchange([
      encodeRecord(TYPE.BEGIN_REQUEST, 4, beginRequestBody()),
      encodeRecord(TYPE.STDOUT, 4, Buffer.from('x')),
    ]);
    await logLine(lab, 'app', /never sends STDOUT/);
    await servesNext();
  });

  it('a PARAMS stream that never ends is cut off at the deadline', async () => {
    const started = Date.now();
    await exchange([
      encodeRecord(TYPE.BEGIN_REQUEST, 1, beginRequestBody()),
      encodeRecord(TYPE.PARAMS, 1, encodePairs([['REQUEST_METHOD', 'GET']])),
    ]);
    expect(Date.now() - started).toBeLessThan(4000);
    await logLine(lab, 'app', /PARAMS stream has not ended/);
    await servesNext();
  });

  it('a client that opens 1,000 connections does not keep the next good request out', async () => {
    const sockets = await Promise.all(Array.from({ length: 1000 }, () => rawSocket(port).catch(() => null)));
    try {
      const started = Date.now();
      await servesNext();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket?.destroy();
    }
    await servesNext();
  });

  it('after all of it, the same two workers are alive', () => {
    expect(eventsOf(lab, 'app', 'worker')).toEqual([]);
    expect(lab.servers().find((s) => s.name === 'app')!.state).toBe('up');
  });
});

describe('the pool', () => {
  it('a killed worker is replaced and reported', async () => {
    const pid = Number(/Process (\d+)/.exec(await fcgiGet(address, '/'))?.[1]);
    process.kill(pid, 'SIGKILL');
    const event = await waitFor(
      () => eventsOf(lab, 'app', 'worker').find((e) => e.pid === pid),
      'the manager to report the dead worker',
    );
    expect(event).toMatchObject({ state: 'exited', how: 'killed by signal 9' });
    expect(typeof event.replacement).toBe('number');
    await servesNext();
  });
});
