// Issue 15, defect 10 (the tutor's own server): the control endpoint answers a malformed request
// from a holder of the token with a 4xx that says what is wrong, not a 500 "bug in the tutor".
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPath, startControlServer } from '../../src/engine/control.js';
import { LabControl } from '../../src/engine/lab-control.js';
import type { LoadedLesson, ServerSnapshot } from '../../src/engine/types.js';

describe('control endpoint', () => {
  let url: string;
  let close: () => void;
  const token = 'test-token';
  beforeAll(async () => {
    const { server, url: where } = await startControlServer(token, async (route, body) => ({ route, body }));
    url = where;
    close = () => server.close();
  });
  afterAll(() => close());

  const post = (body: string) =>
    fetch(`${url}/check`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });

  it.each([['{"step": '], ['[1, 2]'], ['"text"'], ['null']])('answers %s with 400 and words', async (body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not what this endpoint takes/);
  });

  it('answers a body over 1 MB with 413', async () => {
    expect((await post(`{"x":"${'a'.repeat(1_100_000)}"}`)).status).toBe(413);
  });

  it('still takes a good request', async () => {
    const response = await post('{"step":"one"}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ route: '/check', body: { step: 'one' } });
  });
});

// The lab's /logs route (what `lab --json` does not print: a server's output) is behind the token
// like every other route, and names the servers there are when asked for one that is not.
describe('control endpoint: /logs', () => {
  let control: LabControl;
  let workspace: string;
  const lab = {
    lesson: { id: 'logs-test' } as LoadedLesson,
    servers: () => [{ name: 'wsgi' } as ServerSnapshot],
    events: () => [],
    logs: (server: string) => (server === 'wsgi' ? ['Traceback (most recent call last):'] : []),
    check: async () => ({ lesson: 'logs-test', step: 'one', status: 'pass' as const, message: '', details: [] }),
    control: async () => {},
  };
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'gt-logs-'));
    control = await LabControl.open(lab, workspace);
  });
  afterAll(async () => {
    await control.close();
    await rm(workspace, { recursive: true, force: true });
  });
  const token = async () => JSON.parse(await readFile(recordPath(workspace, 'logs-test'), 'utf8')).token as string;
  const logs = async (server: string, bearer: string) =>
    fetch(`${control.url}/logs?server=${server}`, { headers: { authorization: `Bearer ${bearer}` } });

  it('refuses a request without the right token', async () => {
    expect((await fetch(`${control.url}/logs?server=wsgi`)).status).toBe(401);
    expect((await logs('wsgi', 'not-the-token')).status).toBe(401);
  });

  it("gives a server's lines to the holder of the token", async () => {
    const response = await logs('wsgi', await token());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ server: 'wsgi', lines: ['Traceback (most recent call last):'] });
  });

  it('answers an unknown server with 422 and the names there are', async () => {
    const response = await logs('nginx', await token());
    expect(response.status).toBe(422);
    expect(((await response.json()) as { hint: string }).hint).toMatch(/server=wsgi/);
  });
});
