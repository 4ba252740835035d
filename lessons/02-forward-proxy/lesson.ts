// Lesson 2: the forward proxy. The lab is one proxy (src/servers/forward-proxy/proxy.mjs) and
// three sites behind it (origin.mjs): news.test, blocked.test and secure.test (HTTPS). Only the
// proxy can resolve those names. Every check reads what the proxy and the sites reported.
import { describeRequest, fail, header, pass, sawRequests } from '../../src/engine/check-helpers.js';
import { defineLesson, type ContextOf, type LabEventOf, labServers } from '../../src/engine/types.js';
import { forwardOriginEvents, forwardProxyEvents } from '../../src/servers/forward-proxy/events.js';

type ProxyRequest = LabEventOf<typeof forwardProxyEvents, 'request'>;

/** The name the proxy signs in Via: the same rule as proxyName() in rules.mjs. */
function viaName(secret: string | undefined): string {
  return `proxy-${(secret ?? '')
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 10)
    .toLowerCase()}`;
}

/** "GET http://news.test/ → 200 MISS": a proxy request with what the proxy did about it. */
function describeProxied(request: ProxyRequest): string {
  const verdict = request.blocked ? 'blocked' : (request.cache ?? (request.tunnel ? 'tunnel' : ''));
  return `${describeRequest(request)}${verdict ? ` ${String(verdict)}` : ''}`;
}

function sawProxied(requests: ProxyRequest[], count = 3): string {
  return requests.length ? requests.slice(-count).map(describeProxied).join('; ') : 'no requests yet';
}

const servers = labServers([
  {
    name: 'proxy',
    role: 'forward proxy (auth port: needs credentials)',
    events: forwardProxyEvents,
    program: { node: '@servers/forward-proxy/proxy.mjs' },
    port: 8210,
    extraPorts: { auth: 8211 },
  },
  {
    name: 'news',
    role: 'origin: news.test',
    events: forwardOriginEvents,
    program: { node: '@servers/forward-proxy/origin.mjs' },
    port: 8220,
  },
  {
    name: 'blocked',
    role: 'origin: blocked.test (filtered)',
    events: forwardOriginEvents,
    program: { node: '@servers/forward-proxy/origin.mjs' },
    port: 8221,
  },
  {
    name: 'secure',
    role: 'origin: secure.test (HTTPS)',
    events: forwardOriginEvents,
    program: { node: '@servers/forward-proxy/origin.mjs', args: ['--tls'] },
    port: 8222,
    scheme: 'https',
  },
]);
type Ctx = ContextOf<typeof servers>;

const mainDoor = (ctx: Ctx) => ctx.requests('proxy').filter((r) => r.door !== 'auth');

export default defineLesson({
  id: 'forward-proxy',
  title: 'The forward proxy',
  summary: 'A proxy on the client side: absolute-form requests, Via, caching, filtering, CONNECT and 407.',
  layer: 'client',
  requires: ['curl'],
  secrets: ['viaName', 'secureCode'],
  servers,
  steps: [
    {
      id: 'through-the-proxy',
      kind: 'probe',
      title: 'Through the proxy, and not without it',
      text: 'steps/through-the-proxy.md',
      commands: ['curl -sS http://news.test/; echo "curl exit code: $?"', 'curl -v -x {{proxy.url}} http://news.test/'],
      hints: [
        'Exit code 6 means curl could not resolve the name: your machine does not know news.test.',
        '-x (or --proxy) sends the request to the proxy; in -v output the request line now holds the whole URL.',
      ],
      check: async (ctx) => {
        const proxied = mainDoor(ctx).filter((r) => r.target.toLowerCase().startsWith('http://news.test'));
        const served = proxied.find((r) => r.status !== null && r.status < 400);
        if (served) {
          const atOrigin = ctx.requests('news').find((r) => header(r.headers, 'via'));
          return pass(
            `The proxy received "${served.method} ${served.target}" (absolute-form) and fetched it from news.test.`,
            atOrigin
              ? [
                  `news.test saw "${atOrigin.method} ${atOrigin.target}" with Host: ${header(atOrigin.headers, 'host')}: origin-form, as a direct request has it, plus the proxy's Via.`,
                ]
              : undefined,
          );
        }
        if (proxied.length)
          return fail({
            message: 'The proxy saw your request for news.test but could not serve it.',
            saw: sawProxied(proxied),
            expected: 'GET http://news.test/ answered 200',
          });
        return fail({
          message: 'The proxy has not fetched news.test for you yet.',
          saw: sawProxied(ctx.requests('proxy')),
          expected: `GET http://news.test/ sent to the proxy (curl -x ${ctx.url('proxy')} http://news.test/)`,
        });
      },
    },
    {
      id: 'who-asked',
      kind: 'answer',
      title: 'What the origin saw',
      text: 'steps/who-asked.md',
      commands: ['curl -sS {{news.url}}/whoami', 'curl -sS -x {{proxy.url}} http://news.test/whoami'],
      hints: [
        'Compare the "from:" lines: whose port is that, yours or the proxy\'s?',
        'Only one of the two requests arrived with a Via header. Type the name after "1.1".',
      ],
      check: async (ctx) => {
        const expected = viaName(ctx.secrets.viaName);
        const given = (ctx.answer ?? '')
          .toLowerCase()
          .replace(/^via:\s*/, '')
          .replace(/^1\.1\s+/, '')
          .trim();
        const whoami = ctx.requests('news').filter((r) => r.target.startsWith('/whoami'));
        const direct = whoami.find((r) => !header(r.headers, 'via'));
        const proxied = whoami.find((r) => header(r.headers, 'via'));
        // The name was already on screen in the first step (-v shows the response's Via): the
        // step is the comparison, so both requests of this step must have happened.
        if (given === expected && proxied && direct) {
          const details = [
            direct ? `Directly, news.test saw a connection from ${direct.remote}: curl's own.` : undefined,
            proxied
              ? `Through the proxy it saw ${proxied.remote}: the proxy's connection, with Via: ${header(proxied.headers, 'via')}.`
              : undefined,
          ].filter((line): line is string => line !== undefined);
          return pass(`Yes: this run's proxy signs itself "${expected}" in Via.`, details);
        }
        if (!proxied || !direct) {
          const missing = [
            direct ? undefined : `curl -sS ${ctx.url('news')}/whoami (directly, without the proxy)`,
            proxied ? undefined : `curl -sS -x ${ctx.url('proxy')} http://news.test/whoami (through the proxy)`,
          ]
            .filter((command) => command !== undefined)
            .join(' and ');
          return fail({
            message:
              given === expected
                ? 'That is the name, but this step is the comparison: news.test has not seen both requests yet.'
                : ctx.answer
                  ? `That is not the name, and news.test has not seen a request ${!proxied && !direct ? 'for /whoami' : !proxied ? 'through the proxy' : 'directly'} yet.`
                  : 'Type the name the proxy wrote in Via.',
            saw: `answer "${ctx.answer ?? ''}"; news.test saw ${sawRequests(whoami)}`,
            expected: `both /whoami requests, so you can compare them; still missing: ${missing}`,
          });
        }
        return fail({
          message: "That is not the name this run's proxy signs in Via.",
          saw: `answer "${ctx.answer ?? ''}"`,
          expected: `the name after "1.1" in "Via:" on the /whoami that came through the proxy`,
        });
      },
      solve: async (ctx) => {
        await ctx.run('curl -sS {{news.url}}/whoami');
        const { stdout } = await ctx.run('curl -sS -x {{proxy.url}} http://news.test/whoami');
        return /^\s*via:\s*1\.1\s+(\S+)/im.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'cache',
      kind: 'probe',
      title: 'A cache for everyone behind the proxy',
      text: 'steps/cache.md',
      commands: [
        'http_proxy={{proxy.url}} curl -si http://news.test/headlines http://news.test/headlines',
        "curl -si -x {{proxy.url}} -H 'Cache-Control: no-cache' http://news.test/headlines",
      ],
      hints: [
        'The first command asks twice in one go: compare X-Cache and Age in the two answers.',
        'Age: 0 means the copy is less than a second old. Run the command again after a few seconds and watch Age grow.',
        'curl ignores HTTP_PROXY in capitals for http:// URLs; http_proxy in lower case works.',
        'Cache-Control: no-cache in a request means "not from a stored copy without asking the origin"; this proxy simply fetches again.',
      ],
      check: async (ctx) => {
        const gets = mainDoor(ctx).filter(
          (r) => r.method === 'GET' && r.target.toLowerCase().startsWith('http://news.test'),
        );
        const hit = gets.find((r) => r.cache === 'HIT' && header(r.responseHeaders, 'age') !== undefined);
        if (!hit) {
          return fail({
            message: 'No request has been answered from the proxy cache yet.',
            saw: sawProxied(gets),
            expected: 'the same page asked twice: the second answer X-Cache: HIT, with an Age header',
          });
        }
        // BYPASS: the request itself told the cache not to answer from its copy (no-cache).
        const forced = gets.find((r) => r.seq > hit.seq && r.target === hit.target && r.cache === 'BYPASS');
        if (!forced) {
          return fail({
            message: `The cache answered ${hit.target} (Age: ${header(hit.responseHeaders, 'age')}), but no request has told it to go back to the origin since.`,
            saw: sawProxied(gets),
            expected: `a request for ${hit.target} with Cache-Control: no-cache, answered X-Cache: BYPASS`,
          });
        }
        return pass(
          `The proxy served ${hit.target} from its cache (Age: ${header(hit.responseHeaders, 'age')}), and went back to news.test when your request said no-cache.`,
        );
      },
    },
    {
      id: 'blocked',
      kind: 'probe',
      title: 'The filter list',
      text: 'steps/blocked.md',
      commands: ['curl -si -x {{proxy.url}} http://blocked.test/', 'curl -si {{blocked.url}}/'],
      hints: ['The 403 page names who wrote it, and X-Proxy-Error says why.'],
      check: async (ctx) => {
        const refused = mainDoor(ctx).find((r) => r.blocked === true && r.status === 403);
        if (refused) {
          const reached = ctx.requests('blocked').filter((r) => header(r.headers, 'via')).length;
          return pass(
            `The proxy refused ${refused.target} with its own 403 page; blocked.test received ${reached} request${reached === 1 ? '' : 's'} through the proxy.`,
          );
        }
        return fail({
          message: 'The proxy has not refused a blocked site yet.',
          saw: sawProxied(ctx.requests('proxy')),
          expected: 'GET http://blocked.test/ through the proxy, answered 403 by the proxy itself',
        });
      },
    },
    {
      id: 'tunnel',
      kind: 'answer',
      title: 'HTTPS through a CONNECT tunnel',
      text: 'steps/tunnel.md',
      commands: [
        'https_proxy={{proxy.url}} curl -v --cacert {{workspace}}/ca.pem https://secure.test/',
        'tail -n 3 {{workspace}}/proxy-access.log',
      ],
      hints: [
        'In the -v output, find the CONNECT line and the "200 Connection established" answer.',
        'The code is in the page body, which travelled inside TLS.',
      ],
      check: async (ctx) => {
        const tunnels = mainDoor(ctx).filter(
          (r) => r.method === 'CONNECT' && r.tunnel === true && /^secure\.test:443$/i.test(r.target),
        );
        const code = ctx.secrets.secureCode ?? '';
        // Hex digits: "C0DE5678" is the same code as "c0de5678".
        if (!ctx.answer || ctx.answer.toLowerCase() !== code.toLowerCase()) {
          return fail({
            message: ctx.answer
              ? "That is not the code on secure.test's page."
              : "Type the code from secure.test's page.",
            saw: `answer "${ctx.answer ?? ''}"; the proxy saw ${sawProxied(mainDoor(ctx))}`,
            expected: 'the code printed in the body of https://secure.test/, fetched through the proxy',
          });
        }
        if (!tunnels.length) {
          return fail({
            message: 'That is the code, but the proxy opened no tunnel to secure.test in this step.',
            saw: sawProxied(mainDoor(ctx)),
            expected: `CONNECT secure.test:443 through the proxy (curl -x ${ctx.url('proxy')} https://secure.test/)`,
          });
        }
        const closed = ctx.eventsOf('proxy', 'tunnel').find((e) => e.target === tunnels[0]!.target);
        return pass('Right. The proxy carried that code without being able to read it.', [
          `All it logged: CONNECT ${tunnels[0]!.target}${closed ? `, ${closed.bytesUp} bytes up and ${closed.bytesDown} down` : ''}, and the CONNECT request's own headers. No path, no page, no code.`,
        ]);
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run(
          'https_proxy={{proxy.url}} curl -v --cacert {{workspace}}/ca.pem https://secure.test/',
        );
        await ctx.run('tail -n 3 {{workspace}}/proxy-access.log');
        return /Your code:\s*(\S+)/.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'credentials',
      kind: 'probe',
      title: 'Proxy credentials and 407',
      text: 'steps/credentials.md',
      commands: [
        'curl -si -x {{proxy.auth-url}} http://news.test/whoami',
        'curl -si -x {{proxy.auth-url}} -U learner:opensesame http://news.test/whoami',
      ],
      hints: [
        '407 is the proxy asking, 401 would be the site asking: look at Proxy-Authenticate.',
        '-U (--proxy-user) gives credentials to the proxy; -u would give them to the site.',
      ],
      check: async (ctx) => {
        const staff = ctx.requests('proxy').filter((r) => r.door === 'auth');
        const challenged = staff.find((r) => r.status === 407 && header(r.responseHeaders, 'proxy-authenticate'));
        if (!challenged) {
          return fail({
            message: "The proxy's auth port has not asked anyone for credentials yet.",
            saw: sawProxied(staff),
            expected: 'a request to the auth port without credentials, answered 407 with Proxy-Authenticate',
          });
        }
        const admitted = staff.find(
          (r) => r.seq > challenged.seq && r.auth === 'ok' && r.status !== null && r.status < 400,
        );
        if (!admitted) {
          const wrong = staff.filter((r) => r.auth === 'wrong').length;
          // -u instead of -U: curl sent the credentials to the site (Authorization), not to the proxy.
          const last = staff.at(-1);
          const forSite = last?.auth === 'missing' && header(last.headers, 'authorization') !== undefined;
          return fail({
            message: forSite
              ? 'Your last request carried Authorization, the header for the site (curl -u), but no Proxy-Authorization, so the proxy asked again with 407. Give the proxy its credentials with -U (--proxy-user).'
              : `The proxy answered 407${wrong ? `, and ${wrong} attempt${wrong === 1 ? ' had' : 's had'} wrong credentials` : ''}; no request with the right ones has come through since.`,
            saw: sawProxied(staff),
            expected: 'the same request again with -U learner:opensesame, answered by news.test',
          });
        }
        const atOrigin = ctx
          .requests('news')
          .filter((r) => r.seq < admitted.seq)
          .at(-1);
        if (atOrigin && header(atOrigin.headers, 'proxy-authorization')) {
          return fail({
            message:
              'The credentials reached news.test: this proxy should have consumed them, as the proxy that asked for them.',
            saw: describeRequest(atOrigin),
            expected: 'no Proxy-Authorization at the origin',
          });
        }
        return pass(
          'The proxy asked with 407, you answered with Proxy-Authorization, and it kept the credentials to itself: news.test never saw them.',
        );
      },
    },
  ],
});
