// Lesson 3: the reverse proxy. One proxy in front of three copies of a small app; every check
// below reads what the proxy and the apps reported (which backend answered, cache HIT or MISS,
// compressed sizes, health changes), so a step passes because the lab saw it happen.
import { fail, header, pass, sawRequests } from '../../src/engine/check-helpers.js';
import { type ContextOf, defineLesson, labServers } from '../../src/engine/types.js';
import { backendEvents, reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';

const APPS = ['app-1', 'app-2', 'app-3'] as const;

const servers = labServers([
  {
    name: 'proxy',
    role: 'reverse proxy',
    events: reverseProxyEvents,
    program: { node: '@servers/reverse-proxy/proxy.mjs' },
    port: 8300,
    extraPorts: { https: 8343 },
    env: { RP_BACKENDS: APPS.join(',') },
  },
  ...APPS.map((name, index) => ({
    name,
    role: 'app server',
    events: backendEvents,
    program: { node: '@servers/reverse-proxy/backend.mjs' },
    port: 8301 + index,
  })),
]);
type Ctx = ContextOf<typeof servers>;

/** Requests the proxy answered whose path starts with `prefix`. */
function proxied(ctx: Ctx, prefix: string) {
  return ctx.requests('proxy').filter((r) => r.target.startsWith(prefix));
}

/** Requests any of the apps received. */
function appRequests(ctx: Ctx) {
  return ctx.requests(...APPS);
}

function healthEvents(ctx: Ctx) {
  return ctx.eventsOf('proxy', 'health');
}

function isApp(name: string): boolean {
  return (APPS as readonly string[]).includes(name);
}

/** "app-1, app-2" or "none". */
function names(values: Iterable<unknown>): string {
  const list = [...new Set(values)].filter(Boolean).map(String).sort();
  return list.length ? list.join(', ') : 'none';
}

/** The first whole number in an answer such as "11008 bytes" or "11,008". */
function numberIn(answer: string | undefined): number | undefined {
  const match = /\d[\d,_ ]*/.exec(answer ?? '');
  return match ? Number(match[0].replace(/[,_ ]/g, '')) : undefined;
}

export default defineLesson({
  id: 'reverse-proxy',
  title: 'The reverse proxy',
  summary: 'One address in front of many backends: balancing, failover, caching, compression, TLS and limits.',
  layer: 'proxy',
  requires: ['curl'],
  secrets: ['bigseed'],
  servers,
  steps: [
    {
      id: 'one-address',
      // A step that shows a command to run is a probe: the lab sees whether the learner ran it.
      kind: 'probe',
      title: 'One address, many servers',
      text: 'steps/one-address.md',
      commands: ['curl -s {{proxy.url}}/proxy-status'],
      hints: ['Run the command: the proxy answers /proxy-status itself, with its backends and their state.'],
      check: async (ctx) => {
        if (ctx.requests('proxy').some((r) => r.target.startsWith('/proxy-status')))
          return pass('The proxy answered /proxy-status itself: one address, and the backends behind it.');
        return fail({
          message: 'The proxy has not seen a request for /proxy-status yet.',
          saw: sawRequests(ctx.requests('proxy')),
          expected: 'GET /proxy-status on the proxy (run the command shown)',
        });
      },
    },
    {
      id: 'rotate',
      kind: 'probe',
      title: 'Requests take turns',
      text: 'steps/rotate.md',
      commands: ['for i in 1 2 3 4 5 6; do curl -s {{proxy.url}}/whoami; done'],
      hints: [
        "Send several requests to the proxy's own port, not to an app's.",
        'Each line of the answer names the app that served it.',
      ],
      check: async (ctx) => {
        const answered = ctx.requests('proxy').filter((r) => r.status === 200 && typeof r.backend === 'string');
        const seen = new Set(answered.map((r) => r.backend as string));
        const upApps = ctx.servers.filter((s) => isApp(s.name) && s.state === 'up').length;
        const wanted = Math.max(2, Math.min(3, upApps));
        if (seen.size >= wanted) {
          return pass(
            `The proxy spread your ${answered.length} requests over ${names(seen)}: one address, several backends taking the work.`,
          );
        }
        return fail({
          message:
            answered.length === 0
              ? 'The proxy has not passed any request to a backend yet.'
              : `Only ${seen.size} backend${seen.size === 1 ? '' : 's'} answered so far.`,
          saw: answered.length
            ? `backends ${names(seen)} for ${answered.length} requests`
            : sawRequests(ctx.requests('proxy')),
          expected: `requests through the proxy answered by at least ${wanted} different backends`,
        });
      },
    },
    {
      id: 'failover',
      kind: 'drill',
      title: 'A backend dies, the site stays up',
      text: 'steps/failover.md',
      commands: [
        '{{tutor}} ctl reverse-proxy stop app-2',
        "for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' {{proxy.url}}/whoami; done; echo",
        'curl -s {{proxy.url}}/proxy-status',
        '{{tutor}} ctl reverse-proxy start app-2',
      ],
      hints: [
        'Stop one app with `{{tutor}} ctl reverse-proxy stop app-2` (or from the lab panel).',
        'Then send requests through the proxy: they should all still be 200.',
        'Finally bring the app back with `{{tutor}} ctl reverse-proxy start app-2`.',
      ],
      timeoutMs: 8000,
      check: async (ctx) => {
        const down = healthEvents(ctx).find((e) => e.state === 'down');
        if (!down) {
          return fail({
            message: 'The proxy has not marked any backend down yet.',
            saw: `health events: ${names(healthEvents(ctx).map((e) => `${e.backend} ${e.state}`))}`,
            expected: 'a stopped app, noticed by the proxy (a health event "down")',
          });
        }
        // Only requests answered while the backend was out count: between a "down" event and the
        // next "up" for the same backend. Requests sent after it came back prove nothing.
        const windows = healthEvents(ctx)
          .filter((e) => e.state === 'down')
          .map((d) => {
            const upAgain = healthEvents(ctx).find((e) => e.backend === d.backend && e.state === 'up' && e.seq > d.seq);
            const during = ctx
              .requests('proxy')
              .filter((r) => r.seq > d.seq && (!upAgain || r.seq < upAgain.seq) && typeof r.backend === 'string');
            return { down: d, upAgain, during, ok: during.filter((r) => r.status === 200) };
          });
        const best = windows.reduce((a, b) => (b.ok.length > a.ok.length ? b : a));
        const dead = String(best.down.backend);
        const { during: after, ok } = best;
        if (ok.length < 3) {
          return fail({
            message: `The proxy marked ${dead} down, but answered only ${ok.length} request${ok.length === 1 ? '' : 's'} with 200 while it was down${best.upAgain ? `; ${dead} is back in rotation now, so requests from here on do not count` : ''}.`,
            saw: after.length
              ? after
                  .slice(-6)
                  .map((r) => r.status)
                  .join(' ')
              : `no requests while ${dead} was down`,
            expected: best.upAgain
              ? `requests through the proxy while an app is stopped: stop ${dead} again ({{tutor}} ctl reverse-proxy stop ${dead}), then send the six requests before starting it`
              : 'at least three requests through the proxy answered 200 while it is down',
          });
        }
        const back = ctx.servers.find((s) => s.name === dead)?.state === 'up';
        if (!back) {
          return fail({
            message: `The site stayed up without ${dead}: ${ok.length} answers with 200. Now bring ${dead} back.`,
            saw: `${dead} is ${ctx.servers.find((s) => s.name === dead)?.state ?? 'missing'}`,
            expected: `${dead} running again ({{tutor}} ctl reverse-proxy start ${dead})`,
          });
        }
        const seenUp = healthEvents(ctx).some((e) => e.backend === dead && e.state === 'up' && e.seq > best.down.seq);
        return pass(
          `${dead} went down (${String(best.down.via)} detection), ${ok.length} requests still got 200 from ${names(ok.map((r) => r.backend))}, and ${dead} is running again` +
            (seenUp
              ? ': the health checks already put it back in rotation.'
              : ': the next health check puts it back in rotation.'),
        );
      },
    },
    {
      id: 'request-id',
      kind: 'answer',
      title: 'One id, in every log',
      text: 'steps/request-id.md',
      commands: ['curl -s -i {{proxy.url}}/headers'],
      hints: [
        "The backend's answer lists every header it received, as JSON.",
        'Look for X-Request-Id, in the JSON or in the response headers above it.',
      ],
      check: async (ctx) => {
        // A pasted header line ("X-Request-Id: 3f9c…") or JSON line counts: the id is its hex run.
        const typed = (ctx.answer ?? '').trim().toLowerCase();
        const answer = /\b[0-9a-f]{16}\b/.exec(typed)?.[0] ?? typed;
        const seenByApps = appRequests(ctx).filter((r) => typeof r.requestId === 'string');
        const match = seenByApps.find((r) => r.requestId === answer);
        if (match)
          return pass(
            `Yes: ${match.server} received request id ${answer}, the same id the proxy returned to you. Both logs can now be matched.`,
          );
        return fail({
          message: answer
            ? 'No backend received a request with that id during this step.'
            : 'Type the request id you found.',
          saw: answer
            ? `answer "${answer}"; the backends saw ${seenByApps.length} request${seenByApps.length === 1 ? '' : 's'} since this step began`
            : 'no answer',
          expected: 'the X-Request-Id value from your request to /headers (16 hex digits)',
        });
      },
      solve: async (ctx) => {
        const { stdout } = await ctx.run('curl -s -i {{proxy.url}}/headers');
        return /"X-Request-Id":\s*"([0-9a-f]+)"/i.exec(stdout)?.[1] ?? '';
      },
    },
    {
      id: 'compression',
      kind: 'answer',
      title: 'Smaller on the wire',
      text: 'steps/compression.md',
      commands: [
        'curl -s {{proxy.url}}/big | wc -c',
        "curl -s -H 'Accept-Encoding: gzip' {{proxy.url}}/big | wc -c",
        "curl -s -H 'Accept-Encoding: br' {{proxy.url}}/big | wc -c",
      ],
      hints: [
        'Without Accept-Encoding you get the plain bytes; with it, the proxy compresses.',
        'wc -c counts the bytes curl received. curl only decompresses when you add --compressed.',
      ],
      check: async (ctx) => {
        const bigs = proxied(ctx, '/big').filter((r) => r.status === 200);
        const gzipSizes = new Set(bigs.filter((r) => r.encoding === 'gzip').map((r) => Number(r.compressedBytes)));
        const answer = numberIn(ctx.answer);
        if (gzipSizes.size === 0) {
          return fail({
            message: 'The proxy has not sent /big with gzip during this step.',
            saw: bigs.length
              ? `/big sent as ${names(bigs.map((r) => r.encoding ?? 'plain'))}`
              : sawRequests(ctx.requests('proxy')),
            expected: "a request for /big with 'Accept-Encoding: gzip'",
          });
        }
        if (answer !== undefined && gzipSizes.has(answer)) {
          const plain = Number(bigs.find((r) => r.encoding === 'gzip')?.plainBytes);
          return pass(
            `Right: ${answer} bytes with gzip instead of ${plain}, ${Math.round((answer / plain) * 1000) / 10}% of the plain size.`,
          );
        }
        const plainSizes = new Set(bigs.map((r) => Number(r.plainBytes)));
        const brSizes = new Set(bigs.filter((r) => r.encoding === 'br').map((r) => Number(r.compressedBytes)));
        const why =
          answer === undefined
            ? 'That is not a number of bytes.'
            : plainSizes.has(answer)
              ? 'That is the plain size, before compression.'
              : brSizes.has(answer)
                ? 'That is the brotli size; the question asks for gzip.'
                : 'That is not the size the proxy sent with gzip.';
        return fail({
          message: why,
          saw: `answer "${ctx.answer ?? ''}"`,
          expected: 'the byte count of /big fetched with Accept-Encoding: gzip',
        });
      },
      solve: async (ctx) => {
        await ctx.run('curl -s {{proxy.url}}/big | wc -c');
        const { stdout } = await ctx.run("curl -s -H 'Accept-Encoding: gzip' {{proxy.url}}/big | wc -c");
        await ctx.run("curl -s -H 'Accept-Encoding: br' {{proxy.url}}/big | wc -c");
        return stdout.trim();
      },
    },
    {
      id: 'cache',
      kind: 'probe',
      title: 'The second time is free',
      text: 'steps/cache.md',
      commands: [
        "curl -s -D - -o /dev/null -w 'took %{time_total} s\\n' {{proxy.url}}/slow",
        "curl -s -D - -o /dev/null -w 'took %{time_total} s\\n' {{proxy.url}}/slow",
      ],
      hints: [
        'Ask for /slow twice within a minute.',
        'A request with "Cache-Control: no-cache" tells the proxy not to answer from its copy without asking the app; this proxy simply asks the app again.',
      ],
      check: async (ctx) => {
        const slows = proxied(ctx, '/slow');
        const hit = slows.find((r) => r.cache === 'HIT');
        if (hit) {
          const miss = slows.find((r) => r.cache === 'MISS' || r.cache === 'BYPASS'); // both went to an app
          const timing = miss
            ? ` (${Math.round(Number(miss.durationMs))} ms from the app, ${Math.round(Number(hit.durationMs))} ms from the cache)`
            : '';
          return pass(`The proxy answered /slow from its cache: X-Cache: HIT, and no backend was asked${timing}.`);
        }
        return fail({
          message: !slows.length
            ? 'The proxy has not seen a request for /slow yet.'
            : slows.every((r) => r.cache === 'BYPASS')
              ? 'Every /slow asked for a fresh answer (X-Cache: BYPASS, from Cache-Control: no-cache or max-age=0), so the proxy asked an app each time. Ask twice without that header.'
              : 'Every /slow went to a backend so far.',
          saw: slows.length
            ? `X-Cache ${slows.map((r) => r.cache ?? '-').join(', ')}`
            : sawRequests(ctx.requests('proxy')),
          expected: 'a second request for /slow answered from the cache (X-Cache: HIT)',
        });
      },
    },
    {
      id: 'static',
      kind: 'probe',
      title: 'Files the app never sees',
      text: 'steps/static.md',
      commands: [
        'curl -s -i {{proxy.url}}/static/index.html',
        `etag=$(curl -s -I {{proxy.url}}/static/index.html | tr -d '\\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'); curl -s -o /dev/null -w '%{http_code}\\n' -H "If-None-Match: $etag" {{proxy.url}}/static/index.html`,
        'curl -s -i --path-as-is {{proxy.url}}/static/../proxy.mjs',
      ],
      hints: ['Everything under /static/ comes from the static folder in your workspace.'],
      check: async (ctx) => {
        const files = proxied(ctx, '/static/').filter(
          (r) => r.static === true && (r.status === 200 || r.status === 304),
        );
        const leaked = appRequests(ctx).filter((r) => r.target.startsWith('/static/'));
        if (leaked.length)
          return fail({
            message: 'A backend received a /static/ request: the proxy should have answered it.',
            saw: sawRequests(leaked),
            expected: 'static files served by the proxy alone',
          });
        if (files.length)
          return pass(`The proxy served ${files[0]!.target} from its folder (${files[0]!.status}); no backend saw it.`);
        return fail({
          message: 'The proxy has not served a static file yet.',
          saw: sawRequests(proxied(ctx, '/static/')),
          expected: 'GET /static/index.html answered 200 by the proxy',
        });
      },
    },
    {
      id: 'rate-limit',
      kind: 'drill',
      title: 'Too many requests',
      text: 'steps/rate-limit.md',
      commands: [
        "for i in $(seq 1 10); do curl -s -o /dev/null -w '%{http_code} ' {{proxy.url}}/api/quote; done; echo",
        'curl -s -i {{proxy.url}}/api/quote',
      ],
      hints: [
        'Send more than five requests to /api/quote within a second or two.',
        'curl -i shows the Retry-After header of a 429.',
      ],
      check: async (ctx) => {
        const api = proxied(ctx, '/api/');
        const limited = api.filter((r) => r.status === 429);
        if (limited.length) {
          const retryAfter = header(limited[0]!.responseHeaders, 'retry-after');
          return pass(
            `The proxy refused ${limited.length} of your ${api.length} requests with 429 and Retry-After: ${retryAfter}; the app never saw those.`,
          );
        }
        return fail({
          message: api.length
            ? `All ${api.length} requests to /api/ were let through.`
            : 'The proxy has not seen a request for /api/ yet.',
          saw: api.length ? `statuses ${api.map((r) => r.status).join(' ')}` : sawRequests(ctx.requests('proxy')),
          expected: 'a burst to /api/quote that empties the bucket and gets 429',
        });
      },
    },
    {
      id: 'body-limit',
      kind: 'drill',
      title: 'A body too large',
      text: 'steps/body-limit.md',
      commands: [
        'head -c 2000000 /dev/zero | curl -s -i --data-binary @- {{proxy.url}}/upload',
        "head -c 2000000 /dev/zero | curl -s -i -H 'Transfer-Encoding: chunked' --data-binary @- {{proxy.url}}/upload",
        'head -c 1000 /dev/zero | curl -s --data-binary @- {{proxy.url}}/upload',
      ],
      hints: ['The limit is 1 MiB (1048576 bytes). Send more.'],
      check: async (ctx) => {
        const refused = ctx.requests('proxy').filter((r) => r.status === 413);
        if (refused.length) {
          const how = names(
            refused.map((r) =>
              r.bodyLimit === 'streamed'
                ? 'a chunked body, held at the proxy and counted as it arrived'
                : 'an announced Content-Length, refused before reading a byte',
            ),
          );
          return pass(
            `The proxy answered 413 Content Too Large: ${how}. No app received any of those bodies: the proxy sends a body on only once it is complete and within the limit.`,
          );
        }
        const bodies = ctx.requests('proxy').filter((r) => r.method === 'POST' || r.method === 'PUT');
        return fail({
          message: bodies.length
            ? 'Your bodies were all within the limit.'
            : 'The proxy has not seen a request with a body yet.',
          saw: bodies.length ? sawRequests(bodies) : sawRequests(ctx.requests('proxy')),
          expected: 'a POST with a body over 1 MiB, answered 413',
        });
      },
    },
    {
      id: 'tls',
      kind: 'probe',
      title: 'HTTPS ends at the proxy',
      text: 'steps/tls.md',
      commands: ['curl -s --cacert {{workspace}}/lab-ca.pem {{proxy.https-url}}/headers'],
      hints: [
        'The proxy has a second port for HTTPS; the CA file lab-ca.pem is in your workspace folder.',
        'The URL must start with https://: plain http:// to port {{proxy.https}} gets no answer at all (curl exits with 52, "Empty reply from server"), and the lab records nothing.',
        'Look for X-Forwarded-Proto in what the backend received.',
      ],
      check: async (ctx) => {
        const secure = ctx.requests('proxy').filter((r) => r.proto === 'https' && typeof r.backend === 'string');
        const ids = new Set(secure.map((r) => r.requestId));
        const behind = appRequests(ctx).find((r) => typeof r.requestId === 'string' && ids.has(r.requestId));
        if (behind) {
          const proto = header(behind.headers, 'x-forwarded-proto');
          if (proto === 'https') {
            return pass(
              `You spoke HTTPS to the proxy; ${behind.server} got plain HTTP with X-Forwarded-Proto: https, so it still knows the client used TLS.`,
            );
          }
          return fail({
            message: 'The request came in over HTTPS, but the backend was not told.',
            saw: `X-Forwarded-Proto: ${proto ?? 'missing'}`,
            expected: 'X-Forwarded-Proto: https at the backend',
          });
        }
        return fail({
          message: 'The proxy has not passed an HTTPS request to a backend yet.',
          saw: sawRequests(ctx.requests('proxy')),
          expected: `a request to ${ctx.url('proxy', 'https')} (HTTPS) that reaches a backend`,
        });
      },
    },
    {
      id: 'buffering',
      kind: 'read',
      title: 'What else stands in front',
      text: 'steps/buffering.md',
    },
  ],
});
