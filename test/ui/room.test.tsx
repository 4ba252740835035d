// Room to read: the step text keeps at least 10 rows at 80×24 and 14 at 100×30, even with a lab
// of four servers, two commands and a check result; the other parts give way first. Scrolling
// says what is above and below, and pictures scroll sideways instead of being cut.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardProxyEvents } from '../../src/servers/forward-proxy/events.js';
import { wsgiEvents } from '../../src/servers/python/wsgi-events.js';
import { backendEvents, reverseProxyEvents } from '../../src/servers/reverse-proxy/events.js';
import { layout, minTextRows } from '../../src/ui/layout.js';
import { fittingKeys } from '../../src/ui/views/footer.js';
import { visibleWidth } from '../../src/ui/text-width.js';
import { warmUp } from './helpers/lessons.js';
import { KEY, entry, renderApp } from './helpers/render-app.js';

afterEach(() => cleanup());

const longText = Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of the step.`).join('\n\n');
const busyLesson = () =>
  warmUp({
    servers: ['proxy', 'app-1', 'app-2', 'app-3'].map((name, i) => ({
      name,
      role: i === 0 ? 'reverse proxy' : 'app server',
      events: i === 0 ? reverseProxyEvents : backendEvents,
      program: { node: 'x.mjs' },
      port: 8300 + i,
    })),
    steps: [
      {
        id: 'long',
        kind: 'probe',
        title: 'A long step',
        text: 'long.md',
        commands: ['curl -s {{proxy.url}}/', 'curl -s {{app-1.url}}/'],
      },
      { id: 'wide', kind: 'read', title: 'A wide picture', text: 'wide.md' },
    ],
    texts: {
      long: longText,
      wide: `Before.\n\n\`\`\`\n${'left-edge '.repeat(6)}MIDDLE ${'right-side '.repeat(6)}END\n\`\`\`\n`,
    },
  });

/** Lines of the step text on screen: "Line N of the step." */
const textLines = (frame: string) => frame.split('\n').filter((l) => /Line \d+ of the step\./.test(l)).length;

describe('the layout', () => {
  it.each([
    [24, 10],
    [30, 14],
  ])('keeps %i-row terminals at %i text rows with 4 servers, 2 commands and a 3-line result', (rows, min) => {
    expect(minTextRows(rows)).toBe(min + 1); // and the line that says there is more
    const box = layout({ rows, servers: 4, commandRows: 2, statusRows: 3, lab: 'auto' });
    expect(box.textRows).toBeGreaterThanOrEqual(min);
    // the parts add up to the screen (title, footer, spare row)
    expect(3 + box.mainRows + box.labRows + 1 + box.logRows).toBeLessThanOrEqual(rows);
  });

  it('gives spare rows back to the log and the rules on a tall terminal', () => {
    const box = layout({ rows: 40, servers: 4, commandRows: 2, statusRows: 0, lab: 'auto' });
    expect(box).toMatchObject({ labFolded: false, commandRules: true, logRows: 6 });
  });

  it('gives an empty log one line, and grows it as requests come', () => {
    expect(layout({ rows: 40, servers: 1, commandRows: 1, statusRows: 0, lab: 'auto', requests: 0 }).logRows).toBe(1);
    expect(layout({ rows: 40, servers: 1, commandRows: 1, statusRows: 0, lab: 'auto', requests: 3 }).logRows).toBe(3);
    expect(layout({ rows: 40, servers: 1, commandRows: 1, statusRows: 0, lab: 'auto', requests: 30 }).logRows).toBe(6);
  });

  it('folds the lab on request, and keeps it open on request', () => {
    expect(layout({ rows: 40, servers: 4, commandRows: 0, statusRows: 0, lab: 'folded' }).labRows).toBe(1);
    expect(layout({ rows: 24, servers: 4, commandRows: 4, statusRows: 6, lab: 'open' }).labRows).toBe(5);
  });
});

describe('the lesson screen', () => {
  it.each([
    [80, 24, 10],
    [100, 30, 14],
  ])('at %i×%i shows at least %i lines of step text, and nothing wider than the screen', async (columns, rows, min) => {
    const app = renderApp([entry(busyLesson())], { columns, rows });
    await app.press(KEY.enter);
    const frame = await app.waitFor('Line 1 of the step.');
    expect(textLines(frame)).toBeGreaterThanOrEqual(min / 2); // blank lines between paragraphs
    // between the title line and the "↓ N below" line
    const textRows = frame.split('\n').findIndex((l) => /below/.test(l)) - 1;
    expect(textRows).toBeGreaterThanOrEqual(min);
    expect(frame.split('\n').length).toBeLessThan(rows);
    for (const line of frame.split('\n')) expect(visibleWidth(line)).toBeLessThanOrEqual(columns);
    // commands start at the left edge, beside nothing, so the mouse selects only the command
    expect(frame).toMatch(/^\$ curl -s http:\/\/127\.0\.0\.1:8300\/$/m);
    // the footer fits and still offers help
    expect(frame.split('\n').at(-1)).toMatch(/\? help · q quit$/);
  });

  it('folds the lab panel to one line with f, giving its rows to the text', async () => {
    const app = renderApp([entry(busyLesson())], { columns: 100, rows: 40 });
    await app.press(KEY.enter);
    const open = await app.waitFor('── lab · f fold');
    expect(open).toMatch(/● app-3\s+http:\/\/127\.0\.0\.1:8303/);
    await app.press('f');
    const folded = await app.waitFor('lab (f unfolds)');
    expect(folded).toMatch(/lab \(f unfolds\) ● proxy :8300 {2}● app-1 :8301 {2}● app-2 :8302 {2}● app-3 :8303/);
    expect(textLines(folded)).toBeGreaterThan(textLines(open));
    await app.press('f');
    await app.waitFor('── lab · f fold');
  });

  it('scrolls with j, G, g, Ctrl-D and Ctrl-U, saying what is above and below', async () => {
    const app = renderApp([entry(busyLesson())], { columns: 100, rows: 30 });
    await app.press(KEY.enter);
    const top = await app.waitFor('Line 1 of the step.');
    expect(top).toMatch(/↓ \d+ below/);
    expect(top).not.toMatch(/above/);
    await app.press('G');
    const bottom = await app.waitFor('Line 60 of the step.');
    expect(bottom).toMatch(/↑ \d+ above/);
    expect(bottom).not.toMatch(/below/);
    await app.press('g');
    await app.waitFor('Line 1 of the step.');
    await app.press('\u0004'); // Ctrl-D: half a window down
    const half = await app.waitFor(/↑ \d+ above/);
    expect(half).not.toContain('Line 1 of the step.');
    await app.press('\u0015'); // Ctrl-U
    await app.waitFor('Line 1 of the step.');
  });

  it('shows a too-wide picture with a mark at the edge and scrolls it sideways with > and <', async () => {
    const app = renderApp([entry(busyLesson())], { columns: 80, rows: 24 });
    await app.press(KEY.enter);
    await app.waitFor('step 1/2');
    await app.press('n');
    const start = await app.waitFor('left-edge');
    expect(start).toMatch(/left-edge.*›$/m);
    expect(start).toContain('< > sideways');
    expect(start).not.toContain('END');
    await app.press('>', '>');
    const moved = await app.waitFor('END');
    expect(moved).toMatch(/^‹/m);
    await app.press('<', '<');
    await app.waitFor(/^ {2}left-edge/m);
  });
});

describe('the lab panel', () => {
  it('shows every port of every server by its name, and when the WSGI lab runs under Gunicorn', async () => {
    const lesson = warmUp({
      servers: [
        {
          name: 'proxy',
          role: 'forward proxy',
          events: forwardProxyEvents,
          program: { node: 'p.mjs' },
          port: 8210,
          extraPorts: { auth: 8211 },
        },
        {
          name: 'wsgi',
          role: 'WSGI server',
          events: wsgiEvents,
          program: { python: '@servers/python/wsgi_server.py', args: ['--engine', 'gunicorn'] },
          port: 8600,
        },
      ],
    });
    const app = renderApp([entry(lesson)], { columns: 100, rows: 40 });
    await app.press(KEY.enter);
    const frame = await app.waitFor('── lab');
    expect(frame).toMatch(/● proxy\s+http:\/\/127\.0\.0\.1:8210 · auth :8211\s+up/);
    expect(frame).toMatch(/● wsgi .*WSGI server\s+under Gunicorn/);
  });
});

describe('the footer', () => {
  it('drops the keys listed last to fit, keeping quit and help', () => {
    const keys: [string, string][] = [
      ['c', 'check'],
      ['h', 'hint'],
      ['←/→', 'steps'],
      ['l', 'requests'],
      ['m', 'map'],
      ['?', 'help'],
      ['q', 'quit'],
    ];
    const fit = fittingKeys(keys, 40);
    expect(fit.map(([k]) => k)).toEqual(['c', 'h', '?', 'q']);
    expect(fittingKeys(keys, 200)).toEqual(keys);
  });
});
