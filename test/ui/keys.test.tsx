// Keys a learner expects: run a shown command from the tutor and read its output, with the
// requests it caused marked in the log; copy a command through OSC 52; read a lab server's own
// log and its source.
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { originEvents } from '../../src/servers/http/events.js';
import { noEvents } from '../../src/servers/lib/event-schema.js';
import { warmUp } from './helpers/lessons.js';
import { KEY, entry, renderApp } from './helpers/render-app.js';

afterEach(() => cleanup());

const lesson = () =>
  warmUp({
    servers: [
      {
        name: 'origin',
        role: 'origin server',
        events: originEvents,
        program: { node: '@servers/http/origin.mjs' },
        port: 8080,
      },
      { name: 'proxy', role: 'proxy', events: noEvents, program: { command: 'nginx' }, port: 8081 },
    ],
    steps: [
      {
        id: 'one',
        kind: 'probe',
        title: 'One command',
        text: 'one.md',
        commands: ['printf "hello from run\\n"; echo oops >&2'],
      },
      {
        id: 'two',
        kind: 'probe',
        title: 'Two commands',
        text: 'two.md',
        commands: ['echo first', 'echo second-{{origin.port}}'],
      },
    ],
    texts: { one: 'Run it.', two: 'Run either.' },
  });

describe('running a shown command', () => {
  it('runs the only command with r, shows its output and exit code, and marks the requests it caused', async () => {
    // Given the probe step with one command
    const app = renderApp([entry(lesson())]);
    await app.press(KEY.enter);
    await app.waitFor('r run');
    // When the learner presses r
    await app.press('r');
    // Then the output pane shows the command, its output (stderr too) and how it ended
    const frame = await app.waitFor('— exit code 0');
    expect(frame).toContain('$ printf "hello from run\\n"; echo oops >&2');
    expect(frame).toContain('hello from run');
    expect(frame).toContain('oops');
    // And a request the lab sees meanwhile is marked in the log as the run's
    app.labs[0]!.request({ target: '/from-run' });
    await app.waitFor(/▶#1 .* GET \/from-run 200/);
    // When the learner goes back, the step text returns and later requests are not marked
    await app.press(KEY.escape);
    await app.waitFor('Run it.');
    app.labs[0]!.request({ target: '/later' });
    const later = await app.waitFor('/later');
    expect(later).toMatch(/ #2 .* GET \/later/);
    expect(later).toMatch(/▶#1/);
  });

  it('lets the learner choose among several commands, with the real ports filled in', async () => {
    const app = renderApp([entry(lesson())]);
    await app.press(KEY.enter);
    await app.waitFor('Run it.');
    await app.press('n');
    await app.waitFor('Run either.');
    await app.press('r');
    await app.waitFor('Enter run');
    await app.press('j', KEY.enter);
    const frame = await app.waitFor('— exit code 0');
    expect(frame).toContain('second-8080');
    expect(frame).not.toContain('first\n');
  });

  it('copies a command to the clipboard with OSC 52', async () => {
    const app = renderApp([entry(lesson())]);
    await app.press(KEY.enter);
    await app.waitFor('Run it.');
    await app.press('y');
    await app.waitFor('Copied to the clipboard');
    const sequence = `\x1b]52;c;${Buffer.from('printf "hello from run\\n"; echo oops >&2').toString('base64')}\x07`;
    expect(app.frames.some((f) => f.includes(sequence))).toBe(true);
  });
});

describe('lab server views', () => {
  it("shows a server's own output with o, live, and the next server with Tab", async () => {
    const app = renderApp([entry(lesson())]);
    await app.press(KEY.enter);
    await app.waitFor('Run it.');
    app.labs[0]!.log('origin', 'listening on 8080');
    await app.press('o');
    await app.waitFor("origin's own output");
    await app.waitFor('listening on 8080');
    app.labs[0]!.log('origin', 'Traceback (most recent call last):');
    await app.waitFor('Traceback (most recent call last):');
    await app.press(KEY.tab);
    await app.waitFor('proxy has printed nothing yet.');
    await app.press(KEY.escape);
    await app.waitFor('Run it.');
  });

  it("shows a server's source with line numbers from where the tutor is installed", async () => {
    const app = renderApp([entry(lesson())]);
    await app.press(KEY.enter);
    await app.waitFor('Run it.');
    await app.press('v');
    const frame = await app.waitFor(/origin: \S+src\/servers\/http\/origin\.mjs/);
    expect(frame).toMatch(/ {0,2}1 │ \S/);
    await app.press(KEY.tab);
    await app.waitFor('proxy runs nginx, a program installed on this machine');
  });
});

describe('the solution', () => {
  const solvable = () =>
    warmUp({
      steps: [
        {
          id: 'token',
          kind: 'answer',
          title: 'Find the token',
          text: 'token.md',
          commands: ['curl -i {{origin.url}}/secret'],
          hints: ['Look at the headers.'],
          solve: async (ctx) => `${(await ctx.run('curl -i {{origin.url}}/secret')).stdout.length}-tok`,
        },
        {
          id: 'script',
          kind: 'edit',
          title: 'Edit the script',
          text: 'script.md',
          watch: 'app.py',
          solve: async (ctx) => {
            const { mkdir, writeFile } = await import('node:fs/promises');
            await mkdir(ctx.workspace, { recursive: true });
            await writeFile(`${ctx.workspace}/app.py`, 'def app(environ, start_response):\n    return [b"ok"]\n');
          },
        },
      ],
      texts: { token: 'Find it.', script: 'Edit app.py.' },
    });

  it('comes after the hints, asks first, then shows the answer and marks the step solved with help', async () => {
    const app = renderApp([entry(solvable())]);
    await app.press(KEY.enter);
    await app.waitFor('Find it.');
    // Before the hints: it says to read them first
    await app.press('S');
    await app.waitFor('The solution comes after the hints: press h for hint 1 of 1.');
    // After them: it asks
    await app.press('h', 'S');
    await app.waitFor('Press S again to see the solution');
    expect(app.lastFrame()).not.toContain('[answer] solved with help');
    // And shows this run's answer the second time
    await app.press('S');
    const frame = await app.waitFor("This lab run's answer: ");
    expect(frame).toMatch(/answer: \d+-tok/);
    expect(frame).toContain('[answer] solved with help');
  });

  it("shows an edit step's solution as a diff against the learner's file, leaving the file alone", async () => {
    const app = renderApp([entry(solvable())]);
    await app.press(KEY.enter);
    await app.waitFor('Find it.');
    await app.press('n');
    await app.waitFor('Edit app.py.');
    await app.press('S', 'S');
    const frame = await app.waitFor('+     return [b"ok"]');
    expect(frame).toContain('+ def app(environ, start_response):');
    expect(frame).toContain("lines with - are yours, lines with + the solution's");
  });
});
