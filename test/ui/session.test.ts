import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LessonSession } from '../../src/engine/session.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { FakeLab, FakeProgress } from './helpers/fake-lab.js';
import { warmUp } from './helpers/lessons.js';

/** Resolves once the session's snapshot satisfies the condition (no fixed sleeps). */
function until(session: LessonSession, condition: () => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (condition()) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error('condition not met in time'));
    }, ms);
    const stop = session.subscribe(() => {
      if (condition()) {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  });
}

const sessions: LessonSession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

function open(lab: FakeLab, progress = new FakeProgress(), lessonWorkspace = '/nowhere') {
  const session = new LessonSession(lab, progress, { lessonWorkspace, pollMs: 50, settleMs: 20 });
  sessions.push(session);
  return session;
}

describe('LessonSession', () => {
  it('resumes at the step the learner left, and begins it in the lab', () => {
    // Given progress that says the learner was on "token"
    const lab = new FakeLab(warmUp());
    const progress = new FakeProgress({ 'warm-up': ['look', 'get'] });
    void progress.setCurrent('warm-up', 'token');
    // When the session opens
    const session = open(lab, progress);
    // Then it shows that step, knows what passed, and told the lab
    expect(session.snapshot().step.id).toBe('token');
    expect([...session.snapshot().passed]).toEqual(['look', 'get']);
    expect(lab.calls).toEqual(['begin token']);
  });

  it('passes a probe step the moment the lab sees the right request, and saves it', async () => {
    // Given a probe step whose check wants a GET of /
    const lab = new FakeLab(warmUp(), (_step, events) =>
      events.some((e) => e.event === 'request' && (e as RequestEvent).target === '/')
        ? { status: 'pass', message: 'The origin saw GET /.', details: [] }
        : { status: 'fail', message: 'No GET / yet.', details: [] },
    );
    const progress = new FakeProgress({ 'warm-up': ['look'] });
    const session = open(lab, progress);
    expect(session.snapshot().step.id).toBe('get');
    // When a wrong request and then the right one arrive
    lab.request({ target: '/favicon.ico', status: 404 });
    lab.request({ target: '/' });
    // Then the step passes by itself and progress records it
    await until(session, () => session.snapshot().passed.has('get'));
    expect(session.snapshot().result).toMatchObject({ status: 'pass', message: 'The origin saw GET /.', auto: true });
    await session.flushed();
    expect(progress.saved).toEqual(['warm-up/get']);
    expect(session.snapshot().requests.map((r) => r.target)).toEqual(['/favicon.ico', '/']);
  });

  it('coalesces a burst of events into few checks, one at a time', async () => {
    // Given a check that is slow and never passes
    let running = 0;
    let overlap = false;
    const lab = new FakeLab(warmUp(), () => ({ status: 'fail', message: 'no', details: [] }));
    const check = lab.check.bind(lab);
    lab.check = async (step, answer) => {
      running++;
      if (running > 1) overlap = true;
      await new Promise((r) => setImmediate(r));
      running--;
      return check(step, answer);
    };
    const session = open(lab, new FakeProgress({ 'warm-up': ['look'] }));
    // When ten requests arrive at once
    for (let i = 0; i < 10; i++) lab.request({ target: `/${i}` });
    await until(session, () => !session.snapshot().checking && session.snapshot().result !== undefined);
    // Then checks never overlapped and far fewer than ten ran
    expect(overlap).toBe(false);
    expect(lab.calls.filter((c) => c.startsWith('check')).length).toBeLessThanOrEqual(3);
  });

  it('judges a burst once the lab has been quiet, with every request of it', async () => {
    // Given a probe whose check counts what the lab saw, and a quiet period of 100 ms
    vi.useFakeTimers();
    try {
      const judged: number[] = [];
      const lab = new FakeLab(warmUp(), (_step, events) => {
        judged.push(events.length);
        return events.length >= 6
          ? { status: 'pass', message: 'All six.', details: [] }
          : { status: 'fail', message: `only ${events.length}`, details: [] };
      });
      const session = new LessonSession(lab, new FakeProgress({ 'warm-up': ['look'] }), {
        lessonWorkspace: '/nowhere',
        quietMs: 100,
      });
      sessions.push(session);
      // When six requests come 50 ms apart (a loop in the learner's shell)
      for (let i = 0; i < 6; i++) {
        lab.request({ target: `/${i}` });
        await vi.advanceTimersByTimeAsync(50);
      }
      // Then nothing was judged mid-burst
      expect(judged).toEqual([]);
      // And once the lab is quiet, one check sees all six and passes
      await vi.advanceTimersByTimeAsync(100);
      expect(judged).toEqual([6]);
      expect(session.snapshot().passed.has('get')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the last events of a burst once it stops, and leaves no timer after it closes', async () => {
    // Given a session whose snapshot takes in new events at most every 50 ms
    vi.useFakeTimers();
    try {
      const lab = new FakeLab(warmUp(), () => ({ status: 'fail', message: 'no', details: [] }));
      const session = new LessonSession(lab, new FakeProgress({ 'warm-up': ['look'] }), {
        lessonWorkspace: '/nowhere',
      });
      // When a burst arrives, then a few more events 10 ms later, and then nothing
      for (let i = 0; i < 5; i++) lab.request({ target: `/${i}` });
      await vi.advanceTimersByTimeAsync(10);
      for (let i = 5; i < 8; i++) lab.request({ target: `/${i}` });
      // Then once the 50 ms are out every event of it is in the snapshot, the last one too
      await vi.advanceTimersByTimeAsync(60);
      expect(session.snapshot().requests.map((r) => r.target)).toEqual(Array.from({ length: 8 }, (_, i) => `/${i}`));
      // And an event just before closing leaves nothing running once the session is closed
      lab.request({ target: '/late' });
      session.dispose();
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps a load test's newest requests, numbered as the lab numbered them", async () => {
    // Given an open session
    const lab = new FakeLab(warmUp(), () => ({ status: 'fail', message: 'no', details: [] }));
    const session = open(lab, new FakeProgress({ 'warm-up': ['look'] }));
    // When the lab sees 12,000 requests (a few seconds of wrk) and a health check among them
    for (let i = 1; i <= 12_000; i++) lab.request({ target: `/${i}`, healthCheck: i === 6000 || undefined });
    await until(session, () => session.snapshot().requests.at(-1)?.target === '/12000');
    // Then the snapshot holds the newest few thousand, not all of them, newest last
    const { requests } = session.snapshot();
    expect(requests.length).toBeGreaterThanOrEqual(5000);
    expect(requests.length).toBeLessThanOrEqual(5500);
    // And each keeps its number in the log: the health check has none, and is not counted
    expect(requests.at(-1)).toMatchObject({ target: '/12000', number: 11_999 });
    const numbers = requests.map((r) => r.number);
    expect(numbers).toEqual(Array.from({ length: requests.length }, (_, i) => 11_999 - requests.length + 1 + i));
  });

  it('checks an answer step on demand with the typed answer', async () => {
    const lab = new FakeLab(warmUp(), (_s, _e, answer) =>
      answer === 'fake-token'
        ? { status: 'pass', message: 'Right token.', details: [] }
        : { status: 'fail', message: `"${answer}" is not the token.`, details: ['The token is in X-Secret.'] },
    );
    const session = open(lab);
    session.open(2);
    const wrong = await session.check('nope');
    expect(wrong).toMatchObject({ status: 'fail', message: '"nope" is not the token.', auto: false });
    expect(session.snapshot().passed.has('token')).toBe(false);
    await session.check('fake-token');
    expect(session.snapshot().passed.has('token')).toBe(true);
  });

  it('passes a read step when the learner asks to go on, without asking the lab', async () => {
    const lab = new FakeLab(warmUp());
    const session = open(lab);
    await session.check();
    expect(session.snapshot().passed.has('look')).toBe(true);
    expect(lab.calls).toEqual(['begin look']);
  });

  it('shows hints one at a time, and no more than there are', () => {
    const session = open(new FakeLab(warmUp()));
    session.next();
    session.showHint();
    session.showHint();
    session.showHint();
    expect(session.snapshot().hintsShown).toBe(2);
    session.next();
    expect(session.snapshot().hintsShown).toBe(0);
  });

  describe('edit steps', () => {
    let dir = '';
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('re-runs the check when the watched file is saved', async () => {
      // Given an edit step watching app.py, whose check reads the file's content
      dir = await mkdtemp(join(tmpdir(), 'gt-session-'));
      const file = join(dir, 'app.py');
      await writeFile(file, 'status = 500\n');
      let content = 'status = 500\n';
      const lab = new FakeLab(warmUp(), () =>
        content.includes('200')
          ? { status: 'pass', message: 'It answers 200.', details: [] }
          : { status: 'fail', message: 'It answers 500.', details: [] },
      );
      const session = open(lab, new FakeProgress(), dir);
      session.open(3);
      expect(session.snapshot().watchPath).toBe(file);
      // When the learner saves a fixed file
      content = 'status = 200\n';
      await writeFile(file, content);
      // Then the step passes without a key press
      await until(session, () => session.snapshot().passed.has('script'));
      expect(session.snapshot().result).toMatchObject({ status: 'pass', auto: true });
    });
  });

  it('skips a step whose requirement is missing, and completes the lesson without it', async () => {
    // Given a lesson whose drill step needs Flask, on a machine without it
    const lesson = warmUp();
    lesson.steps[4]!.requires = ['flask'];
    const progress = new FakeProgress({ 'warm-up': ['look', 'get', 'token'] });
    const session = new LessonSession(
      new FakeLab(lesson, () => ({ status: 'pass', message: 'ok', details: [] })),
      progress,
      {
        lessonWorkspace: '/nowhere',
        requirement: async (id) => ({ ok: id !== 'flask', detail: 'pip install flask' }),
      },
    );
    sessions.push(session);
    // Then the step is marked skipped with the reason
    await until(session, () => session.snapshot().skipped.size > 0);
    expect(session.snapshot().skipped.get('down')).toBe('needs flask: pip install flask');
    // When the last other step passes, the lesson is complete
    session.open(3);
    await session.check();
    expect(session.snapshot().complete).toBe(true);
  });

  it('picks up a pass recorded from another terminal', async () => {
    const progress = new FakeProgress();
    const session = new LessonSession(new FakeLab(warmUp()), progress, { lessonWorkspace: '/nowhere', syncMs: 10 });
    sessions.push(session);
    // When `gateway-tutor check` elsewhere passes "get" through the lab (same Progress)
    await progress.markPassed('warm-up', 'get');
    // Then the session shows it passed
    await until(session, () => session.snapshot().passed.has('get'));
  });

  it('lets a drill stop and start a server, and the snapshot follows', async () => {
    const lab = new FakeLab(warmUp());
    const session = open(lab);
    session.open(4);
    await session.control('stop', 'origin');
    expect(session.snapshot().servers[0]).toMatchObject({ state: 'stopped', pid: null });
    await session.control('start', 'origin');
    expect(session.snapshot().servers[0]).toMatchObject({ state: 'up' });
  });
});
