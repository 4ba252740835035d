// An esbuild plugin for the bundle (scripts/build.mjs): Ink's frames turned into text with less
// work per cell, the same text out.
//
// Every frame Ink draws goes through its Output.get (ink/build/output.js): a grid of cells, one
// object per column and row (100 × 30 = 3000 of them), the frame's text written into it character by
// character, then each row joined back into a string by ansi-tokenize's styledCharsToString, which
// asks diffAnsiCodes what changed between a cell's colours and the previous cell's: three Sets, two
// filters and two arrays for every cell, though almost every cell has the colours of the one before
// it. That was most of each frame's drawing time in the first frames, code running for the first
// time (measured in the README, issue 14's fifth round). So:
// - a cell whose colours are the previous cell's (the same array, or the same codes in the same
//   order) adds no codes: diffAnsiCodes of equal styles is empty, so the answer is the same;
// - the characters of a run of one colour share that run's array of codes (ansi-tokenize never
//   changes an array of codes once made: each new code makes a new one), so the check above is
//   mostly `===`;
// - the grid's blank cells are one frozen cell, not 3000 new objects a frame (Output.get only ever
//   replaces cells, never changes one);
// - a line made of one-column characters that stand alone (the table string-width-fast.mjs
//   answers from) and SGR colour codes is cut into cells directly: its codes go through
//   ansi-tokenize as before, each character becomes the cell tokenize and styledCharsFromTokens
//   make of it (one code unit, not full width, the codes before it), without a grapheme
//   segmenter, a token and a copied object per character. Any other line goes through
//   ansi-tokenize as before.
// A release of either package that words these differently, or moves these files, fails the build
// (the frames would still be right, only slower, and nothing else would say so): update the
// patterns here (test/unit/frame-cells.test.ts compares the frames with Ink's own), or take the
// plugin out of build.mjs. test/unit/frame-cells-build.test.ts checks that it fails, and
// test/cli/frame-cells-dist.test.ts that dist/ draws this way.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STYLED_CHARS = /@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/;
const OUTPUT = /[\\/]ink[\\/]build[\\/]output\.js$/;

const COPY_CODES = 'styles: [...codes],';
const DIFF_EACH = 'ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));';
const RESET_AT_END = 'if (i === chars.length - 1) {';
const SAME_STYLES = `
function sameStyles(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
        if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
    }
    return true;
}
`;

const BLANK_CELL = `row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });`;
const TOKENIZE_LINE = 'cached = styledCharsFromTokens(tokenize(line));';
const SHARED_BLANK = `
const blankCell = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });
`;
// An SGR sequence as ansi-tokenize's parseSGRSequence reads one: ESC [, digits and semicolons, m.
const NARROW_CELLS = `
const sgrAt = /\\x1b\\[[0-9;]*m/y;
function narrowStyledChars(line) {
    const cells = [];
    let codes = [];
    for (let i = 0; i < line.length;) {
        const code = line.charCodeAt(i);
        if (code === 0x1b) {
            sgrAt.lastIndex = i;
            const sgr = sgrAt.exec(line);
            if (!sgr) return undefined;
            for (const token of tokenize(sgr[0])) codes = reduceAnsiCodesIncremental(codes, [token]);
            i = sgrAt.lastIndex;
        } else if (isNarrow(code)) {
            cells.push({ type: 'char', value: line[i], fullWidth: false, styles: codes });
            i++;
        } else return undefined;
    }
    return cells;
}
`;
const NARROW_TABLE = JSON.stringify(join(dirname(fileURLToPath(import.meta.url)), 'narrow-table.mjs'));
const NARROW_IMPORTS = `import { reduceAnsiCodesIncremental } from '@alcalzone/ansi-tokenize';
import { isNarrow } from ${NARROW_TABLE};
`;

/** Replaces each [from, to] in `source`, each found exactly once; undefined when one is not. */
function replaceAll(source, pairs) {
  let out = source;
  for (const [from, to] of pairs) {
    if (out.split(from).length !== 2) return undefined;
    out = out.replace(from, () => to);
  }
  return out;
}

const FILES = {
  styledChars: '@alcalzone/ansi-tokenize/build/styledChars.js',
  output: 'ink/build/output.js',
};

export const frameCells = {
  name: 'frame-cells',
  setup(build) {
    // How many times each file was bundled with its changes made: once each, or the build fails.
    const patched = { styledChars: 0, output: 0 };
    build.onStart(() => {
      patched.styledChars = 0;
      patched.output = 0;
    });
    build.onLoad({ filter: STYLED_CHARS }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = replaceAll(source, [
        [COPY_CODES, 'styles: codes,'],
        [DIFF_EACH, `if (!sameStyles(chars[i - 1].styles, char.styles)) ${DIFF_EACH}`],
        [RESET_AT_END, 'if (i === chars.length - 1 && char.styles.length > 0) {'],
      ]);
      if (!contents) return { contents: source, errors: [changed(args.path, 'cells would be compared as it does')] };
      patched.styledChars++;
      return { contents: `${contents}${SAME_STYLES}` };
    });
    build.onLoad({ filter: OUTPUT }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const contents = replaceAll(source, [
        [BLANK_CELL, 'row.push(blankCell);'],
        [TOKENIZE_LINE, 'cached = narrowStyledChars(line) ?? styledCharsFromTokens(tokenize(line));'],
      ]);
      if (!contents) return { contents: source, errors: [changed(args.path, 'cells would be made as it does')] };
      patched.output++;
      return { contents: `${NARROW_IMPORTS}${contents}${SHARED_BLANK}${NARROW_CELLS}`, resolveDir: dirname(args.path) };
    });
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const wrong = Object.entries(patched).filter(([, times]) => times !== 1);
      return {
        errors: wrong.map(([file, times]) => ({
          text:
            `frame-cells: ${FILES[file]} was changed ${times} times in this bundle, not once. ` +
            'Expected Ink to bundle it from node_modules; has its path changed? Update the patterns in ' +
            'scripts/frame-cells.mjs, or take the plugin out of scripts/build.mjs.',
        })),
      };
    });
  },
};

function changed(path, otherwise) {
  return {
    text:
      `frame-cells: ${path} is not worded as this plugin expects (a new release?), so ${otherwise}: ` +
      'the same frames, only slower. Update the patterns in scripts/frame-cells.mjs ' +
      '(test/unit/frame-cells.test.ts compares the frames), or take the plugin out of scripts/build.mjs.',
  };
}
