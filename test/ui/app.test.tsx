import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { waitFor } from '../helpers/processes.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { FakeProgress } from './helpers/fake-lab.js';
import { pythonLesson, warmUp } from './helpers/lessons.js';
import { KEY, entry, renderApp } from './helpers/render-app.js';

afterEach(() => cleanup());

const lessons = () => [
  entry(warmUp()),
  entry(
    warmUp({ id: 'proxy', title: 'Reverse proxy', layer: 'proxy', order: 3, summary: 'One address, many backends' }),
  ),
  entry(pythonLesson(), [{ id: 'python3', why: 'needs python3' }]),
];

describe('lesson map', () => {
  it('lists every lesson with its state and moves the selection with the keys', async () => {
    // Given one lesson started and one that cannot run here
    const progress = new FakeProgress({ 'warm-up': ['look'] });
    const app = renderApp(lessons(), { progress });
    // Then each lesson shows its state, and the first is selected
    const frame = await app.waitFor('HTTP warm-up');
    expect(frame).toMatch(/❯ ◐\s+1\s+HTTP warm-up\s+started 1\/5/);
    expect(frame).toMatch(/· +3\s+Reverse proxy\s+new · 5 steps/);
    expect(frame).toMatch(/✗ +6\s+WSGI\s+needs python3/);
    expect(frame).toContain('Requests with curl');
    // When the learner presses down
    await app.press(KEY.down);
    // Then the proxy lesson is selected, and the stack drawing marks the proxy layer
    const moved = await app.waitFor('❯ ·  3');
    expect(moved).toContain('One address, many backends');
    expect(moved).toMatch(/║ web server\s+║/);
    expect(moved).not.toMatch(/║ client/);
  });

  it('shows overall progress, and counts a step skipped for a missing requirement as done', async () => {
    // Given warm-up passed but for a step this machine must skip, and one step of the proxy lesson
    const progress = new FakeProgress({ 'warm-up': ['look', 'get', 'token', 'script'], proxy: ['look'] });
    const [warm, proxy, python] = lessons();
    const app = renderApp([{ ...warm!, skipped: ['down'] }, proxy!, python!], { progress });
    // Then warm-up counts as passed, and the skipped step counts toward no total
    const frame = await app.waitFor('Your progress:');
    expect(frame).toContain('Your progress: 1/3 lessons, 5/14 steps');
    expect(frame).toMatch(/✓ +1\s+HTTP warm-up\s+passed \(1 skipped here\)/);
  });

  it('resumes at the lesson the learner left', async () => {
    const progress = new FakeProgress({ 'warm-up': ['look'] });
    progress.last = 'proxy';
    const app = renderApp(lessons(), { progress });
    await app.waitFor('❯ ·  3  Reverse proxy');
  });

  it('does not open a lesson whose requirements are missing', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.down, KEY.down, KEY.enter);
    await app.waitFor('❯ ✗  6');
    expect(app.labs).toHaveLength(0);
  });
});

describe('lesson view', () => {
  it('opens a lesson, shows the step with live ports, and closes the lab on the way back', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    // Then the first step's markdown is rendered, with its table and the filled port
    const frame = await app.waitFor('Host: 127.0.0.1:8080');
    expect(frame).toContain('step 1/5');
    expect(frame).toMatch(/method\s+│\s+GET/);
    expect(frame).toMatch(/● origin\s+http:\/\/127\.0\.0\.1:8080\s+up\s+pid 4000\s+origin server/);
    // When the learner goes to the probe step
    await app.press('n');
    const probe = await app.waitFor('$ curl -v http://127.0.0.1:8080/');
    expect(probe).toContain('GET with -v');
    // When they leave the lesson
    await app.press('m');
    await app.waitFor('❯ ');
    await waitFor(() => app.closed.length === 1, 'the app to close', 2000);
    expect(app.closed[0]!.tornDown).toBe(true);
  });

  it('shows hints one at a time', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n');
    await app.waitFor('step 2/5');
    await app.press('h');
    await app.waitFor('hint 1/2: Copy the command.');
    expect(app.lastFrame()).not.toContain('hint 2/2');
    await app.press('h');
    await app.waitFor('hint 2/2: Mind the port.');
  });

  it('passes a probe step when the lab sees the request, and logs the request', async () => {
    const app = renderApp(lessons(), {
      judge: (_s, events) =>
        events.some((e) => e.event === 'request' && (e as RequestEvent).target === '/')
          ? { status: 'pass', message: 'The origin saw GET / with curl.', details: [] }
          : { status: 'fail', message: 'No GET / yet.', details: [] },
    });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n');
    await app.waitFor('step 2/5');
    // When the lab observes a request to the wrong path, then the right one
    app.labs[0]!.request({ target: '/nope', status: 404, conn: 7 });
    await app.waitFor('Waiting: No GET / yet.');
    app.labs[0]!.request({ target: '/' });
    // Then the pass shows with the check's message, and both requests are in the log
    const frame = await app.waitFor('✓ Passed: The origin saw GET / with curl.');
    // (#N numbers the requests; the connection is named as such)
    expect(frame).toMatch(/#1 12:00:00 origin GET \/nope 404 3ms conn 7/);
    expect(frame).toMatch(/#2 12:00:01 origin GET \/ 200 3ms/);
    expect(frame).toMatch(/✓ 2 GET with -v/);
    await waitFor(() => app.progress.saved.length > 0, 'progress to be saved', 2000);
    expect(app.progress.saved).toEqual(['warm-up/get']);
  });

  it('types an answer; a wrong one shows the failure and its details, a right one passes', async () => {
    const app = renderApp(lessons(), {
      judge: (_s, _e, answer) =>
        answer === 'fake-token'
          ? { status: 'pass', message: 'That is this run’s token.', details: [] }
          : {
              status: 'fail',
              message: `"${answer}" is not the token.`,
              details: ['The token changes every run: look at X-Secret.'],
            },
    });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n');
    await app.waitFor('Find the token');
    await app.press('a', ...'nope', KEY.enter);
    const failed = await app.waitFor('✗ Not yet: "nope" is not the token.');
    expect(failed).toContain('The token changes every run: look at X-Secret.');
    // The wrong answer stays to be edited; Ctrl-U clears it. Typing q types it, it does not quit.
    expect(failed).toContain('answer › nope');
    await app.press('a', '\u0015', ...'fake-tokq', KEY.backspace, 'e', 'n', KEY.enter);
    await app.waitFor('✓ Passed: That is this run’s token.');
  });

  /** The app at the token step (an answer step), with every answer judged wrong. */
  async function atTokenStep() {
    const app = renderApp(lessons(), {
      judge: (_s, _e, answer) => ({ status: 'fail', message: `"${answer}" is not the token.`, details: [] }),
    });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n');
    await app.waitFor('Find the token');
    return app;
  }

  it('a number typed after a wrong answer, without a first, stops no lab server', async () => {
    const app = await atTokenStep();
    await app.press('a', ...'4499', KEY.enter);
    await app.waitFor('✗ Not yet: "4499" is not the token.');
    // The learner types the next guess straight away: the field is still open, and takes it
    await app.press(...'10998');
    await app.waitFor('answer › 449910998');
    await app.press(KEY.escape, 'l', KEY.escape);
    expect(app.labs[0]!.calls.filter((c) => /^(stop|start) /.test(c))).toEqual([]);
    expect(app.lastFrame()).toMatch(/● origin/);
  });

  it('keeps the field open after a wrong answer typed ahead in one chunk (a paste)', async () => {
    const app = await atTokenStep();
    // The key that opens the field, the answer and Enter arrive together
    await app.press(`a4499${KEY.enter}`);
    await app.waitFor('✗ Not yet: "4499" is not the token.');
    await app.press('1', '0');
    await app.waitFor('answer › 449910');
    await app.press(KEY.escape);
    expect(app.labs[0]!.calls.filter((c) => /^(stop|start) /.test(c))).toEqual([]);
  });

  it('shows where an edit step’s file is, and stops a server on a drill key', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n', 'n');
    await app.waitFor('✎ edit /ws/warm-up/app.py');
    await app.press('n');
    await app.waitFor('[1] ● origin');
    await app.press('1');
    await app.waitFor(/○ origin .* stopped/);
    expect(app.labs[0]!.calls).toContain('stop origin');
  });

  it('opens the journey of a request from the log: its one hop, what it received and answered', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    app.labs[0]!.request({
      target: '/headers',
      headers: [
        ['User-Agent', 'curl/8.5.0'],
        ['X-Mine', 'hello'],
      ],
      responseHeaders: [['Content-Type', 'application/json']],
    });
    await app.waitFor('GET /headers 200');
    await app.press('l', KEY.enter);
    const frame = await app.waitFor('GET /headers HTTP/1.1');
    expect(frame).toMatch(/▶■ origin .* 200 ← answered here/);
    expect(frame).toContain('▾ what origin received');
    expect(frame).toContain('X-Mine: hello');
    expect(frame).toContain('Content-Type: application/json');
    await app.press(KEY.escape, KEY.escape);
    await app.waitFor('Host: 127.0.0.1:8080');
  });

  it('opens the log at the newest request; every key the journey lists works there', async () => {
    // Given two requests the lab saw
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    app.labs[0]!.request({ target: '/first' });
    app.labs[0]!.request({ target: '/second', responseHeaders: Array.from({ length: 9 }, (_, i) => [`X-H${i}`, 'v']) });
    await app.waitFor('GET /second 200');
    // When the learner opens the log and presses Enter, the newest request's journey opens
    await app.press('l');
    await app.waitFor('Enter its journey');
    await app.press(KEY.enter);
    let frame = await app.waitFor(/#2 \d\d:\d\d:\d\d GET \/second → 200 · 1 hop/);
    expect(frame).toContain('Esc log');
    // Then its long answer is folded until e, and folded again by e
    expect(frame).toContain('▸ what origin answered (10)');
    await app.press('e');
    frame = await app.waitFor('▾ what origin answered (10)');
    await app.press('e');
    await app.waitFor('▸ what origin answered (10)');
    // And ←/→ stay on the only hop, the scroll keys move, ? opens the help and any key closes it
    await app.press(KEY.right, KEY.left, 'j', 'G', 'g');
    await app.waitFor(/▶■ origin/);
    await app.press('?');
    await app.waitFor("A request's journey");
    await app.press('x');
    await app.waitFor(/GET \/second → 200/);
    // And Esc goes back to the log, where ↑ and Enter open the older request
    await app.press(KEY.escape);
    await app.waitFor('Enter its journey');
    await app.press(KEY.up, KEY.enter);
    await app.waitFor(/#1 \d\d:\d\d:\d\d GET \/first → 200/);
  });

  it("keeps the log's numbers and the chosen request as a load test's oldest requests are let go", async () => {
    // Given 5,000 requests, and the learner's log on the one before the newest
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    for (let i = 1; i <= 5000; i++) app.labs[0]!.request({ target: `/r${i}` });
    await app.waitFor('requests (5000)');
    await app.press('l');
    await app.waitFor('Enter its journey');
    await app.press(KEY.up);
    await app.waitFor(/#4999 .* GET \/r4999 200/);
    // When a thousand more arrive, and the session lets the oldest of them go
    for (let i = 5001; i <= 6000; i++) app.labs[0]!.request({ target: `/r${i}` });
    // Then the log counts every request and numbers them as the lab did
    await app.waitFor('requests (6000)');
    // And the one chosen before is still the one Enter opens
    await app.press(KEY.enter);
    await app.waitFor(/#4999 \d\d:\d\d:\d\d GET \/r4999 → 200/);
    // And one of the newest, chosen as more come and old ones go, is still the one chosen
    await app.press(KEY.escape);
    await app.waitFor('Enter its journey');
    await app.press(KEY.escape);
    await app.waitFor('l choose');
    for (let i = 6001; i <= 6500; i++) app.labs[0]!.request({ target: `/r${i}` });
    await app.waitFor('requests (6500)');
    await app.press('l');
    await app.waitFor('Enter its journey');
    await app.press(KEY.up);
    for (let i = 6501; i <= 7000; i++) app.labs[0]!.request({ target: `/r${i}` });
    await app.waitFor('requests (7000)');
    await app.press(KEY.enter);
    await app.waitFor(/#6499 \d\d:\d\d:\d\d GET \/r6499 → 200/);
  });

  it('says once that the lesson is complete, on the step that completed it, and what comes next', async () => {
    // Given every step passed but the read step
    const progress = new FakeProgress({ 'warm-up': ['get', 'token', 'script', 'down'] });
    const app = renderApp(lessons(), { progress, props: { initialLesson: 'warm-up' } });
    await app.waitFor('step 1/5');
    expect(app.lastFrame()).not.toContain('Lesson complete');
    // When the learner passes it
    await app.press(KEY.enter);
    // Then the banner shows, with the next lesson
    await app.waitFor('★ Lesson complete. Next: Reverse proxy');
    // And on the other steps only the title line says so
    await app.press('n');
    const other = await app.waitFor('step 2/5');
    expect(other).not.toContain('★ Lesson complete');
    expect(other).toContain('· lesson complete');
    await app.press('n', 'n', 'n');
    await app.waitFor('m map: the next lesson');
  });

  it('opens a finished lesson without the banner', async () => {
    const progress = new FakeProgress({ 'warm-up': ['look', 'get', 'token', 'script', 'down'] });
    const app = renderApp(lessons(), { progress, props: { initialLesson: 'warm-up' } });
    const frame = await app.waitFor('· lesson complete');
    expect(frame).not.toContain('★');
  });
});

describe('terminal manners', () => {
  it('asks for a bigger terminal below the minimum size', async () => {
    const app = renderApp(lessons(), { columns: 40, rows: 10 });
    await app.waitFor('This terminal is 40×10; gateway-tutor needs at least 60×16');
  });

  it('gives a screen reader plain sentences', async () => {
    const app = renderApp(lessons(), { props: { screenReader: true } });
    const frame = await app.waitFor('Selected: Lesson 1, HTTP warm-up: new · 5 steps.');
    expect(frame).not.toMatch(/[┌║]/);
  });

  it('reads a lesson to a screen reader as sentences, commands included', async () => {
    const app = renderApp(lessons(), { props: { screenReader: true } });
    await app.waitFor('Selected: Lesson 1');
    await app.press(KEY.enter);
    await app.waitFor('HTTP warm-up, step 1 of 5: What a request is, a read step.');
    await app.press('n');
    const frame = await app.waitFor('Command to run: curl -v http://127.0.0.1:8080/');
    expect(frame).toContain('Lab: origin at http://127.0.0.1:8080 is up, pid 4000.');
    expect(frame).not.toMatch(/[┌─│]/);
    // A request the lab saw is read with its number, and the command that reads out its journey
    app.labs[0]!.request({ target: '/seen' });
    const seen = await app.waitFor('Request 1 seen by origin: GET /seen, status 200.');
    expect(seen).toMatch(/The latest request's whole journey, hop by hop, as text: .*trace warm-up/);
  });

  it('keeps tables whole in a narrow terminal, cutting rather than wrapping them', async () => {
    const app = renderApp(lessons(), { columns: 60, rows: 30 });
    await app.press(KEY.enter);
    const frame = await app.waitFor('Host: 127.0.0.1:8080');
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(frame).toMatch(/method\s+│\s+GET/);
  });
});

describe('colour and help', () => {
  it('prints no colour with noColor, keeping the state symbols', async () => {
    const progress = new FakeProgress({ 'warm-up': ['look', 'get', 'token', 'script', 'down'] });
    const app = renderApp(lessons(), { progress, props: { noColor: true } });
    await app.waitFor('✓  1  HTTP warm-up');
    // eslint-disable-next-line no-control-regex
    expect(app.lastFrame()).not.toMatch(/\u001b\[3\dm/);
  });

  it('shows every key on ?, and any key closes it', async () => {
    const app = renderApp(lessons());
    await app.waitFor('HTTP warm-up');
    await app.press('?');
    await app.waitFor('stop or start lab server 1-9');
    await app.press('x');
    await app.waitFor('↑/↓ choose · Enter open');
  });
});

describe('help on a small screen', () => {
  it('at 80×24 the help scrolls with j/k, and any other key closes it', async () => {
    // Given the help opened on an 80×24 terminal: more keys than rows
    const app = renderApp(lessons(), { props: { size: { columns: 80, rows: 24 } } });
    await app.waitFor('HTTP warm-up');
    await app.press('?');
    let frame = await app.waitFor(/↓ \d+ below · j\/k scroll · any other key closes/);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    expect(frame).toContain('Keys');
    expect(frame).not.toContain('quit (stops the lab)');
    // When the learner scrolls down, the last keys come into view
    await app.press(' ', ' ', ' ');
    frame = await app.waitFor('quit (stops the lab)');
    expect(frame).toContain('light the next / previous hop');
    expect(frame).toMatch(/↑ \d+ above/);
    // And k scrolls back; any other key closes the help
    await app.press('k');
    await app.press('x');
    await app.waitFor('↑/↓ choose · Enter open');
  });
});

describe('pasting an answer', () => {
  it('types and submits a pasted answer that ends with Enter', async () => {
    const app = renderApp(lessons(), {
      judge: (_s, _e, answer) =>
        answer === 'fake-token'
          ? { status: 'pass', message: 'Pasted right.', details: [] }
          : { status: 'fail', message: `got "${answer}"`, details: [] },
    });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n', 'a', 'fake-token\r');
    await app.waitFor('✓ Passed: Pasted right.');
  });
});

describe('an answer typed and submitted in the same instant', () => {
  const judge = (_s: string, _e: unknown, answer?: string) =>
    answer === 'fake-token'
      ? { status: 'pass' as const, message: 'Right on time.', details: [] }
      : { status: 'fail' as const, message: `got "${answer}"`, details: [] };

  it('keeps the last letter and the Enter when they come before the next frame', async () => {
    const app = renderApp(lessons(), { judge });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n', 'a', 'fake-toke');
    await app.waitFor('fake-toke');
    // When the last letter and Enter are read one after the other, with no frame between them
    app.stdin.write('n');
    app.stdin.write('\r');
    // Then the whole answer is checked
    await app.waitFor('✓ Passed: Right on time.');
  });

  it('types what follows the a key in one read into the field, and submits it', async () => {
    const app = renderApp(lessons(), { judge });
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('n', 'n');
    await app.waitFor('step 3/5');
    app.stdin.write('afake-token\r');
    await app.waitFor('✓ Passed: Right on time.');
    expect(app.labs[0]!.calls).toContain('check token fake-token');
  });
});

describe('keys that arrive together', () => {
  it('handles each key of a burst', async () => {
    const app = renderApp(lessons());
    await app.press(KEY.enter);
    await app.waitFor('step 1/5');
    await app.press('nnn');
    await app.waitFor('step 4/5');
  });
});
