// The forward-proxy lesson's checks, fed with lab events like the ones its servers report: each
// check passes on what a learner's commands produce and says what it saw when they do not.
import { describe, expect, it } from 'vitest';
import lesson from '../../lessons/02-forward-proxy/lesson.js';
import type { CheckContext, LabEvent, LabEventOf, RequestEvent } from '../../src/engine/types.js';
import { contextFrom, fakeRequest } from '../helpers/fake-context.js';
import type { forwardOriginEvents, forwardProxyEvents } from '../../src/servers/forward-proxy/events.js';

type Fields = Partial<LabEventOf<typeof forwardProxyEvents, 'request'>> &
  Partial<LabEventOf<typeof forwardOriginEvents, 'request'>>;

function request(server: string, fields: Fields): RequestEvent {
  return fakeRequest(server, fields);
}

function context(events: LabEvent[], answer?: string): CheckContext {
  return contextFrom(events, {
    answer,
    lesson: 'forward-proxy',
    secrets: { viaName: 'ab12cd34', secureCode: 'c0de5678' },
    url: (server) => `http://127.0.0.1:${server === 'proxy' ? 8210 : 8220}`,
  });
}

const check = (id: string, events: LabEvent[], answer?: string) =>
  lesson.steps.find((s) => s.id === id)!.check!(context(events, answer));

describe('forward-proxy lesson checks', () => {
  it('through-the-proxy: a direct request to the origin is not enough', async () => {
    const direct = [request('news', { target: '/', headers: [['Host', '127.0.0.1:8220']] })];
    expect(await check('through-the-proxy', direct)).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('curl -x http://127.0.0.1:8210'),
    });
    const proxied = [
      request('news', {
        headers: [
          ['Host', 'news.test'],
          ['Via', '1.1 proxy-ab12cd34'],
        ],
      }),
      request('proxy', { target: 'http://news.test/', cache: 'MISS' }),
    ];
    expect(await check('through-the-proxy', proxied)).toMatchObject({ status: 'pass' });
  });

  it('who-asked: accepts the Via name with or without "1.1", and nothing else', async () => {
    const events = [
      request('news', { target: '/whoami', headers: [['Host', '127.0.0.1:8220']] }),
      request('news', { target: '/whoami', headers: [['Via', '1.1 proxy-ab12cd34']] }),
    ];
    for (const answer of ['proxy-ab12cd34', '1.1 proxy-ab12cd34', 'Via: 1.1 Proxy-AB12CD34'])
      expect((await check('who-asked', events, answer)).status, answer).toBe('pass');
    expect(await check('who-asked', events, 'squid')).toMatchObject({ status: 'fail', saw: 'answer "squid"' });
  });

  it('cache: needs a HIT with Age, then a no-cache BYPASS for the same page', async () => {
    const url = 'http://news.test/headlines';
    const miss = request('proxy', { target: url, cache: 'MISS' });
    const hit = request('proxy', { target: url, cache: 'HIT', responseHeaders: [['age', '3']] });
    expect(await check('cache', [miss])).toMatchObject({ status: 'fail', saw: expect.stringContaining('MISS') });
    expect(await check('cache', [miss, hit])).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('no-cache'),
    });
    const again = request('proxy', { target: url, cache: 'MISS' });
    expect(await check('cache', [miss, hit, again])).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('BYPASS'),
    });
    const forced = request('proxy', { target: url, cache: 'BYPASS', headers: [['Cache-Control', 'no-cache']] });
    expect(await check('cache', [miss, hit, forced])).toMatchObject({ status: 'pass' });
  });

  it('tunnel: the right code still fails without a tunnel through the proxy', async () => {
    expect(await check('tunnel', [], 'c0de5678')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('no tunnel'),
    });
    const tunnel = request('proxy', { method: 'CONNECT', target: 'secure.test:443', tunnel: true });
    expect(await check('tunnel', [tunnel], 'wrong')).toMatchObject({ status: 'fail' });
    expect(await check('tunnel', [tunnel], 'c0de5678')).toMatchObject({ status: 'pass' });
  });

  it('credentials: fails if the credentials reached the origin', async () => {
    const challenged = request('proxy', {
      door: 'auth',
      auth: 'missing',
      status: 407,
      responseHeaders: [['proxy-authenticate', 'Basic realm="x"']],
    });
    const leaked = request('news', { target: '/whoami', headers: [['Proxy-Authorization', 'Basic eA==']] });
    const admitted = request('proxy', { door: 'auth', auth: 'ok', status: 200 });
    expect(await check('credentials', [challenged])).toMatchObject({
      status: 'fail',
      expected: expect.stringContaining('learner:opensesame'),
    });
    expect(await check('credentials', [challenged, leaked, admitted])).toMatchObject({
      status: 'fail',
      expected: 'no Proxy-Authorization at the origin',
    });
    const clean = request('news', { target: '/whoami', headers: [['Via', '1.1 proxy-ab12cd34']] });
    expect(
      await check('credentials', [challenged, clean, request('proxy', { door: 'auth', auth: 'ok', status: 200 })]),
    ).toMatchObject({ status: 'pass' });
  });
});
