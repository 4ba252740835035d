// Issue 15, defect 10 (the tutor's own server): the control endpoint answers a malformed request
// from a holder of the token with a 4xx that says what is wrong, not a 500 "bug in the tutor".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer } from '../../src/engine/control.js';

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
