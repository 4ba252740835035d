// The http-basics origin answers garbage and oversized headers with 400 and 431, reports them,
// and keeps serving everyone else.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import type { LabEvent, RequestEvent } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';

function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('origin server', () => {
  let lab: Lab;
  beforeAll(async () => {
    const lesson = (await loadCatalog()).find('http-basics')!;
    lab = await Lab.start(lesson, { workspace: tempDir('origin'), control: false, preferredPorts: false });
  });
  afterAll(() => lab.teardown());

  it('answers a request line that is not HTTP with 400, and keeps serving', async () => {
    const port = lab.servers()[0]!.port;
    expect(await raw(port, 'HELLO THERE\r\n\r\n')).toMatch(/^HTTP\/1.1 400 Bad Request/);
    const status400 = (e: LabEvent) => e.event === 'request' && (e as RequestEvent).status === 400;
    await waitFor(() => lab.events().find(status400), 'the 400 event');
    expect(lab.events().find(status400)).toMatchObject({
      event: 'request',
      error: expect.stringMatching(/^HPE_/),
    });
    expect((await fetch(`${lab.servers()[0]!.url}/`)).status).toBe(200);
  });

  it('answers headers over 16 KiB with 431', async () => {
    const port = lab.servers()[0]!.port;
    const answer = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 Request Header Fields Too Large/);
    expect((await fetch(`${lab.servers()[0]!.url}/headers`)).status).toBe(200);
  });

  it('sends no body and no Content-Length with a 204', async () => {
    const answer = await raw(
      lab.servers()[0]!.port,
      'GET /status/204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1.1 204 No Content\r\n/);
    expect(answer.toLowerCase()).not.toContain('content-length');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it('echoes JSON it was told is JSON, and says how it understood a body that was not labelled', async () => {
    const url = `${lab.servers()[0]!.url}/echo`;
    const json = await (
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    ).json();
    expect(json).toMatchObject({ understoodAs: 'JSON', json: { a: 1 } });
    const form = await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '{"a":1}',
      })
    ).json();
    expect(form).toMatchObject({ understoodAs: 'not JSON (no application/json Content-Type)' });
    const shouting = await (
      await fetch(url, { method: 'POST', headers: { 'content-type': 'Application/JSON; charset=utf-8' }, body: 'null' })
    ).json();
    expect(shouting).toMatchObject({ understoodAs: 'JSON', json: null });
    expect((await fetch(url)).status).toBe(405);
  });
});
