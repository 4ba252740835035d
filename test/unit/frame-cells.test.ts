// The bundle's frames (scripts/frame-cells.mjs): Ink's Output and ansi-tokenize built with the
// plugin and without it. Given random coloured text (SGR codes of every kind, wide characters,
// resets, clips) written at random places, when each draws the frame, then both give the same text.
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { frameCells } from '../../scripts/frame-cells.mjs';
import { NARROW } from '../../scripts/narrow-table.mjs';
import { seeded } from '../fuzz/random.js';

interface OutputClass {
  new (size: {
    width: number;
    height: number;
  }): {
    write(x: number, y: number, text: string, options: { transformers: ((line: string) => string)[] }): void;
    clip(clip: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
    unclip(): void;
    get(): { output: string; height: number };
  };
}
interface Bundle {
  Output: OutputClass;
  styledCharsToString(chars: unknown[]): string;
  styledCharsFromTokens(tokens: unknown[]): unknown[];
  tokenize(text: string): unknown[];
}

const modules = join(process.cwd(), 'node_modules');
const folder = mkdtempSync(join(tmpdir(), 'gt-frame-cells-'));
async function bundle(name: string, plugins: (typeof frameCells)[]): Promise<Bundle> {
  const entry = join(folder, 'entry.mjs');
  writeFileSync(
    entry,
    // By path: Ink's package exports do not name output.js.
    `export { default as Output } from ${JSON.stringify(join(modules, 'ink/build/output.js'))};\n` +
      `export * from ${JSON.stringify(join(modules, '@alcalzone/ansi-tokenize/build/index.js'))};\n`,
  );
  const outfile = join(folder, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    plugins,
    logLevel: 'silent',
  });
  expect(result.warnings).toEqual([]); // the plugin found what it changes
  return import(pathToFileURL(outfile).href);
}

const CODES = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '7',
  '9',
  '22',
  '23',
  '24',
  '27',
  '29',
  '31',
  '32',
  '33',
  '36',
  '39',
  '90',
  '41',
  '44',
  '49',
  '38;5;208',
  '48;5;17',
  '38;2;10;20;30',
  '1;31',
  '2;4;36',
  '22;39',
];
// Words cut into cells directly (one-column characters) and ones that go through ansi-tokenize
// (wide, combining, emoji, a tab, a link, an escape that is not a colour, a lone ESC).
const WORDS = [
  'lesson',
  ' ',
  '  ',
  'a',
  'proxy → origin',
  '✓',
  '◐',
  '·',
  '─│',
  'é',
  'Ω',
  '€',
  '漢字',
  'x\u0301',
  '👍',
  '\t',
  '\x1b]8;;https://example.org\x07link\x1b]8;;\x07',
  '\x1b[2K',
  '\x1b',
  '\x1b[3',
];

function text(random: ReturnType<typeof seeded>): string {
  const lines: string[] = [];
  for (let l = 1 + random.int(3); l > 0; l--) {
    let line = '';
    for (let n = random.int(8); n > 0; n--) {
      if (random.chance(0.4)) line += `\x1b[${random.pick(CODES)}m`;
      line += random.pick(WORDS);
    }
    if (random.chance(0.5)) line += '\x1b[0m';
    lines.push(line);
  }
  return lines.join('\n');
}

describe('frames drawn by the bundle', () => {
  let plain: Bundle;
  let fast: Bundle;
  beforeAll(async () => {
    plain = await bundle('plain', []);
    fast = await bundle('fast', [frameCells]);
  });

  it('turns styled characters into the same text', () => {
    const random = seeded(14);
    for (let i = 0; i < 2000; i++) {
      const line = text(random).replaceAll('\n', ' ');
      expect(fast.styledCharsToString(fast.styledCharsFromTokens(fast.tokenize(line)))).toBe(
        plain.styledCharsToString(plain.styledCharsFromTokens(plain.tokenize(line))),
      );
    }
  });

  it('cuts every one-column character into the same cell', () => {
    let line = '';
    for (const [first, last] of NARROW as [number, number][]) {
      for (let code = first; code <= last; code++) line += String.fromCharCode(code);
    }
    const cells = (b: Bundle) => {
      const output = new b.Output({ width: line.length, height: 1 });
      output.write(0, 0, `\x1b[1;31m${line}\x1b[39m`, { transformers: [] });
      return output.get();
    };
    expect(cells(fast)).toEqual(cells(plain));
  });

  it('draws the same frames', () => {
    const random = seeded(5);
    for (let i = 0; i < 300; i++) {
      const [width, height] = [10 + random.int(50), 3 + random.int(12)];
      const frames = [new plain.Output({ width, height }), new fast.Output({ width, height })];
      for (let op = random.int(12); op > 0; op--) {
        const kind = random.int(10);
        const clip = { x1: random.int(width), x2: random.int(width + 5), y1: random.int(height), y2: height };
        const [x, y, t] = [random.int(width), random.int(height), text(random)];
        for (const frame of frames) {
          if (kind === 0) frame.clip(clip);
          else if (kind === 1) frame.unclip();
          else frame.write(x, y, t, { transformers: [] });
        }
      }
      expect(frames[1]?.get()).toEqual(frames[0]?.get());
    }
  });
});
