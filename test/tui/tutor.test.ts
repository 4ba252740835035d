// The built tutor in a real terminal, as a learner uses it: open http-basics, read the port off
// the screen, run the shown curl, see the step pass; then leave in every way a learner might and
// find no lab process left behind.
import { execa } from 'execa';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { survivors, waitFor } from '../helpers/processes.js';
import { TmuxTerminal, hasTmux } from './tmux.js';

const terminals: TmuxTerminal[] = [];
const workspaces: string[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true });
});

interface Record_ {
  pid: number;
  servers: { name: string; pid: number | null }[];
}

/** Starts the tutor on http-basics and waits for its lab: the terminal, the workspace, the pids. */
async function openHttpBasics(args: string[] = ['http-basics']) {
  const workspace = tempDir('tui');
  workspaces.push(workspace);
  const terminal = new TmuxTerminal();
  terminals.push(terminal);
  terminal.start([process.execPath, binPath, ...args], {
    ...commandEnv(workspace),
    GATEWAY_TUTOR_WORKSPACE: workspace,
  });
  const file = join(workspace, '.labs', 'http-basics.json');
  if (args.length === 0) {
    // From the lesson map: http-basics is the first lesson and selected for a new learner
    await terminal.waitFor(/❯ ·\s+1\s+HTTP with curl\s+new/);
    terminal.keys('Enter');
  }
  await terminal.waitFor(/HTTP with curl · step 1\/7/);
  const record: Record_ = await waitFor(
    () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record_) : undefined),
    'the lab record',
  );
  const pids = [record.pid, ...record.servers.map((s) => s.pid).filter((p): p is number => p !== null)];
  return { workspace, terminal, pids };
}

describe.skipIf(!hasTmux())('the tutor in a terminal', () => {
  it('passes a probe step when the learner runs the shown curl, and keeps the progress', async () => {
    // Given the tutor open on http-basics, at the step that asks for a GET with -v
    const { workspace, terminal, pids } = await openHttpBasics([]);
    expect(pids.length).toBeGreaterThan(1);
    const port = (await terminal.waitFor(/origin\s+http:\/\/127\.0\.0\.1:(\d+)\s+up/))[1];
    terminal.keys('n');
    // When the learner copies the command shown on screen and runs it
    const shown = (await terminal.waitFor(/\$ (curl -v \S+)/))[1]!;
    expect(shown).toBe(`curl -v http://127.0.0.1:${port}/`);
    const run = await execa('sh', ['-c', shown], { env: commandEnv(workspace), reject: false });
    expect(run.exitCode).toBe(0);
    // Then the step passes on screen, and the request is in the log
    await terminal.waitFor(/✓ Passed: The origin saw your GET \//);
    await terminal.waitFor(/#\d+ \d\d:\d\d:\d\d origin GET \/ 200/);
    // When the learner quits with q
    terminal.keys('q');
    await terminal.waitFor(/\[exited 0\]/);
    // Then no lab process is left, and progress kept the pass
    expect(await survivors(pids)).toEqual([]);
    const progress = JSON.parse(readFileSync(join(workspace, 'progress.json'), 'utf8'));
    expect(progress.lessons['http-basics'].passed).toContain('verbose-get');
    // When the learner comes back, the map shows the lesson started and opens it where they were
    const again = new TmuxTerminal();
    terminals.push(again);
    again.start([process.execPath, binPath], { ...commandEnv(workspace), GATEWAY_TUTOR_WORKSPACE: workspace });
    await again.waitFor(/❯ ◐\s+1\s+HTTP with curl\s+started 1\/7/);
    again.keys('Enter');
    await again.waitFor(/HTTP with curl · step 2\/7 · A GET, seen with -v \[probe\] ✓/);
    again.keys('q');
    await again.waitFor(/\[exited 0\]/);
  });

  it('stops the lab on Ctrl-C', async () => {
    const { terminal, pids } = await openHttpBasics();
    terminal.keys('C-c');
    await terminal.waitFor(/\[exited 0\]/);
    expect(await survivors(pids)).toEqual([]);
  });

  it('stops the lab when the terminal is closed (SIGHUP)', async () => {
    const { terminal, pids } = await openHttpBasics();
    terminal.kill();
    expect(await survivors(pids)).toEqual([]);
  });

  it('stops the lab on SIGTERM', async () => {
    const { terminal, pids } = await openHttpBasics();
    process.kill(pids[0]!, 'SIGTERM');
    await terminal.waitFor(/\[exited 143\]/);
    expect(await survivors(pids)).toEqual([]);
  });

  it('redraws on resize, and asks for room when the terminal is too small', async () => {
    const { terminal } = await openHttpBasics();
    terminal.resize(50, 12);
    await terminal.waitFor(/This terminal is 50×12/);
    terminal.resize(100, 30);
    await terminal.waitFor(/HTTP with curl · step 1\/7/);
  });
});
