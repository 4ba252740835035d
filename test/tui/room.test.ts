// The built tutor in a real terminal at 80×24, 100×30 and 120×40: nothing wider than the screen,
// room to read, a footer that fits, steps list labels whole; and the keys that run and copy a
// shown command.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { visibleWidth } from '../../src/ui/text-width.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { TmuxTerminal, hasTmux } from './tmux.js';

const terminals: TmuxTerminal[] = [];
const workspaces: string[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true });
});

function open(lesson: string, size: { columns: number; rows: number }) {
  const workspace = tempDir('tui-room');
  workspaces.push(workspace);
  const terminal = new TmuxTerminal();
  terminals.push(terminal);
  terminal.start(
    [process.execPath, binPath, lesson],
    { ...commandEnv(workspace), GATEWAY_TUTOR_WORKSPACE: workspace },
    size,
  );
  return terminal;
}

/** Rows of step text: between the title line and the line that says what is below. */
function textRows(screen: string): number {
  return screen.split('\n').findIndex((line) => /↓ \d+ below/.test(line)) - 1;
}

describe.skipIf(!hasTmux())('the tutor at three sizes', () => {
  it('fits 80×24, 100×30 and 120×40 with a four-server lab, with room to read at each', async () => {
    // Given the forward proxy lesson (four servers, two commands) at 80×24
    const terminal = open('forward-proxy', { columns: 80, rows: 24 });
    await terminal.waitFor(/step 1\/6[\s\S]*↓ \d+ below[\s\S]*● secure[\s\S]*q quit/);
    const check = (screen: string, columns: number, rows: number) => {
      const lines = screen.split('\n');
      for (const line of lines) expect(visibleWidth(line), line).toBeLessThanOrEqual(columns);
      expect(textRows(screen), screen).toBeGreaterThanOrEqual(rows);
      expect(lines.filter((l) => l.trim()).at(-1), screen).toMatch(/\? help · q quit$/);
      // every port of the proxy, by name
      expect(screen).toMatch(/http:\/\/127\.0\.0\.1:\d+ · auth :\d+/);
    };
    check(terminal.screen(), 80, 10);
    // the list item the text wraps keeps its indent, and the heading its first letter
    terminal.keys('G');
    const bottom = await terminal.waitFor(/↑ \d+ above/);
    expect(bottom[0]).not.toMatch(/^ \S/m);

    // When the terminal grows to 100×30
    terminal.resize(100, 30);
    await terminal.waitFor(/▸ 1 Through the proxy/);
    terminal.keys('g');
    await terminal.waitFor(/^(?![\s\S]*↑ \d+ above)[\s\S]*↓ \d+ below/); // back at the top
    check(terminal.screen(), 100, 14);

    // And to 120×40: the steps list shows whole titles
    terminal.resize(120, 40);
    await terminal.waitFor(/▸ 1 Through the proxy, and not without it {2}[\s\S]*↓ \d+ below/);
    check(terminal.screen(), 120, 14);
    expect(terminal.screen()).toContain('· 3 A cache for everyone behind the proxy');
    terminal.keys('q');
    await terminal.waitFor(/\[exited 0\]/);
  });

  it('runs a shown command with r, marks its request, and copies one with y through OSC 52', async () => {
    // Given http-basics at the GET step, in a terminal that takes OSC 52 into its clipboard
    const terminal = open('http-basics', { columns: 80, rows: 24 });
    terminal.command('set', '-g', 'set-clipboard', 'on');
    await terminal.waitFor(/step 1\/7/);
    terminal.keys('n');
    const shown = (await terminal.waitFor(/^\$ (curl -v \S+)/m))[1]!;
    // When the learner presses r
    terminal.keys('r');
    // Then curl's output shows in the pane, and the request it caused is marked in the log
    await terminal.waitFor(/> GET \/ HTTP\/1\.1/);
    terminal.keys('G');
    await terminal.waitFor(/— exit code 0/);
    await terminal.waitFor(/▶#1 \d\d:\d\d:\d\d origin GET \/ 200/);
    // And the step passed from what the lab saw
    terminal.keys('Escape');
    await terminal.waitFor(/✓ Passed/);
    // When the learner copies the command with y
    terminal.keys('y');
    await terminal.waitFor(/Copied to the clipboard/);
    // Then the terminal's clipboard holds exactly the command
    expect(terminal.command('show-buffer')).toBe(shown);
    terminal.keys('q');
    await terminal.waitFor(/\[exited 0\]/);
  });
});
