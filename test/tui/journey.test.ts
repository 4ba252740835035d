// The journey view in a real terminal at 80×24, as a learner meets it in the lifecycle lesson:
// one curl through the reverse proxy, the request picked in the log, and on screen every hop it
// crossed — proxy, ASGI server, each middleware, the handler — each with its own time, and who
// answered. Then the keys the view lists: the next hop lit with what it saw, fold, back.
import { execa } from 'execa';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { visibleWidth } from '../../src/ui/text-width.js';
import { findPython } from '../../src/engine/requirements.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { TmuxTerminal, hasTmux } from './tmux.js';

const python = await findPython();
const HOPS = ['proxy', 'asgi', 'logging', 'compression', 'cors', 'auth', 'authz', 'body', 'handler'];

const terminals: TmuxTerminal[] = [];
const workspaces: string[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  for (const workspace of workspaces.splice(0)) rmSync(workspace, { recursive: true, force: true });
});

describe.skipIf(!hasTmux() || !python)('the journey view in a terminal', () => {
  it('shows every hop of a request picked from the log, with its time and who answered, at 80×24', async () => {
    // Given the tutor open on the lifecycle lesson at 80×24
    const workspace = tempDir('tui-journey');
    workspaces.push(workspace);
    const terminal = new TmuxTerminal();
    terminals.push(terminal);
    terminal.start([process.execPath, binPath, 'lifecycle'], commandEnv(workspace), { columns: 80, rows: 24 });
    const port = (await terminal.waitFor(/proxy\s+http:\/\/127\.0\.0\.1:(\d+)\s+up/, 'the proxy up', 30_000))[1];
    await terminal.waitFor(/app\s+http:\/\/127\.0\.0\.1:\d+\s+up/);
    // When the learner sends one curl through the proxy, with a token
    const curl = await execa(
      'curl',
      ['-s', '-H', 'Authorization: Bearer reader', `http://127.0.0.1:${port}/api/notes`],
      {
        env: commandEnv(workspace),
        reject: false,
      },
    );
    expect(curl.exitCode).toBe(0);
    // And picks that request in the log (the newest is selected) and opens it
    await terminal.waitFor(/#\d+ \d\d:\d\d:\d\d proxy GET \/api\/notes 200/);
    terminal.keys('l');
    await terminal.waitFor(/Enter its journey/);
    terminal.keys('Enter');
    // Then every hop shows, in order from the client inwards, each with its own time
    const screen = (
      await terminal.waitFor(/GET \/api\/notes → 200 · 9 hops[\s\S]*answered by handler/, 'the whole journey')
    ).input!;
    expect(screen).not.toContain('not every hop has reported');
    const lines = screen.split('\n');
    const at = HOPS.map((hop) =>
      lines.findIndex((line) => new RegExp(`[→■] ${hop}\\s+(Σ )?\\d+(\\.\\d)? ms`).test(line)),
    );
    for (const [i, row] of at.entries()) expect(row, `${HOPS[i]} with its time`).toBeGreaterThan(0);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // And the handler is marked as the hop that answered; the first hop is lit with its changes
    expect(lines[at[8]!]).toMatch(/■ handler .* 200 ← answered here/);
    expect(lines[at[0]!]).toMatch(/^▶→ proxy/);
    expect(screen).toContain('── 1/9 proxy (proxy)');
    expect(screen).toMatch(/\+ X-Forwarded-For: 127\.0\.0\.1/);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    // When the learner lights the next hop, it shows its time and the ASGI scope it built
    terminal.keys('Right');
    await terminal.waitFor(/── 2\/9 asgi \(app\)/);
    terminal.keys('G');
    await terminal.waitFor(/ASGI (scope|events)[\s\S]*↑ \d+ above/);
    // And e unfolds the long sections; Esc goes back to the log
    terminal.keys('e');
    await terminal.waitFor(/▾ what else app reported/);
    terminal.keys('Escape');
    await terminal.waitFor(/── requests \(\d+\) · ↑\/↓ choose, Enter its journey, Esc back/);
    terminal.keys('q');
    await terminal.waitFor(/\[exited 0\]/);
  }, 60_000);
});
