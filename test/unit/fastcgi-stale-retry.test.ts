// A kept connection the app has closed (stale): the front's request on it fails before a single
// record comes back, and the front sends it again, once, on a newly opened connection. Not on
// another idle one: an app that closed one kept connection has likely closed them all.
//
// The app here is a FastCGI app in the test itself that serves ONE request per connection and
// closes the connection, unanswered, when a second request arrives on it. For the front that is
// the same as a kept connection the app closed while it was idle, with the close crossing the
// next request on the wire, but without the race: every kept connection is stale, every time.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import { encodePairs, encodeRecord, endRequestBody, RecordParser, TYPE } from '../../src/servers/fastcgi/record.mjs';
import { requests, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { waitFor } from '../helpers/processes.js';

describe('a request on a stale kept connection', () => {
  let app: Server;
  let lab: Lab;
  let url: string;
  const sockets: Socket[] = [];
  /** Connections the app accepted for requests (id 0, the front's GET_VALUES one, not counted). */
  let opened = 0;
  /** Requests waiting for their answer: the app answers only once `hold` of them are waiting. */
  let waiting: (() => void)[] = [];
  let hold = 1;

  beforeAll(async () => {
    app = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => {});
      const parser = new RecordParser();
      let served = 0;
      let number = 0;
      socket.on('data', (chunk: Buffer) => {
        for (const record of parser.push(chunk).records) {
          if (record.requestId === 0 && record.type === TYPE.GET_VALUES) {
            const values = encodePairs([
              ['FCGI_MAX_CONNS', '4'],
              ['FCGI_MAX_REQS', '4'],
              ['FCGI_MPXS_CONNS', '0'],
            ]);
            socket.write(encodeRecord(TYPE.GET_VALUES_RESULT, 0, values));
          } else if (record.type === TYPE.BEGIN_REQUEST) {
            if (served > 0) return void socket.destroy(); // kept, but closed: stale
            if (number === 0) number = ++opened;
          } else if (record.type === TYPE.STDIN && record.contentLength === 0) {
            served++;
            const id = record.requestId;
            const answer = Buffer.from(`Content-Type: text/plain\r\n\r\nconnection ${number}\n`);
            waiting.push(() =>
              socket.write(
                Buffer.concat([
                  encodeRecord(TYPE.STDOUT, id, answer),
                  encodeRecord(TYPE.STDOUT, id),
                  encodeRecord(TYPE.END_REQUEST, id, endRequestBody(0)),
                ]),
              ),
            );
            if (waiting.length >= hold) {
              for (const send of waiting) send();
              waiting = [];
            }
          }
        }
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as { port: number }).port;
    lab = await startFastcgiLab({ app: null, front: ['--app', `127.0.0.1:${port}`] });
    url = lab.servers().find((s) => s.name === 'fastcgi')!.url;
  });
  afterAll(async () => {
    await lab?.teardown();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => app?.close(resolve));
  });

  it('is sent again on a new connection, not on another kept one', async () => {
    // Two requests at once (the app answers when both are in): the front keeps two connections.
    hold = 2;
    const first = await Promise.all(['/?one', '/?two'].map((target) => fetch(`${url}${target}`)));
    expect(first.map((r) => r.status)).toEqual([200, 200]);
    hold = 1;
    await waitFor(() => requests(lab, 'fastcgi').length >= 2, 'the events of the first two requests');
    const kept = requests(lab, 'fastcgi').map((r) => r.appConn);
    expect(new Set(kept).size).toBe(2);

    // The third takes a kept connection; the app closes it; the retry must open a third one (the
    // other kept connection would be closed the same way, and a second failure is a 502).
    const response = await fetch(`${url}/?three`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('connection 3\n');
    const event = await waitFor(
      () => requests(lab, 'fastcgi').find((r) => r.target === '/?three'),
      'the event of the retried request',
    );
    expect(event.retried).toBe(true);
    expect(kept).not.toContain(event.appConn);
    expect(opened).toBe(3);
  });
});
