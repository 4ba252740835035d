// The edit checks of lesson 7: each calls the learner's app as a client would and judges what
// came back, quoting the server's own reports (a stall, an error) when the app went wrong.
import { fail, pass, settle } from '../../src/engine/check-helpers.js';
import type { CheckContext, CheckResult, LabEvent, RequestEvent } from '../../src/engine/types.js';
import type { AsgiEvent } from '../../src/servers/python/asgi-events.js';
import { fetchStreamed, type Got, wsExchange } from './asgi-client.js';

type Stall = LabEvent & Extract<AsgiEvent, { event: 'stall' }>;
type Starved = LabEvent & Extract<AsgiEvent, { event: 'starved' }>;
type WsSession = LabEvent & Extract<AsgiEvent, { event: 'websocket' }>;

const REPORTS = 5;
const REPORT_SECONDS = 0.5;

function stallsSince(ctx: CheckContext, seq: number): Stall[] {
  return ctx.events.filter((e): e is Stall => e.server === 'asgi' && e.event === 'stall' && e.seq > seq);
}

/** Milliseconds the loop got no CPU (a busy machine, a paused process) since `seq`: not a stall. */
function starvedSince(ctx: CheckContext, seq: number): number {
  return ctx.events
    .filter((e): e is Starved => e.server === 'asgi' && e.event === 'starved' && e.seq > seq)
    .reduce((sum, e) => sum + e.durationMs, 0);
}

type AsgiRequest = LabEvent & Extract<AsgiEvent, { event: 'request' }>;

/** The server's request events since `seq` whose target starts with `prefix`. */
function requestsSince(ctx: CheckContext, seq: number, prefix: string): AsgiRequest[] {
  return ctx.events.filter(
    (e): e is AsgiRequest =>
      e.server === 'asgi' &&
      e.event === 'request' &&
      e.seq > seq &&
      String((e as { target?: unknown }).target).startsWith(prefix),
  );
}

function lastSeq(ctx: CheckContext): number {
  return ctx.events.at(-1)?.seq ?? 0;
}

/** A 500's traceback in one line: the exception, and the line of app.py that led to it (the last
 * frame in app.py: an error raised inside asyncio or json is still the app's call's fault). */
function traceSummary(text: string): string {
  const lines = text.trim().split('\n');
  const exception = lines.at(-1)?.trim().slice(0, 160) ?? '';
  const frame = lines.map((line) => /^\s*File ".*\/app\.py", line \d+/.test(line)).lastIndexOf(true);
  if (frame < 0) return exception;
  const line = /line (\d+)/.exec(lines[frame]!)![1];
  const code = lines[frame + 1]?.trim();
  return `${exception}, at app.py line ${line}${code ? `: ${code.slice(0, 100)}` : ''}`;
}

/** What the server reported as the error of the latest request to `path` since `seq`, if any. */
async function serverError(ctx: CheckContext, path: string, seq: number): Promise<string | undefined> {
  const reported = () =>
    (ctx.requests('asgi') as (RequestEvent & { error?: string })[]).filter(
      (r) => r.seq > seq && r.target.split('?')[0] === path,
    );
  await settle(ctx, () => reported().length > 0); // the event follows the end of the response
  return reported().at(-1)?.error;
}

/** A non-200 answer, quoted with the server's explanation (its last traceback line). A response
 * that broke off is quoted with what the server said about it (say, the app returned while
 * "more_body" was still True). */
async function badAnswer(
  ctx: CheckContext,
  seq: number,
  what: string,
  got: Got,
  expected = '200, as before your edit',
): Promise<CheckResult | null> {
  if (!got.ok) {
    const said = await serverError(ctx, what.replace(/^GET /, '').split('?')[0]!, seq);
    return fail({
      message: `${what}: ${got.why}.`,
      saw: said ? `the server said: ${said}` : got.why,
      expected: 'a complete 200 response',
      details:
        !said && got.why.startsWith('the response broke off')
          ? [
              'A response ends with the body event that leaves "more_body" out (or False). An app that returns before sending it leaves the response unfinished, and the server can only cut the connection (Uvicorn logs "ASGI callable returned without completing response").',
            ]
          : undefined,
    });
  }
  if (got.response.status !== 200) {
    return fail({
      message:
        got.response.status === 404
          ? `${what} answered 404: app.py has no such route yet.`
          : `${what} answered ${got.response.status}.`,
      saw: traceSummary(got.response.body),
      expected,
      details: got.response.status === 500 ? ['The lab log shows the whole traceback.'] : undefined,
    });
  }
  return null;
}

export async function blockingCheck(ctx: CheckContext): Promise<CheckResult> {
  const before = lastSeq(ctx);
  const url = `${ctx.url('asgi')}/report`;
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: REPORTS }, () => fetchStreamed(url, ctx.signal, 8000)));
  const took = performance.now() - started;
  for (const got of answers) {
    const problem = await badAnswer(ctx, before, 'GET /report', got);
    if (problem) return problem;
  }
  const expected = REPORT_SECONDS * 1000;
  const blocked = () => stallsSince(ctx, before).filter((s) => s.target === '/report' && s.durationMs >= 250);
  if (took > expected * 2.4) {
    await settle(ctx, () => blocked().length >= REPORTS - 1);
    const stalls = blocked();
    const starved = starvedSince(ctx, before);
    // (Only when no stall came at all: one the watcher could not look at names no request.)
    if (stallsSince(ctx, before).length === 0 && starved > 0) {
      // Slow, but not blocked by the app: the server says its loop could not get a CPU.
      return fail({
        message: `${REPORTS} requests to /report took ${(took / 1000).toFixed(2)} s, but the server saw no stall by /report: its event loop got no CPU for ${starved} ms (a busy machine, or a paused process).`,
        saw: `no stall by /report; ${starved} ms without CPU`,
        expected: `all ${REPORTS} within about ${REPORT_SECONDS} s, the time of one`,
        details: ['This says nothing about app.py. Save it again to run the check again when the machine is quieter.'],
      });
    }
    const where = stalls.find((s) => s.where)?.where;
    return fail({
      message: `${REPORTS} requests to /report sent together took ${(took / 1000).toFixed(2)} s: they were answered one after another.`,
      saw: stalls.length
        ? `the server reported the event loop blocked ${stalls.length} times by GET /report${where ? `, at ${where}` : ''}`
        : `${(took / 1000).toFixed(2)} s for ${REPORTS} requests`,
      expected: `all ${REPORTS} within about ${REPORT_SECONDS} s, the time of one`,
      details: [
        'While build_report() runs time.sleep(), the event loop can do nothing else: not even read the next request.',
      ],
    });
  }
  // Each request's event says how long it blocked the loop (stalledMs), stalls not yet reported
  // included: wait for all five, not for a guess at how long the report takes.
  await settle(ctx, () => requestsSince(ctx, before, '/report').length >= REPORTS, 3000);
  const stalls = blocked();
  const stalled = requestsSince(ctx, before, '/report').filter((r) => (r.stalledMs ?? 0) >= 250);
  if (stalls.length || stalled.length) {
    const ms = stalls[0]?.durationMs ?? stalled[0]!.stalledMs;
    const where = stalls[0]?.where;
    return fail({
      message: 'The requests were quick, but the event loop was still blocked by /report.',
      saw: `${ms} ms${where ? ` at ${where}` : ''}`,
      expected: 'no stall: the slow work happens outside the loop',
    });
  }
  return pass(
    `${REPORTS} requests to /report took ${(took / 1000).toFixed(2)} s together, and the loop never stalled: the slow ` +
      'call runs elsewhere while the loop keeps serving.',
  );
}

export async function countdownCheck(ctx: CheckContext): Promise<CheckResult> {
  const from = 3 + Math.floor(Math.random() * 3);
  const path = `/countdown?from=${from}`;
  const before = lastSeq(ctx);
  const got = await fetchStreamed(`${ctx.url('asgi')}${path}`, ctx.signal, 6000);
  const problem = await badAnswer(ctx, before, `GET ${path}`, got, '200 and a stream of text/event-stream events');
  if (problem) return problem;
  if (!got.ok) return problem!;
  const { response } = got;
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('text/event-stream')) {
    return fail({
      message: `GET ${path} says its body is "${type || 'nothing'}".`,
      saw: type || 'no Content-Type',
      expected: 'text/event-stream',
    });
  }
  const wanted = [...Array.from({ length: from }, (_, i) => String(from - i)), 'liftoff'];
  const events = response.body
    .split(/\r?\n\r?\n/)
    .map((block) =>
      block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((data) => data !== '');
  if (events.join(',') !== wanted.join(',')) {
    return fail({
      message: `GET ${path} sent other events than asked.`,
      saw: JSON.stringify(response.body.slice(0, 160)),
      expected: wanted.map((d) => `data: ${d}`).join(' / '),
      details: ['Each event is "data: VALUE" followed by an empty line: send f"data: {n}\\n\\n".encode().'],
    });
  }
  const spread = response.pieces.at(-1)!.ms - response.pieces[0]!.ms;
  if (response.pieces.length < 2 || spread < 150) {
    return fail({
      message: `GET ${path} sent the right events, but all at once.`,
      saw: `${response.pieces.length} piece${response.pieces.length === 1 ? '' : 's'} within ${spread} ms`,
      expected: 'one body event per event ("more_body": True), with await asyncio.sleep(0.2) between them',
    });
  }
  // Spread out by time.sleep() looks the same from the client, but it froze every other
  // connection for each pause: the mistake of the step before, made again.
  // Its request event says how long it blocked the loop (stalledMs), stalls not yet reported
  // included: wait for it rather than for a guess at how long the report takes.
  await settle(ctx, () => requestsSince(ctx, before, '/countdown').length > 0, 3000);
  const stalls = stallsSince(ctx, before).filter((s) => s.target?.startsWith('/countdown'));
  const stalledMs = requestsSince(ctx, before, '/countdown')[0]?.stalledMs ?? 0;
  if (stalls.length || stalledMs > 0) {
    const where = stalls.find((s) => s.where)?.where;
    return fail({
      message: `GET ${path} sent the right events at the right pace, but its pauses blocked the event loop: no other connection was served meanwhile.`,
      saw: stalls.length
        ? `the server reported the loop blocked ${stalls.length} time${stalls.length === 1 ? '' : 's'} by GET /countdown${where ? `, at ${where}` : ''}`
        : `the server reported GET /countdown blocking the loop for ${stalledMs} ms`,
      expected: 'await asyncio.sleep(0.2) between events, not time.sleep(0.2)',
    });
  }
  return pass(
    `${from} … 1, liftoff: ${wanted.length} events spread over ${(spread / 1000).toFixed(2)} s in one response, ` +
      'each on its way as soon as it was sent.',
  );
}

export async function upperCheck(ctx: CheckContext): Promise<CheckResult> {
  const word = `quiet words ${Math.floor(Math.random() * 900 + 100)}`;
  const url = `ws://127.0.0.1:${ctx.port('asgi')}/echo`;
  const before = lastSeq(ctx);
  const got = await wsExchange(url, word);
  if (!got.ok) {
    // The server's record of the session says why it closed (an exception in the app, with its line).
    const session = () =>
      ctx.events.filter(
        (e): e is WsSession =>
          e.server === 'asgi' && e.event === 'websocket' && e.seq > before && (e as WsSession).path === '/echo',
      );
    await settle(ctx, () => session().length > 0);
    const error = session().at(-1)?.error;
    return fail({
      message: `A WebSocket to /echo did not answer: ${got.why}.`,
      saw: error ? `the server said: ${traceSummary(error)}` : got.why,
      expected: `"${word.toUpperCase()}" back`,
    });
  }
  if (got.reply !== word.toUpperCase()) {
    return fail({
      message: `/echo answered "${got.reply}" to "${word}".`,
      saw: got.binary ? `a binary message: ${got.reply}` : got.reply,
      expected: word.toUpperCase(),
    });
  }
  // The right letters in a binary frame: a client reading text (a browser's event.data) gets a Blob.
  if (got.binary) {
    return fail({
      message: `/echo answered "${word}" in upper case, but as a binary message: a text message deserves a text answer.`,
      saw: `a binary message: ${got.reply}`,
      expected: `a text message: {"type": "websocket.send", "text": text.upper()}`,
    });
  }
  return pass(`"${word}" came back as "${got.reply}": one receive(), one send(), per message, on an open connection.`);
}
