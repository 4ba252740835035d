// Headless, for workshops and screen readers: `show` prints a step with real ports, `check` and
// `show` take step numbers, `ctl` a server number, `list` says n/m passed and what is missing,
// the "no lab" error names the workspace, `lab` gives the exact command for a second terminal,
// and after a pass `check` says what comes next.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { waitFor } from '../helpers/processes.js';

const running: ResultPromise[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGTERM');
});

function tutor(workspace: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [binPath, ...args], { env: { ...commandEnv(workspace), ...env }, reject: false });
}

/** `lab LESSON` in text form, as a learner runs it in a second terminal; resolves once ready. */
async function startLab(workspace: string, lesson: string) {
  const child = execa(process.execPath, [binPath, 'lab', lesson], {
    env: commandEnv(workspace),
    reject: false,
    buffer: false,
  });
  running.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  await waitFor(() => lines.some((l) => l.startsWith('Requests appear below')), 'the lab to be ready');
  return { child, lines };
}

describe('headless commands', () => {
  it('shows a step by number with the preferred ports and a note when no lab runs', async () => {
    const workspace = tempDir('headless');
    const result = await tutor(workspace, ['show', 'forward-proxy', '2']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^The forward proxy · step 2\/6 · What the origin saw \[answer\]/);
    expect(result.stdout).toContain(`No lab is running in ${workspace}`);
    expect(result.stdout).toContain('  curl -sS -x http://127.0.0.1:8210 http://news.test/whoami');
    expect(result.stdout).toMatch(/Hints:\n {2}1\. /);
    expect(result.stdout).not.toContain('{{');
    // an unknown step lists the steps with their numbers
    const bad = await tutor(workspace, ['show', 'forward-proxy', '9']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/no step "9"\.\nIts steps, by number or id:\n {3}1 {2}through-the-proxy/);
  });

  it('names the workspace it looked in when no lab runs, and how to point at another', async () => {
    const workspace = tempDir('headless');
    const result = await tutor(workspace, ['check', 'http-basics', '2']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`No lab is running for http-basics in the workspace ${workspace}`);
    expect(result.stderr).toContain('--workspace DIR or GATEWAY_TUTOR_WORKSPACE=DIR');
    expect(result.stderr).toMatch(/--workspace \S+ lab http-basics/);
  });

  it('lists n/m passed per lesson, the totals, and what a lesson that cannot run is missing', async () => {
    const workspace = tempDir('headless');
    writeFileSync(
      join(workspace, 'progress.json'),
      JSON.stringify({ version: 1, lessons: { 'http-basics': { passed: ['anatomy', 'verbose-get'] } } }),
    );
    const result = await tutor(workspace, ['list'], { PYTHON: '/nonexistent/python3', PATH: '/usr/bin/none' });
    expect(result.stdout).toMatch(/1\. http-basics\s+HTTP with curl\s+2\/7 passed/);
    expect(result.stdout).toMatch(/lessons done, 2\/\d+ steps passed\./);
    expect(result.stdout).toMatch(/cannot run here: needs python3/);
  });

  it('stops its lab quietly when the reader of lab --json goes away (| head -1)', async () => {
    // Given `lab --json` whose reader takes the first line and leaves
    const workspace = tempDir('headless-epipe');
    const child = execa(process.execPath, [binPath, 'lab', 'http-basics', '--json'], {
      env: commandEnv(workspace),
      reject: false,
      buffer: { stdout: false },
    });
    running.push(child);
    const first = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(line)),
    );
    const { url, pid } = JSON.parse(first).servers[0];
    child.stdout!.destroy();
    // When the lab next has something to say (a request's event)
    await fetch(url).then((r) => r.text());
    // Then it stops every server and exits 0, with no crash report
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(done.stderr).not.toMatch(/crashed|EPIPE/);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the origin server to be gone');
  });

  it('runs a lab in one terminal and shows, checks by number and says what is next in another', async () => {
    // Given a lab started as a learner would, in text form
    const workspace = tempDir('headless');
    mkdirSync(workspace, { recursive: true });
    const { lines } = await startLab(workspace, 'http-basics');
    // it says how to run the tutor from the second terminal, with this workspace
    expect(lines.join('\n')).toMatch(/`node \S+ --workspace \S+ show http-basics`/);
    const port = /origin\s+origin server\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))![1];

    // When the learner reads step 2, it shows the running lab's port and no note
    const shown = await tutor(workspace, ['show', 'http-basics', '2']);
    expect(shown.stdout).toContain(`curl -v http://127.0.0.1:${port}/`);
    expect(shown.stdout).not.toContain('No lab is running');

    // After the request, step 2 passes; the next is step 3, not the read step 1 left behind
    await execa('curl', ['-s', `http://127.0.0.1:${port}/`]);
    await waitFor(() => lines.some((l) => / GET \/ /.test(l)), 'the request in the lab log');
    const second = await tutor(workspace, ['check', 'http-basics', '2']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('Next: step 3');
    expect(second.stdout).not.toContain('last step');

    // And checks step 1 by number: it passes, and step 3 is still the next one open
    const first = await tutor(workspace, ['check', 'http-basics', '1']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Next: step 3, Send a header of your own');
  });
});
