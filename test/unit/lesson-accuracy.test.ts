// What a spec reviewer found wrong in the step texts (issue 9), kept from coming back. Each case
// names the claim that was false or misleading, the source that says otherwise, and a phrase the
// corrected text must keep. Texts are normalised to single spaces, so line breaks do not matter.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';

const catalog = await loadCatalog();

/** Every step text of a lesson (or one step), and its hints, as one line of text. */
function text(lessonId: string, stepId?: string): string {
  const lesson = catalog.lessons.find((l) => l.id === lessonId);
  if (!lesson) throw new Error(`no lesson ${lessonId}`);
  const steps = lesson.steps.filter((s) => !stepId || s.id === stepId);
  if (!steps.length) throw new Error(`no step ${stepId} in ${lessonId}`);
  return steps
    .flatMap((s) => [lesson.texts[s.id] ?? '', ...(s.hints ?? [])])
    .join(' ')
    .replace(/\s+/g, ' ');
}

interface Claim {
  where: [lesson: string, step?: string];
  /** Why the old text was wrong, with its source. */
  why: string;
  wrong?: RegExp;
  right?: RegExp;
}

const claims: Claim[] = [
  {
    where: ['http-basics', 'anatomy'],
    why: 'RFC 9112 §6.3: a response body can also end when the connection closes',
    wrong: /end is told in one of two ways/,
    right: /server closing the connection/,
  },
  {
    where: ['http-basics', 'status-line'],
    why: 'RFC 9110 §8.6: a 304 may carry Content-Length; the origin refuses 1xx',
    wrong: /any code you ask for|\(like a 304\) ends at the empty line, with no body and no `Content-Length`/,
    right: /304[^.]*may carry a `Content-Length`/,
  },
  {
    where: ['http-basics', 'own-header'],
    why: 'HTTP/2 and HTTP/3 lower-case field names; WSGI servers turn them into HTTP_* keys',
    wrong: /they are passed along as sent/,
    right: /HTTP\/2 and HTTP\/3 send every name in lower case/,
  },
  {
    where: ['forward-proxy', 'through-the-proxy'],
    why: 'the proxy adds Via and drops hop-by-hop fields: not "exactly as if you had asked"',
    wrong: /exactly as if you had asked the site yourself/,
    right: /adds a `Via` header/,
  },
  {
    where: ['forward-proxy', 'cache'],
    why: 'RFC 9111 §5.1 (Age) and §5.2.1.4 (request no-cache means "not without validating")',
    wrong: /how many seconds ago it got the copy|"do not answer (me )?from a stored copy"|src\/servers/,
    right: /without checking with the origin first/,
  },
  {
    where: ['forward-proxy', 'credentials'],
    why: 'most explicit proxies are plain HTTP with Negotiate/NTLM, not TLS',
    wrong: /Real networks talk to their proxy over TLS/,
    right: /NTLM/,
  },
  {
    where: ['forward-proxy', 'tunnel'],
    why: 'a tunnel also shows the CONNECT headers, the client address and SNI; TLS-intercepting proxies exist',
    wrong: /All it ever learns is what was on the CONNECT line/,
    right: /ssl-bump/,
  },
  {
    where: ['reverse-proxy', 'request-id'],
    why: "Gunicorn's forwarded_allow_ips trusts scheme headers; it never rewrites REMOTE_ADDR",
    wrong: /Gunicorn's `forwarded_allow_ips`, nginx's/,
    right: /never replaces `REMOTE_ADDR`/,
  },
  {
    where: ['reverse-proxy', 'cache'],
    why: 'RFC 9111 §5.2.2.9: public is not needed for a response already cacheable; §5.1 Age',
    wrong: /`public` allows shared caches|seconds since the copy was made/,
    right: /`public` adds nothing/,
  },
  {
    where: ['reverse-proxy', 'rotate'],
    why: 'names a source file a learner cannot open from an installed tutor',
    wrong: /balancer\.mjs/,
  },
  {
    where: ['wsgi', 'which-worker'],
    why: 'the workers poll() a shared non-blocking listener: every idle one wakes (thundering herd)',
    wrong: /the kernel wakes one of the waiting workers/,
    right: /thundering herd/,
  },
  {
    where: ['wsgi', 'middleware'],
    why: 'Django middleware is a Django layer (get_response, HttpRequest), not WSGI middleware',
    wrong: /Flask's and Django's middleware/,
    right: /get_response/,
  },
  {
    where: ['wsgi', 'two-rounds'],
    why: 'WSGI concurrency also comes from greenlet workers; "next lesson" promises a lesson this version may lack',
    wrong: /next lesson/,
    right: /gevent/,
  },
  {
    where: ['wsgi', 'environ-header'],
    why: 'older Gunicorns (Debian 12 ships 20.1) pass underscore headers on',
    right: /Debian 12 ships 20\.1/,
  },
  {
    where: ['wsgi', 'calling-convention'],
    why: 'curriculum seed mistake: Tornado, CherryPy and Twisted Web are not WSGI servers like Gunicorn',
    wrong: /src\/servers/,
    right: /Tornado and Twisted are asynchronous networking frameworks/,
  },
  {
    where: ['wsgi', 'hello-json'],
    why: 'wsgiref.validate is stricter than PEP 3333; under Gunicorn there is no validator',
    wrong: /which checks the rules of PEP 3333 as the request goes through;/,
    right: /stricter than PEP 3333/,
  },
  {
    where: ['wsgi', 'environ-header'],
    why: "the /environ dump shows keys beyond PEP 3333's list: wsgi.input_terminated is a later convention, gateway_tutor.* the server's own (PEP 3333: server-defined keys take a prefix unique to the server)",
    right: /`wsgi\.input_terminated` \(a later convention, not in PEP 3333.*prefix unique to it/,
  },
  {
    where: ['wsgi', 'which-worker'],
    why: 'the lab answers Connection: keep-alive, Gunicorn sync workers always Connection: close (Gunicorn docs: the sync worker does not support persistent connections)',
    right: /Gunicorn's sync workers never keep a connection/,
  },
  {
    where: ['wsgi', 'hello-json'],
    why: 'wsgi_worker.py validate_next: past 100 requests in one second a worker validates one in 64, not every request',
    right: /one request in 64/,
  },
  {
    where: ['reverse-proxy', 'failover'],
    why: 'RFC 9110 §9.2.2: after a refused connection nothing was sent, so any method may be retried',
    wrong: /only safe because GET/,
    right: /safe for any method, a POST included/,
  },
  {
    where: ['reverse-proxy', 'failover'],
    why: 'RFC 9110 §9.2.2: "A proxy MUST NOT automatically retry non-idempotent requests"; its client clause is no licence for a proxy',
    wrong: /lets a client repeat even a non-idempotent request/,
    right: /not a repeat but its first trip/,
  },
  {
    where: ['reverse-proxy', 'buffering'],
    why: 'nginx health_check is NGINX Plus; limit_req answers 503 by default without Retry-After; caches hold whole bodies',
    wrong: /never holds a whole body/,
    right: /limit_req_status 429/,
  },
  {
    where: ['reverse-proxy', 'body-limit'],
    why: 'a chunked body over the limit must not reach the app (the proxy holds bodies, as nginx does)',
    wrong: /bytes are counted as they stream past/,
    right: /proxy_request_buffering on/,
  },
  {
    where: ['wsgi', 'under-gunicorn'],
    why: 'under Gunicorn there is no validator: say what the starter bug really looks like there',
    right: /closes the connection/,
  },
  {
    where: ['fastcgi', 'kill-worker'],
    why: 'the front resends a bodiless GET whose kept-alive connection died with nothing back (the lab showed a killed GET answered 200, run twice); only a request with a body gets 502',
    wrong: /\(the app never saw it\)|A process killed \*while\* it runs a request is different: that client gets/,
    right: /with the handler run twice/,
  },
  {
    where: ['fastcgi', 'post-stdin'],
    why: 'RFC 3875 §4.2: a script must not read past CONTENT_LENGTH but is not obliged to read it all',
    wrong: /had to read exactly/,
    right: /forbids reading past it/,
  },
  {
    where: ['fastcgi', 'same-pid'],
    why: 'nginx leaves KEEP_CONN off unless fastcgi_keep_conn on (and an upstream keepalive pool)',
    right: /fastcgi_keep_conn on/,
  },
  {
    where: ['lifecycle', 'websocket'],
    why: 'the WSGI server passes every request header into environ: HTTP_CONNECTION=Upgrade and Sec-WebSocket-* too, not only HTTP_UPGRADE (the lab trace shows them)',
    wrong: /all the app learns of the upgrade is/,
    right: /HTTP_CONNECTION=Upgrade/,
  },
  {
    where: ['lifecycle', 'follow'],
    why: 'the proxy also adds X-Forwarded-Proto and X-Forwarded-Host (the trace lists six headers, not four)',
    right: /`X-Forwarded-Proto`, `X-Forwarded-Host`/,
  },
];

describe('step texts keep the corrections of the accuracy review', () => {
  it.each(claims.map((c) => [`${c.where.join('/')}: ${c.why}`, c] as const))('%s', (_name, claim) => {
    const said = text(...claim.where);
    if (claim.wrong) expect(said).not.toMatch(claim.wrong);
    if (claim.right) expect(said).toMatch(claim.right);
  });

  it('no step text names a path inside this repository or promises a "next lesson"', () => {
    const found = catalog.lessons.flatMap((lesson) =>
      [...text(lesson.id).matchAll(/.{0,40}(src\/servers|next lesson|later lesson).{0,20}/g)].map(
        (m) => `${lesson.id}: …${m[0]}…`,
      ),
    );
    expect(found).toEqual([]);
  });

  it("the wsgi lesson's numbers for sampled validation are the WSGI worker's own constants", () => {
    const worker = readFileSync(new URL('../../src/servers/python/wsgi_worker.py', import.meta.url), 'utf8');
    const underLoad = /^UNDER_LOAD = (\d+)/m.exec(worker)?.[1];
    const oneIn = /^VALIDATE_ONE_IN = (\d+)/m.exec(worker)?.[1];
    expect(text('wsgi', 'hello-json')).toContain(`more than ${underLoad} in one second`);
    expect(text('wsgi', 'hello-json')).toContain(`one request in ${oneIn}`);
    const turn = /^TURN_REQUESTS = (\d+)/m.exec(worker)?.[1];
    const limitMs = Math.round(Number(/^TURN_LIMIT = ([\d.]+)/m.exec(worker)?.[1]) * 1000);
    expect(text('wsgi', 'which-worker')).toContain(`up to ${turn} requests within ${limitMs} ms`);
  });
});

describe('the lifecycle starter files (learners read their comments) keep the corrections', () => {
  const starter = (name: string) =>
    readFile(new URL(`../../lessons/09-lifecycle/starter/${name}`, import.meta.url), 'utf8').then((t) =>
      t.replace(/\s*#\s*/g, ' '),
    );

  it('tracing.py: the lab runs Uvicorn with the trace extension, so the middleware is traced there too', async () => {
    const said = await starter('tracing.py');
    expect(said).not.toMatch(/Under another server \(Uvicorn, say\) the extension is not there/);
    expect(said).toMatch(/Uvicorn engine .* adds the same extension/);
  });

  it.each(['middleware.py', 'wsgi_middleware.py'])(
    '%s: compression says Vary: Accept-Encoding on plain answers too (RFC 9110 §12.5.5: the choice depended on it)',
    async (name) => {
      const said = await starter(name);
      expect(said).toMatch(/Every answer says Vary: Accept-Encoding, compressed or not/);
      expect(said).toMatch(/def add_vary/);
    },
  );

  it.each(['app.py', 'wsgi_app.py'])(
    "%s: /health is not called 'the proxy's checks' (this lab's proxy runs none)",
    async (name) => {
      const said = await starter(name);
      expect(said).not.toMatch(/\/health \(the proxy's checks\)/);
      expect(said).toMatch(/this lab's proxy runs none/);
    },
  );

  it.each(['middleware.py', 'wsgi_middleware.py'])(
    '%s: RFC 9110 §8.6 forbids Content-Length in a 204; it says nothing of Content-Type',
    async (name) => {
      const said = await starter(name);
      expect(said).not.toMatch(/no Content-Type or Content-Length \(RFC 9110 §8\.6\)/);
      expect(said).toMatch(/no Content-Length \(RFC 9110 §8\.6 forbids it in a 204\)/);
    },
  );
});
