// The frame-cells plugin (scripts/frame-cells.mjs) fails the build when it could not make its
// changes: an Ink or ansi-tokenize release that words them differently, or a bundle in which the
// files it changes are not found at all. Either way the frames would come out right, only slower,
// with nothing else to say so.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameCells } from '../../scripts/frame-cells.mjs';

const modules = join(process.cwd(), 'node_modules');
const output = join(modules, 'ink/build/output.js');
const styledChars = join(modules, '@alcalzone/ansi-tokenize/build/styledChars.js');

/** Bundles an entry importing `paths` with the plugin; the error texts, [] when it built. */
async function errorsBundling(paths: string[]): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'gt-frame-cells-build-'));
  const entry = join(folder, 'entry.mjs');
  writeFileSync(entry, paths.map((path) => `import ${JSON.stringify(path)};\n`).join(''));
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(folder, 'out.mjs'),
      plugins: [frameCells],
      nodePaths: [modules],
      logLevel: 'silent',
    });
    return [];
  } catch (error) {
    return ((error as { errors?: { text: string }[] }).errors ?? []).map((e) => e.text);
  }
}

/** Ink's output.js reworded, in a folder of its own (its imports resolve from node_modules). */
function rewordedOutput(from: string, to: string): string {
  const build = join(mkdtempSync(join(tmpdir(), 'gt-frame-cells-ink-')), 'ink', 'build');
  mkdirSync(build, { recursive: true });
  const source = readFileSync(output, 'utf8');
  expect(source).toContain(from);
  writeFileSync(join(build, 'output.js'), source.replace(from, to));
  return join(build, 'output.js');
}

describe('the frame-cells plugin at build time', () => {
  it('builds when it changed both files once', async () => {
    expect(await errorsBundling([output, styledChars])).toEqual([]);
  });

  it('fails the build when a file it changes is not in the bundle', async () => {
    const errors = await errorsBundling([styledChars]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ink\/build\/output\.js was changed 0 times in this bundle, not once/);
    expect(errors[0]).toMatch(/Update the patterns in scripts\/frame-cells\.mjs/);
  });

  it('fails the build when a file is worded differently (a new release)', async () => {
    const changed = rewordedOutput('cached = styledCharsFromTokens(tokenize(line));', 'cached = toCells(line);');
    const errors = await errorsBundling([changed, styledChars]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${changed} is not worded as this plugin expects`);
  });
});
