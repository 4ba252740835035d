// The built command, as a learner or a script uses it: `lab --json` in the background, curl,
// `check --json`, `ctl`, exit codes, and no lab process left behind however the lab ends.
import { execa, execaSync, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { alive, descendants, survivors, waitFor } from '../helpers/processes.js';

interface Ready {
  event: 'ready';
  lesson: string;
  control: string;
  servers: { name: string; url: string; pid: number }[];
}

const running: ResultPromise[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

function tutor(workspace: string, args: string[]) {
  return execa(process.execPath, [binPath, ...args], { env: commandEnv(workspace), reject: false });
}

/** Start `lab LESSON --json` and wait for its ready line. */
async function startLab(workspace: string, lesson = 'http-basics') {
  const child = execa(process.execPath, [binPath, 'lab', lesson, '--json'], {
    env: commandEnv(workspace),
    reject: false,
    buffer: false,
  });
  running.push(child);
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) =>
    lines.push(JSON.parse(line) as Record<string, unknown>),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const ready = (await waitFor(
    () => lines.find((l) => l.event === 'ready') ?? (child.exitCode !== null && Promise.reject(new Error(stderr))),
    'the ready line',
  )) as unknown as Ready;
  return { child, ready, lines };
}

describe('gateway-tutor (built)', () => {
  it('answers --version and --help, and refuses unknown options and lessons with the valid ones', async () => {
    const workspace = tempDir('cli');
    expect((await tutor(workspace, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect((await tutor(workspace, ['--help'])).stdout).toContain('gateway-tutor check LESSON [STEP]');
    const badFlag = await tutor(workspace, ['list', '--frobnicate']);
    expect(badFlag.exitCode).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--frobnicate'[\s\S]*Valid options: .*--workspace/);
    const badLesson = await tutor(workspace, ['lab', 'htp-basics']);
    expect(badLesson.exitCode).toBe(2);
    expect(badLesson.stderr).toMatch(/There is no lesson "htp-basics".\nLessons: .*http-basics/);
    const badStep = await tutor(workspace, ['check', 'http-basics', 'nope']);
    expect(badStep.exitCode).toBe(2);
    expect(badStep.stderr).toMatch(/no step "nope"\.\nIts steps, by number or id:\n {3}1 {2}anatomy/);
  });

  it('lists lessons as JSON with progress and availability', async () => {
    const result = await tutor(tempDir('cli'), ['list', '--json']);
    expect(result.exitCode).toBe(0);
    const lessons = JSON.parse(result.stdout) as { id: string; steps: number; passed: number; available: boolean }[];
    expect(lessons.find((l) => l.id === 'http-basics')).toMatchObject({
      steps: 7,
      passed: 0,
      available: true,
      requires: ['curl'],
    });
  });

  it('says how to start a lab when check or ctl has none to talk to', async () => {
    const result = await tutor(tempDir('cli'), ['check', 'http-basics']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('No lab is running for http-basics');
    expect(result.stderr).toMatch(/gateway-tutor\S* (--workspace \S+ )?lab http-basics/);
  });

  it('runs a lab that curl and check in another process can use, and ctl can break and mend', async () => {
    // Given a lab running in the background
    const workspace = tempDir('cli');
    const { child, ready, lines } = await startLab(workspace);
    const origin = ready.servers.find((s) => s.name === 'origin')!;
    expect(ready.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(origin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // The record other terminals use is private to the user, and the endpoint wants its token
    const record = join(workspace, '.labs', 'http-basics.json');
    expect(readFileSync(record, 'utf8')).toContain(`"pid": ${child.pid}`);
    expect((await import('node:fs')).statSync(record).mode & 0o777).toBe(0o600);
    expect((await fetch(`${ready.control}/state`)).status).toBe(401);

    // When the learner acts, the lab reports it, and check judges it
    const first = await tutor(workspace, ['check', 'http-basics', '--json']);
    expect(JSON.parse(first.stdout)).toMatchObject({ step: 'anatomy', status: 'pass' });
    const notYet = await tutor(workspace, ['check', 'http-basics', 'verbose-get', '--json']);
    expect(notYet.exitCode).toBe(1);
    expect(JSON.parse(notYet.stdout)).toMatchObject({
      status: 'fail',
      details: ['The lab saw: no requests yet', 'Expected: GET / (run the command shown)'],
    });
    await execa('curl', ['-s', `${origin.url}/`]);
    await waitFor(() => lines.some((l) => l.event === 'request' && l.target === '/'), 'the request event');
    const passed = await tutor(workspace, ['check', 'http-basics', '--json']);
    expect(passed.exitCode).toBe(0);
    expect(JSON.parse(passed.stdout)).toMatchObject({ lesson: 'http-basics', step: 'verbose-get', status: 'pass' });
    expect(JSON.parse(readFileSync(join(workspace, 'progress.json'), 'utf8')).lessons['http-basics'].passed).toEqual([
      'anatomy',
      'verbose-get',
    ]);

    const wrong = await tutor(workspace, ['check', 'http-basics', 'find-token', '--answer', 'deadbeef', '--json']);
    expect(wrong.exitCode).toBe(1);

    // ctl stops and starts the origin, and the lab reports both
    const stopped = await tutor(workspace, ['ctl', 'http-basics', 'stop', 'origin']);
    expect(stopped.stdout).toBe('origin is stopped.');
    expect(await survivors([origin.pid])).toEqual([]);
    const started = await tutor(workspace, ['ctl', 'http-basics', 'start', 'origin']);
    expect(started.stdout).toMatch(/^origin is up \(pid \d+\)\.$/);
    expect((await fetch(`${origin.url}/`)).status).toBe(200);
    await waitFor(() => lines.filter((l) => l.event === 'server').length === 2, 'server events');
    expect(lines.filter((l) => l.event === 'server').map((l) => l.state)).toEqual(['stopped', 'up']);
    expect((await tutor(workspace, ['ctl', 'http-basics', 'stop', 'nginx'])).stderr).toContain(
      'Its servers, by number or name: 1 origin',
    );

    // When the lab is asked to stop, it says so last and leaves nothing behind
    const pids = descendants(child.pid!);
    child.kill('SIGTERM');
    await child;
    expect(lines.at(-1)).toEqual({ event: 'stopped' });
    expect(await survivors(pids)).toEqual([]);
    expect(existsSync(record)).toBe(false);
  });

  it('leaves no lab server behind when the tutor is killed with SIGKILL, and cleans the stale record', async () => {
    const workspace = tempDir('cli');
    const { child, ready } = await startLab(workspace);
    const pids = descendants(child.pid!);
    expect(pids).toContain(ready.servers[0]!.pid);
    expect(pids.every(alive)).toBe(true);

    child.kill('SIGKILL');
    await child;
    expect(await survivors(pids)).toEqual([]);

    const check = await tutor(workspace, ['check', 'http-basics']);
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toContain('No lab is running');
    expect(existsSync(join(workspace, '.labs', 'http-basics.json'))).toBe(false);
  });

  it.each(['SIGINT', 'SIGHUP'] as const)('stops cleanly on %s (Ctrl-C, a closed terminal)', async (signal) => {
    const workspace = tempDir('cli');
    const { child, lines } = await startLab(workspace);
    const pids = descendants(child.pid!);
    expect(pids.length).toBeGreaterThan(0);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode).toBe(signal === 'SIGINT' ? 130 : 129);
    expect(lines.at(-1)).toEqual({ event: 'stopped' });
    expect(await survivors(pids)).toEqual([]);
  });

  it('refuses a second lab for the same lesson, and names the first', async () => {
    const workspace = tempDir('cli');
    const { child } = await startLab(workspace);
    const second = await tutor(workspace, ['lab', 'http-basics']);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(`already running (process ${child.pid})`);
  });

  it('sets a damaged progress file aside with a warning instead of crashing', async () => {
    const workspace = tempDir('cli');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, 'progress.json'), 'not json');
    const result = await tutor(workspace, ['list']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/warning: Your progress file could not be read, so it was set aside/);
  });

  it('without Python, says plainly what the Python lessons need, exits 3, and runs the rest', async () => {
    // Given a PATH with curl but no python at all
    const workspace = tempDir('cli');
    const bin = tempDir('nopython');
    symlinkSync(execaSync('sh', ['-c', 'command -v curl']).stdout, join(bin, 'curl'));
    const env = { ...commandEnv(workspace), PATH: bin, PYTHON: '' };
    const run = (args: string[]) => execa(process.execPath, [binPath, ...args], { env, reject: false });

    const lessons = JSON.parse((await run(['list', '--json'])).stdout) as {
      id: string;
      available: boolean;
      missing?: { id: string; why: string }[];
    }[];
    expect(lessons.find((l) => l.id === 'wsgi')).toMatchObject({
      available: false,
      missing: [{ id: 'python3', why: expect.stringContaining('Python 3.9 or newer') }],
    });
    expect(lessons.find((l) => l.id === 'http-basics')).toMatchObject({ available: true });

    const lab = await run(['lab', 'wsgi']);
    expect(lab.exitCode).toBe(3);
    expect(lab.stderr).toMatch(
      /The wsgi lesson cannot run on this machine yet\.\n\s+python3: needs Python 3.9 or newer/,
    );
  });

  it('resets a lesson only when told yes', async () => {
    const workspace = tempDir('cli');
    const refused = await tutor(workspace, ['reset', 'http-basics']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    const done = await tutor(workspace, ['reset', 'http-basics', '--yes']);
    expect(done.exitCode).toBe(0);
  });
});
