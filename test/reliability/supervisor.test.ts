// Issue 15: the supervisor's side of "no request can crash a lab server". A server that crashes
// anyway is started again (a bounded number of times) and checks say so; two labs of one lesson
// started at once cannot both run (defect 7); a SIGKILLed tutor's leftovers go (defect 11).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fail, serverChanges } from '../../src/engine/check-helpers.js';
import { TutorError } from '../../src/engine/errors.js';
import { Lab } from '../../src/engine/lab.js';
import { cleanLeftovers, runDirPrefix } from '../../src/engine/leftovers.js';
import type { Step } from '../../src/engine/types.js';
import { tempDir } from '../helpers/env.js';
import { tinyLesson } from '../helpers/lessons.js';
import { waitFor } from '../helpers/processes.js';

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((lab) => lab.teardown()));
});

async function crash(lab: Lab): Promise<void> {
  await fetch(`${lab.servers()[0]!.url}/crash`).catch(() => {});
}

const seenStep: Step = {
  id: 'seen',
  kind: 'probe',
  title: 'A request',
  text: 'seen.md',
  check: async () => fail({ message: 'tiny-1 has not seen a request for /hello yet.' }),
};

describe('the supervisor', () => {
  it('starts a crashed server again, says why in a server event, and checks say it crashed', async () => {
    // Given a running lab
    const lab = await Lab.start(tinyLesson({ steps: [seenStep] }), { workspace: tempDir('sup'), control: false });
    labs.push(lab);
    const before = lab.servers()[0]!.pid;
    lab.beginStep('seen');

    // When a request kills its server
    await crash(lab);

    // Then the server is back, with a new pid, and the events tell the story with the reason
    await waitFor(() => lab.servers()[0]!.state === 'up' && lab.servers()[0]!.pid !== before, 'the restart');
    const changes = serverChanges(lab.events());
    expect(changes.map((e) => e.state)).toEqual(['crashed', 'up']);
    expect(changes[0]!.reason).toMatch(/exit code 1: TypeError: tiny was asked to crash/);
    expect(changes[1]!.reason).toMatch(/restarted after a crash/);
    expect((await fetch(`${lab.servers()[0]!.url}/again`)).status).toBe(200);

    // And a failed check leads with the crash, not with "has not seen"
    const outcome = await lab.check('seen');
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(/^The tiny-1 crashed and was restarted: exited unexpectedly .*TypeError/);
    expect(outcome.details[0]).toMatch(/has not seen a request/);
  });

  it('gives up after a few crashes in a row, and says so', async () => {
    const lab = await Lab.start(tinyLesson(), { workspace: tempDir('sup'), control: false });
    labs.push(lab);
    const lines: string[] = [];
    lab.subscribe((change) => change.type === 'log' && lines.push(change.line));
    for (let round = 1; round <= 4; round++) {
      await waitFor(() => lab.servers()[0]!.state === 'up', `the server up (round ${round})`);
      await crash(lab);
      await waitFor(
        () => serverChanges(lab.events()).filter((e) => e.state === 'crashed').length === round,
        `crash ${round}`,
      );
    }
    await waitFor(() => lines.some((l) => /stays down/.test(l)), 'the supervisor giving up');
    expect(lab.servers()[0]!.state).toBe('crashed');
  });
});

describe('two labs of one lesson', () => {
  it('started at the same moment: one runs, the other says where it is (defect 7)', async () => {
    const workspace = tempDir('twice');
    const lesson = tinyLesson();
    const results = await Promise.allSettled([
      Lab.start(lesson, { workspace, preferredPorts: false }),
      Lab.start(lesson, { workspace, preferredPorts: false }),
    ]);
    for (const result of results) if (result.status === 'fulfilled') labs.push(result.value);
    const started = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const error = refused[0]!.reason as TutorError;
    expect(error).toBeInstanceOf(TutorError);
    expect(error.message).toMatch(/A lab for tiny is already (running|starting) \(process \d+\)/);
    expect(error.hint).toMatch(/gateway-tutor check tiny/);

    // And once the winner stops, a new one may start
    await labs.pop()!.teardown();
    labs.push(await Lab.start(lesson, { workspace, preferredPorts: false }));
  });
});

describe('leftovers of a SIGKILLed tutor (defect 11)', () => {
  it('are removed by the next run: run folders of dead tutors and lock files', async () => {
    // Given a temp folder with what a killed tutor left, and what a live one is using
    const tmp = tempDir('leftovers');
    const deadPid = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    const dead = join(tmp, `${runDirPrefix('wsgi', Number(deadPid))}Ab12Cd`);
    const live = join(tmp, `${runDirPrefix('wsgi')}Xy34Zw`);
    const oldEmpty = join(tmp, 'gateway-tutor-wsgi-Qq11Rr');
    for (const dir of [dead, live, oldEmpty]) mkdirSync(dir);
    writeFileSync(join(dead, 'cert.pem'), 'x');
    writeFileSync(join(tmp, 'gt-wsgi-k2j3h4.lock'), '');

    // When the next run cleans up
    await cleanLeftovers(tmp);

    // Then only the live run's folder is left
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(oldEmpty)).toBe(false);
    expect(existsSync(join(tmp, 'gt-wsgi-k2j3h4.lock'))).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('happens when a lab starts, whose run folder carries its pid', async () => {
    const tmp = tempDir('leftovers-tmp');
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      writeFileSync(join(tmp, 'gt-wsgi-zzzzzz.lock'), '');
      const lab = await Lab.start(tinyLesson(), { workspace: tempDir('sup'), control: false });
      labs.push(lab);
      expect(existsSync(join(tmp, 'gt-wsgi-zzzzzz.lock'))).toBe(false);
    } finally {
      process.env.TMPDIR = previous;
    }
  });
});
