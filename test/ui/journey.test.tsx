// The journey view, from fake events: every hop in order with its own time and a mark on the one
// that answered; the chosen hop's header changes; and what the hop saw where the lesson teaches
// it — a CGI environment, FastCGI records, a WSGI environ, an ASGI scope and its events — folded
// when long, whole once unfolded, never wider than the screen.
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/engine/journey.js';
import { requestJourney } from '../../src/engine/request-journey.js';
import type { LabEventBase, RequestEvent } from '../../src/engine/types.js';
import { journeyLines } from '../../src/ui/journey-lines.js';
import { JourneyScreen } from '../../src/ui/views/journey.js';
import { fakeRequest } from '../helpers/fake-context.js';

let seq = 0;
function trace(server: string, hop: string, depth: number, phase: TraceEvent['phase'], ms: number, extra = {}) {
  return {
    event: 'trace',
    server,
    seq: ++seq,
    time: 0,
    requestId: 'r7',
    hop,
    depth,
    phase,
    ms,
    ...extra,
  } as TraceEvent;
}

// A request without a token: the proxy passed it on, authentication answered 401.
const traces = [
  trace('proxy', 'proxy', 0, 'received', 0),
  trace('proxy', 'proxy', 0, 'passed-on', 1, { added: [['Via', '1.1 gateway-tutor-proxy']], removed: ['Connection'] }),
  trace('app', 'asgi', 1, 'received', 0),
  trace('app', 'asgi', 1, 'passed-on', 0.1),
  trace('app', 'auth', 2, 'received', 0),
  trace('app', 'auth', 2, 'answered-early', 150, { status: 401, why: '401: no token' }),
  trace('app', 'asgi', 1, 'answered', 151, { status: 401 }),
  trace('proxy', 'proxy', 0, 'answered', 155, { status: 401 }),
];

/** The journey view of `request` among `events`, drawn `width` columns wide and tall enough for all. */
function draw(
  events: LabEventBase[],
  request: RequestEvent,
  { selected = 0, unfolded = false, width = 80, servers = [] as { name: string; role: string }[] } = {},
) {
  const journey = requestJourney(events, request, servers);
  const lines = journeyLines(journey, { selected, unfolded, width });
  const { lastFrame, unmount } = render(
    <JourneyScreen request={request} number={1} journey={journey} lines={lines} scroll={0} rows={200} width={width} />,
  );
  const frame = lastFrame() ?? '';
  unmount();
  return { journey, frame, lines: frame.split('\n') };
}

describe('the journey view', () => {
  it('draws every hop in order with its own time, and marks where the request stopped', () => {
    // Given a traced request the proxy passed on and auth refused, picked as the proxy saw it
    const request = fakeRequest('proxy', { target: '/api/notes', status: 401, requestId: 'r7' });
    // When its journey is drawn
    const { lines, frame } = draw([...traces, request], request);
    // Then the hops come in order, each with its time, and auth carries the mark and the reason
    const proxy = lines.findIndex((l) => /▶→ proxy\s+4\.0 ms .*passed on, 401 back/.test(l));
    const asgi = lines.findIndex((l) => /→ asgi\s+1\.0 ms/.test(l));
    const auth = lines.findIndex((l) => /■ auth\s+150 ms .*401 no token ← answered here/.test(l));
    expect(lines[0]).toMatch(/#1 \d\d:\d\d:\d\d GET \/api\/notes → 401 · 3 hops · id r7/);
    expect(proxy).toBeGreaterThan(0);
    expect(asgi).toBeGreaterThan(proxy);
    expect(auth).toBeGreaterThan(asgi);
    expect(frame).toContain('answered by auth (401: no token) · slowest: auth');
    // And the chosen hop, the proxy, shows its header changes and what it received
    expect(frame).toContain('── 1/3 proxy (proxy)');
    expect(frame).toContain('+ Via: 1.1 gateway-tutor-proxy');
    expect(frame).toContain('- Connection');
    expect(frame).toContain('▾ what proxy received');
  });

  it("lights the next hop in turn: its time and where its server's view is", () => {
    const request = fakeRequest('proxy', { target: '/api/notes', status: 401, requestId: 'r7' });
    const app = fakeRequest('app', { target: '/api/notes', status: 401, headers: [['x-request-id', 'r7']] });
    const { frame } = draw([...traces, request, app], request, { selected: 2 });
    expect(frame).toMatch(/▶ +■ auth/);
    expect(frame).toContain('── 3/3 auth (app)');
    expect(frame).toContain('150 ms; answered 401 itself, without passing the request on: no token.');
    expect(frame).toContain('auth runs inside app: what app saw is at asgi.');
  });

  it('says a 504 was answered after the proxy passed the request on, not without passing it on', () => {
    // Given the proxy passed a request on and gave up waiting for the app (504)
    const slow = [
      trace('proxy', 'proxy', 0, 'passed-on', 1),
      trace('app', 'asgi', 1, 'received', 0),
      trace('proxy', 'proxy', 0, 'answered-early', 2000, { status: 504, why: '504: app too slow' }),
    ];
    const request = fakeRequest('proxy', { target: '/api/slow', status: 504, requestId: 'r7' });
    // When its journey is drawn with the proxy chosen
    const { frame } = draw([...slow, request], request);
    // Then the close-up says it passed the request on before answering itself
    expect(frame).toContain('passed the request on, then answered 504 itself');
    expect(frame).not.toContain('without passing the request on');
  });

  it("shows a CGI script's environment sorted, folded when long and whole when unfolded", () => {
    // Given a CGI request with no trace id: one hop, the CGI server
    const env = Object.fromEntries(
      [
        'SERVER_PORT',
        'QUERY_STRING',
        'GATEWAY_INTERFACE',
        'REQUEST_METHOD',
        'PATH_INFO',
        'SCRIPT_NAME',
        'REMOTE_ADDR',
      ].map((name) => [name, name === 'GATEWAY_INTERFACE' ? 'CGI/1.1' : 'x']),
    );
    const request = fakeRequest('cgi', { target: '/cgi-bin/env.sh?x', pid: 4242, env });
    // When its journey opens, folded
    const folded = draw([request], request);
    // Then one hop answered, the pid is among what else it reported, the environment is folded
    expect(folded.journey.hops.map((h) => h.hop)).toEqual(['cgi']);
    expect(folded.frame).toMatch(/▶■ cgi .* 200 ← answered here/);
    expect(folded.frame).toContain('pid: 4242');
    expect(folded.frame).toContain('▸ CGI environment: the meta-variables the script was started with (7)');
    expect(folded.frame).toContain('… 3 more: e unfolds');
    expect(folded.frame).not.toContain('SERVER_PORT=x');
    // When unfolded, every variable shows, sorted like `env | sort`
    const whole = draw([request], request, { unfolded: true }).lines.map((l) => l.trim());
    const at = whole.findIndex((l) => l.startsWith('▾ CGI environment'));
    expect(whole.slice(at + 1, at + 4)).toEqual(['GATEWAY_INTERFACE=CGI/1.1', 'PATH_INFO=x', 'QUERY_STRING=x']);
    expect(whole).toContain('SERVER_PORT=x');
  });

  it('matches a FastCGI front with the app behind it, and shows the records at the front', () => {
    // Given the front's and the app's events of one FastCGI request (no trace id)
    const records = [
      { dir: 'out', type: 'BEGIN_REQUEST', requestId: 7, contentLength: 8, role: 'RESPONDER', keepConn: true },
      { dir: 'out', type: 'PARAMS', requestId: 7, contentLength: 30, pairs: [['QUERY_STRING', 'name=wire']] },
      {
        dir: 'in',
        type: 'END_REQUEST',
        requestId: 7,
        contentLength: 8,
        appStatus: 0,
        protocolStatus: 'REQUEST_COMPLETE',
      },
    ];
    const front = fakeRequest('fastcgi', { time: 1000, durationMs: 9, target: '/?name=wire', requestId: 7, records });
    const app = fakeRequest('app', { time: 998, target: '/?name=wire', requestId: 7, pid: 31 });
    const other = fakeRequest('app', { time: 999, target: '/?name=wire', requestId: 8, pid: 31 });
    const servers = [
      { name: 'fastcgi', role: 'web server speaking FastCGI' },
      { name: 'app', role: 'FastCGI app (a pool of 2 Python processes)' },
    ];
    // When the app's request is picked, its journey has both hops; at the front, its records
    const { journey } = draw([front, other, app], app, { servers });
    expect(journey.hops.map((h) => [h.hop, h.answer])).toEqual([
      ['fastcgi', 'relayed'],
      ['app', 'itself'],
    ]);
    expect(journey.hops[1]!.request).toBe(app);
    const { frame } = draw([front, other, app], front, { servers, unfolded: true });
    expect(frame).toContain('▾ FastCGI records, both ways (4)');
    expect(frame).toMatch(/→ BEGIN_REQUEST\s+id 7/);
    expect(frame).toContain('QUERY_STRING=name=wire');
    expect(frame).toMatch(/← END_REQUEST .* app status 0, REQUEST_COMPLETE/);
  });

  it('shows the WSGI environ the app was called with', () => {
    const request = fakeRequest('wsgi', {
      target: '/hello',
      pid: 77,
      environ: {
        REQUEST_METHOD: 'GET',
        PATH_INFO: '/hello',
        'wsgi.url_scheme': 'http',
        'wsgi.version': [1, 0],
        'wsgi.multithread': false,
      },
    });
    const { frame } = draw([request], request);
    expect(frame).toContain('▾ WSGI environ: what the server built to call the app with (5)');
    // Values as Python has them: a tuple and a bool, not JSON's list and false
    expect(frame).toContain('wsgi.version=(1, 0)');
    expect(frame).toContain('wsgi.multithread=False');
    expect(frame).toContain('PATH_INFO=/hello');
    expect(frame).toContain('wsgi.url_scheme=http');
  });

  it("shows the ASGI scope with the spec's keys, and the receive/send events in order", () => {
    const request = fakeRequest('asgi', {
      target: '/items?x=1',
      scope: {
        type: 'http',
        httpVersion: '1.1',
        method: 'GET',
        scheme: 'http',
        path: '/items',
        rawPath: '/items',
        queryString: 'x=1',
        rootPath: '',
        client: ['127.0.0.1', 5000],
        server: ['127.0.0.1', 8700],
        stateKeys: [],
      },
      messages: [
        {
          dir: 'receive',
          type: 'http.request',
          fields: [
            ['body', '<0 bytes>'],
            ['more_body', 'False'],
          ],
        },
        { dir: 'send', type: 'http.response.start', fields: [['status', '200']] },
        {
          dir: 'send',
          type: 'http.response.body',
          fields: [
            ['body', '<12 bytes>'],
            ['more_body', 'False'],
          ],
        },
      ],
      messagesDropped: 3,
    });
    const { lines } = draw([request], request, { unfolded: true });
    const text = lines.map((l) => l.trim());
    expect(text).toContain("http_version: '1.1'");
    expect(text).toContain("query_string: b'x=1'");
    expect(text).toContain("client: ('127.0.0.1', 5000)");
    expect(text).not.toContain("httpVersion: '1.1'");
    const events = text.findIndex((l) => l.startsWith('▾ ASGI events'));
    expect(text.slice(events + 1, events + 5)).toEqual([
      '← receive()  http.request  body=<0 bytes>  more_body=False',
      '→ send()     http.response.start  status=200',
      '→ send()     http.response.body  body=<12 bytes>  more_body=False',
      '… and 3 more, not listed',
    ]);
    expect(text.join('\n')).not.toContain('messagesDropped');
  });

  it('shows a websocket scope as the app got it: no method (asgiref WebSocket spec), subprotocols a list', () => {
    const request = fakeRequest('asgi', {
      target: '/ws',
      scope: {
        type: 'websocket',
        httpVersion: '1.1',
        scheme: 'ws',
        path: '/ws',
        rawPath: '/ws',
        queryString: '',
        rootPath: '',
        client: ['127.0.0.1', 5000],
        server: ['127.0.0.1', 8700],
        stateKeys: [],
        subprotocols: ['chat'],
      },
    });
    const { lines } = draw([request], request, { unfolded: true });
    const text = lines.map((l) => l.trim());
    expect(text).toContain("type: 'websocket'");
    expect(text).toContain("subprotocols: ['chat']");
    expect(text.some((l) => l.startsWith('method:'))).toBe(false);
  });

  it("shows a WebSocket's messages on its connection after the handshake, and how it closed", () => {
    // Given the handshake request, its messages, another connection's message, and the close
    const handshake = fakeRequest('asgi', { target: '/ws', status: 101, conn: 4, websocket: true });
    const event = (fields: Record<string, unknown>) =>
      ({ server: 'asgi', seq: handshake.seq + Number(fields.n), time: 0, ...fields }) as unknown as LabEventBase;
    const events = [
      handshake,
      event({ n: 1, event: 'websocket-message', conn: 4, direction: 'in', kind: 'text', size: 5, text: 'hello' }),
      event({ n: 2, event: 'websocket-message', conn: 9, direction: 'in', kind: 'text', size: 5, text: 'other' }),
      event({ n: 3, event: 'websocket-message', conn: 4, direction: 'out', kind: 'binary', size: 2, hex: 'cafe' }),
      event({
        n: 4,
        event: 'websocket',
        conn: 4,
        closeCode: 1000,
        closeReason: '',
        closedBy: 'client',
        messagesIn: 1,
        messagesOut: 1,
      }),
    ];
    const { lines } = draw(events, handshake, { unfolded: true });
    const text = lines.map((l) => l.trim());
    const at = text.findIndex((l) => l.startsWith('▾ WebSocket: the messages on its connection (3)'));
    expect(at).toBeGreaterThan(0);
    expect(text.slice(at + 1, at + 4)).toEqual([
      '← in  text 5 bytes: "hello"',
      '→ out binary 2 bytes: cafe',
      'closed by the client: code 1000; 1 in, 1 out',
    ]);
  });

  it('never draws a line wider than the screen, whatever the header values', () => {
    const request = fakeRequest('origin', {
      headers: [['X-Long', `${'界'.repeat(30)} ${'a'.repeat(100)}`]],
    });
    const { lines } = draw([request], request, { width: 40 });
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(40);
    expect(lines.join('\n')).toContain('界');
  });
});
