// The built tutor (dist/, from `npm run build`) draws its frames the cheap way that
// scripts/frame-cells.mjs makes: a line of one-column text is cut into cells without going
// through ansi-tokenize's tokenize character by character, and anything else still goes through
// it and a real grapheme segmenter, with the widths Ink's own code gives. If the plugin stopped
// applying (its pattern no longer found, the plugin left out of build.mjs) the frames would be the
// same, only slower; this is what notices. The probe (test/fixtures/frame-probe.mjs) draws with
// dist/'s own Ink in a process of its own and counts what drawing read.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Box, render, Text } from 'ink';
import { createElement } from 'react';
import stripAnsi from 'strip-ansi';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/paths.js';
import { fakeTerminal } from '../fixtures/fake-terminal.mjs';

const chunks = join(packageRoot, 'dist', 'chunks');
const probe = join(packageRoot, 'test', 'fixtures', 'frame-probe.mjs');

interface Probed {
  text: string;
  frame: string;
  tokenizeReads: number;
  segments: number;
}

function draw(texts: string[]): Probed[] {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '1' };
  delete env.NO_COLOR;
  const run = spawnSync(process.execPath, [probe, chunks, JSON.stringify(texts)], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Probed);
}

/** The same element drawn by Ink as published (node_modules, no plugin): the frame to match. */
function inksOwn(text: string): string {
  const frames: string[] = [];
  const { stdout, stdin } = fakeTerminal(frames);
  const app = render(createElement(Box, { borderStyle: 'single' }, createElement(Text, { color: 'green' }, text)), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  app.unmount();
  return stripAnsi(frames[0] ?? '');
}

const sgrCodes = (frame: string) => frame.match(/\x1b\[[0-9;]*m/g)?.length ?? 0;
const graphemes = (text: string) =>
  [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;

describe("dist/'s frames (the frame-cells plugin)", () => {
  it('bundles Ink with the plugin’s changes made', () => {
    const ink = readdirSync(chunks)
      .map((name) => readFileSync(join(chunks, name), 'utf8'))
      .filter((code) => code.includes('getStyledChars('));
    expect(ink).toHaveLength(1);
    const code = ink[0] ?? '';
    expect(code).toMatch(/narrowStyledChars\(line\)\s*\?\?\s*styledCharsFromTokens\(tokenize\(line\)\)/);
    expect(code).toMatch(/row\.push\(blankCell\)/);
    expect(code).toMatch(/sameStyles\(chars\[i\s*-\s*1\]\.styles,\s*char\.styles\)/);
  });

  it('cuts one-column text into cells without tokenizing it, and draws what Ink draws', () => {
    const texts = ['GET /index.html → 200 OK ✓', 'proxy · origin ─│ ◐ ✗ Ωé€', 'x'.repeat(36)];
    for (const { text, frame, tokenizeReads, segments } of draw(texts)) {
      expect(stripAnsi(frame)).toBe(inksOwn(text));
      expect(frame).toContain(`\x1b[32m${text}\x1b[39m`);
      // tokenize reads a colour code's ESC and the character after it, nothing of the text: a
      // line tokenized whole is read a character at a time (over 100 reads for this frame).
      expect(tokenizeReads).toBeLessThanOrEqual(2 * sgrCodes(frame));
      expect(segments).toBe(0);
    }
  });

  it('still gives wide, combining and emoji text to tokenize and a real segmenter, at their widths', () => {
    const texts = ['漢字 👍 x\u0301 café', 'ok ✅ 🇫🇷 e\u0301\u0301', 'a\u200db 👨‍👩‍👧 ｗｉｄｅ'];
    for (const { text, frame, tokenizeReads, segments } of draw(texts)) {
      expect(stripAnsi(frame)).toBe(inksOwn(text));
      expect(frame).toContain(`\x1b[32m${text}\x1b[39m`);
      expect(tokenizeReads).toBeGreaterThanOrEqual(graphemes(text));
      expect(segments).toBeGreaterThan(0);
    }
  });
});
