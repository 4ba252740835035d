// Checks that must judge their step (issue 9): fed with lab events like the ones the servers
// report, each passes on what the step asks for and fails on what only looks like it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import httpBasics from '../../lessons/01-http-basics/lesson.js';
import forwardProxy from '../../lessons/02-forward-proxy/lesson.js';
import reverseProxy from '../../lessons/03-reverse-proxy/lesson.js';
import cgi from '../../lessons/04-cgi/lesson.js';
import fastcgi from '../../lessons/05-fastcgi/lesson.js';
import wsgi, { serverExplanation } from '../../lessons/06-wsgi/lesson.js';
import { blockingCheck } from '../../lessons/07-asgi/edit-checks.js';
import type { CheckContext, LabEvent, LessonDefinition } from '../../src/engine/types.js';
import { contextFrom, fakeRequest } from '../helpers/fake-context.js';

/** A request event with any fields a server family adds (json, pid, bodyLimit…). */
const request = fakeRequest;

function context(events: LabEvent[], answer?: string, secrets: Record<string, string> = {}): CheckContext {
  return contextFrom(events, { answer, secrets, url: () => 'http://127.0.0.1:9' });
}

function checker(lesson: LessonDefinition, secrets: Record<string, string> = {}) {
  return (id: string, events: LabEvent[], answer?: string) =>
    lesson.steps.find((s) => s.id === id)!.check!(context(events, answer, secrets));
}

describe('http-basics', () => {
  const check = checker(httpBasics, { token: '3fa9c07b' });
  const curl = (extra: [string, string][]) =>
    request('origin', {
      target: '/headers',
      headers: [['Host', '127.0.0.1:8100'], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*'], ...extra],
    });

  it('own-header: X-Learner, as the step asks; a header from ~/.curlrc alone is not it', async () => {
    expect(await check('own-header', [curl([['X-Curlrc', 'always']])])).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('X-Learner'),
    });
    expect(
      await check('own-header', [
        curl([
          ['X-Curlrc', 'always'],
          ['X-Learner', 'hello'],
        ]),
      ]),
    ).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('X-Learner: hello'),
    });
  });

  it('find-token: hex compares without regard to case', async () => {
    const asked = [request('origin', { target: '/secret' })];
    expect((await check('find-token', asked, '3FA9C07B')).status).toBe('pass');
    expect((await check('find-token', asked, '3fa9c07c')).status).toBe('fail');
  });

  it('find-token: the whole header line, pasted, is the token too', async () => {
    const asked = [request('origin', { target: '/secret' })];
    expect((await check('find-token', asked, 'X-Secret-Token: 3fa9c07b')).status).toBe('pass');
  });

  it('status-line: a code the origin refused (1xx, 600+) does not pass as "the code you asked for"', async () => {
    const refused = request('origin', { target: '/status/100', status: 400 });
    expect(await check('status-line', [refused])).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('200 to 599'),
    });
    const teapot = request('origin', { target: '/status/418', status: 418 });
    expect((await check('status-line', [refused, teapot])).status).toBe('pass');
  });

  it('post-json: a newest POST to a mistyped path is the one the failure talks about', async () => {
    const form = request('origin', { method: 'POST', target: '/echo', json: false });
    const typo = request('origin', { method: 'POST', target: '/ech', status: 404 });
    expect(await check('post-json', [form, typo])).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('/ech,'),
    });
  });

  it('post-json: a PUT with a JSON body counts, as the step offers it', async () => {
    const put = request('origin', { method: 'PUT', target: '/echo', json: true });
    expect((await check('post-json', [put])).status).toBe('pass');
    const get = request('origin', { method: 'GET', target: '/echo' });
    expect((await check('post-json', [get])).status).toBe('fail');
  });
});

describe('forward-proxy', () => {
  const check = checker(forwardProxy, { viaName: 'ab12cd34', secureCode: 'c0de5678' });
  const direct = request('news', { target: '/whoami', headers: [['Host', '127.0.0.1:8220']] });
  const proxied = request('news', { target: '/whoami', headers: [['Via', '1.1 proxy-ab12cd34']] });

  it('who-asked: the name alone (seen in step 1) is not enough: both /whoami requests of this step', async () => {
    expect(await check('who-asked', [], 'proxy-ab12cd34')).toMatchObject({ status: 'fail' });
    expect(await check('who-asked', [proxied], 'proxy-ab12cd34')).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('directly'),
    });
    expect(await check('who-asked', [direct, proxied], 'proxy-ab12cd34')).toMatchObject({ status: 'pass' });
  });

  it('credentials: -u (Authorization, for the site) instead of -U is named as such', async () => {
    const bare = request('proxy', {
      door: 'auth',
      status: 407,
      auth: 'missing',
      responseHeaders: [['Proxy-Authenticate', 'Basic realm="x"']],
    });
    const forSite = request('proxy', {
      door: 'auth',
      status: 407,
      auth: 'missing',
      headers: [['Authorization', 'Basic bGVhcm5lcjpvcGVuc2VzYW1l']],
      responseHeaders: [['Proxy-Authenticate', 'Basic realm="x"']],
    });
    expect(await check('credentials', [bare, forSite])).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('-U'),
    });
  });

  it('tunnel: the code compares without regard to case', async () => {
    const tunnel = request('proxy', { method: 'CONNECT', target: 'secure.test:443', tunnel: true });
    expect((await check('tunnel', [tunnel], 'C0DE5678')).status).toBe('pass');
  });
});

describe('reverse-proxy', () => {
  const check = checker(reverseProxy);

  it("body-limit: a chunked body's 413 says the proxy held it and no app received any", async () => {
    const refused = request('proxy', { method: 'POST', target: '/upload', status: 413, bodyLimit: 'streamed' });
    const result = await check('body-limit', [refused]);
    expect(result).toMatchObject({ status: 'pass' });
    expect(result.message).not.toMatch(/streaming|did not have to read/);
    expect(result.message).toMatch(/no app received/i);
  });

  it('cache: /slow asked only with no-cache is told that the header kept it from the cache', async () => {
    const bypass = () => request('proxy', { target: '/slow', cache: 'BYPASS', backend: 'app-1' });
    expect(await check('cache', [bypass(), bypass()])).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('without that header'),
    });
    const hit = request('proxy', { target: '/slow', cache: 'HIT' });
    expect((await check('cache', [bypass(), hit])).status).toBe('pass');
  });

  it('request-id: a pasted header line or JSON line is the id too', async () => {
    const seen = [request('app-1', { target: '/headers', requestId: '1b38ae50468f275d' })];
    expect((await check('request-id', seen, 'X-Request-Id: 1B38AE50468F275D')).status).toBe('pass');
    expect((await check('request-id', seen, '"X-Request-Id": "1b38ae50468f275d",')).status).toBe('pass');
    expect((await check('request-id', seen, 'X-Request-Id: 1b38ae50468f275e')).status).toBe('fail');
  });

  it('failover: requests sent after the stopped app came back do not count as "the site stayed up"', async () => {
    let seq = 10_000;
    const health = (backend: string, state: string) =>
      ({ seq: ++seq, time: 0, server: 'proxy', event: 'health', backend, state, via: 'active' }) as LabEvent;
    const whoami = (backend: string) => request('proxy', { seq: ++seq, target: '/whoami', backend });
    const apps = ['app-1', 'app-2', 'app-3'].map((name) => ({ name, state: 'up' }));
    const failover = reverseProxy.steps.find((s) => s.id === 'failover')!.check!;
    const run = (events: LabEvent[]) => failover({ ...context(events), servers: apps } as unknown as CheckContext);
    const late = await run([
      health('app-2', 'down'),
      health('app-2', 'up'),
      whoami('app-1'),
      whoami('app-2'),
      whoami('app-3'),
    ]);
    expect(late).toMatchObject({ status: 'fail', message: expect.stringContaining('back in rotation') });
    const inTime = await run([
      health('app-2', 'down'),
      whoami('app-1'),
      whoami('app-3'),
      whoami('app-1'),
      health('app-2', 'up'),
      whoami('app-2'),
    ]);
    expect(inTime).toMatchObject({ status: 'pass' });
    expect(inTime.message).toContain('from app-1, app-3,');
  });
});

describe('wsgi', () => {
  const check = checker(wsgi);
  const slow = (pid: number, start: number) =>
    request('wsgi', { target: '/slow', pid, start, end: start + 1000, status: 200 });

  it('two-rounds: four requests one after another are not two rounds', async () => {
    const sequential = [slow(1, 0), slow(2, 1000), slow(1, 2000), slow(2, 3000)];
    expect(await check('two-rounds', sequential, '4')).toMatchObject({ status: 'fail' });
    const together = [slow(1, 0), slow(2, 0), slow(1, 1000), slow(2, 1000)];
    expect(await check('two-rounds', together, '2.0')).toMatchObject({ status: 'pass' });
  });

  it("a 500 that is a bare traceback is explained by its exception and the app's line, not the server's frames", () => {
    const body = [
      'Traceback (most recent call last):',
      '  File "/x/dist/servers/python/wsgi_worker.py", line 326, in handle',
      '    result = app(environ, response.start_response)',
      '  File "/ws/wsgi/app.py", line 39, in app',
      "    name = parse_qs(environ['QUERY_STRING'])['name'][0]",
      "KeyError: 'name'",
    ].join('\n');
    expect(serverExplanation({ status: 500, body })).toEqual([
      "KeyError: 'name', at app.py line 39: name = parse_qs(environ['QUERY_STRING'])['name'][0]",
    ]);
  });

  it('environ-header: any header of your own, with its value', async () => {
    const sent = request('wsgi', {
      target: '/environ',
      headers: [
        ['Host', 'x'],
        ['User-Agent', 'curl/8'],
        ['X-Favourite-Colour', 'teal'],
      ],
    });
    expect((await check('environ-header', [sent], 'HTTP_X_FAVOURITE_COLOUR=teal')).status).toBe('pass');
    expect((await check('environ-header', [sent], "HTTP_X_FAVOURITE_COLOUR = 'teal'")).status).toBe('pass');
    expect((await check('environ-header', [sent], 'HTTP_X_FAVOURITE_COLOUR=blue')).status).toBe('fail');
    expect((await check('environ-header', [sent], 'X_FAVOURITE_COLOUR=teal')).status).toBe('fail');
    const dropped = request('wsgi', {
      target: '/environ',
      headers: [['X_Shell_Pid', '666']],
      droppedHeaders: ['X_Shell_Pid'],
    });
    expect(await check('environ-header', [dropped], 'HTTP_X_SHELL_PID=666')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('left it out of environ'),
    });
    const pid = request('wsgi', { target: '/environ', headers: [['X-Shell-Pid', '4242']] });
    expect((await check('environ-header', [pid], 'HTTP_X_SHELL_PID=4242')).status).toBe('pass');
  });
});

describe('cgi', () => {
  const check = checker(cgi);
  const timed = (durations: number[], fields: Record<string, unknown>) =>
    durations.map((durationMs) => request('cgi', { target: '/x', durationMs, ...fields }));

  it('meta-variables: the port may end a sentence or follow REMOTE_PORT=', async () => {
    const env = request('cgi', { target: '/cgi-bin/env.sh', script: 'env.sh', env: { REMOTE_PORT: '37866' } });
    for (const answer of ['37866', 'REMOTE_PORT=37866', '37866.', 'port 37866, I think'])
      expect((await check('meta-variables', [env], answer)).status, answer).toBe('pass');
    expect(await check('meta-variables', [env], '37867.')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('REMOTE_PORT=37867'),
    });
  });

  it('process-cost: an answer with no number is told so, not that the number is wrong', async () => {
    const events = [
      ...timed(Array(20).fill(1.2), { script: 'hello.sh' }),
      ...timed(Array(20).fill(0.7), { response: 'resident' }),
    ];
    expect(await check('process-cost', events, 'x')).toMatchObject({ message: 'Your answer has no number in it.' });
    expect(await check('process-cost', events, '40')).toMatchObject({
      message: 'That is not what a process costs here.',
    });
  });

  it('process-cost: the difference of the averages, with room for a busy machine', async () => {
    // A quiet machine: 3 ms per process, every request within a tenth of a millisecond
    const quiet = [
      ...timed(Array(20).fill(4), { script: 'hello.sh' }),
      ...timed(Array(20).fill(1), { response: 'resident' }),
    ];
    expect((await check('process-cost', quiet, '3.1')).status).toBe('pass');
    expect((await check('process-cost', quiet, '40')).status).toBe('fail');
    // A busy one: the same 3 ms, but requests stretched by up to 20 ms, so curl's averages may
    // honestly say 12 ms — or even that /resident was the slower
    const stretch = (i: number) => (i % 4 === 0 ? 20 : 0);
    const busy = [
      ...timed(
        Array.from({ length: 20 }, (_, i) => 4 + stretch(i)),
        { script: 'hello.sh' },
      ),
      ...timed(
        Array.from({ length: 20 }, (_, i) => 1 + stretch(i + 1)),
        { response: 'resident' },
      ),
    ];
    expect((await check('process-cost', busy, '12')).status).toBe('pass');
    expect((await check('process-cost', busy, '-2')).status).toBe('pass');
    expect((await check('process-cost', busy, '500')).status).toBe('fail');
  });
});

describe('asgi', () => {
  /** A stand-in for the lab's /report that answers every request after `ms`, and reports
   * `starvedMs` of a loop without CPU (the watchdog's starved event) when the first one comes;
   * `stall` adds a stall the watcher could not look at (no target), and each answered request's
   * event says it blocked the loop `stalledMs`. */
  async function slowReport(ms: number, starvedMs: number, { stall = false, stalledMs = 0 } = {}) {
    const events: LabEvent[] = [];
    let seq = 0;
    const add = (fields: Record<string, unknown>) =>
      events.push({ seq: ++seq, time: Date.now(), server: 'asgi', ...fields } as unknown as LabEvent);
    const server = createServer((_req, res) => {
      if (!events.length) {
        if (starvedMs) add({ event: 'starved', durationMs: starvedMs });
        if (stall) add({ event: 'stall', durationMs: 600 });
      }
      setTimeout(() => {
        res.end('report ready\n');
        add({ event: 'request', target: '/report', method: 'GET', status: 200, stalledMs });
      }, ms);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      return await blockingCheck(contextFrom(events, { url: () => url }));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('blocking: quick answers pass only when no request blocked the loop (read from their events)', async () => {
    expect(await slowReport(50, 0)).toMatchObject({ status: 'pass' });
    expect(await slowReport(50, 0, { stalledMs: 300 })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('still blocked by /report'),
      saw: '300 ms',
    });
  }, 15_000);

  it('blocking: a stall nobody could name is not put down to a busy machine', async () => {
    expect(await slowReport(1300, 900, { stall: true })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('they were answered one after another'),
    });
  }, 15_000);

  it('blocking: slow answers with no stall but a starved loop blame the machine, not app.py', async () => {
    expect(await slowReport(1300, 900)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('the server saw no stall by /report'),
      details: [expect.stringContaining('nothing about app.py')],
    });
    expect(await slowReport(1300, 0)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('they were answered one after another'),
    });
  }, 15_000);
});

describe('fastcgi', () => {
  const check = checker(fastcgi);
  const front = (pid: number, time: number) => request('fastcgi', { pid, time });
  const died = (pid: number, time: number) =>
    ({
      seq: 0,
      time,
      server: 'app',
      event: 'worker',
      state: 'exited',
      pid,
      how: 'killed (SIGTERM)',
    }) as unknown as LabEvent;
  const inOrder = (events: LabEvent[]) => events.map((e, i) => ({ ...e, seq: i + 1 }) as LabEvent);

  it('kill-worker: a request answered by the other worker before the kill is not "the next one"', async () => {
    // curl (A), curl (B), then kill A, seconds later: B's answer came before the death
    expect(await check('kill-worker', inOrder([front(101, 1000), front(102, 2000), died(101, 9000)]))).toMatchObject({
      status: 'fail',
    });
    // and the next request after it passes
    expect(
      await check('kill-worker', inOrder([front(101, 1000), front(102, 2000), died(101, 9000), front(103, 9500)])),
    ).toMatchObject({ status: 'pass' });
  });

  it('kill-worker: the next request may be reported before the manager reports the death', async () => {
    expect(await check('kill-worker', inOrder([front(101, 1000), front(102, 9000), died(101, 9040)]))).toMatchObject({
      status: 'pass',
    });
  });
});
