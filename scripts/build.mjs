// Builds dist/: one bundled CLI (code-split so `--version` and `list` load little), each lesson's
// lesson.ts compiled to lesson.js beside its markdown and starter files, and the lab server
// programs copied as they are (learners open them, so they stay readable source).
import { build } from 'esbuild';
import { frameCells } from './frame-cells.mjs';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Build beside dist/ and swap it in at the end, so a test running the built CLI meanwhile never
// finds dist/ half-written.
const finalDist = join(root, 'dist');
const dist = join(root, `dist.building-${process.pid}`);
const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

await rm(dist, { recursive: true, force: true });

// yoga-layout (Ink's layout engine) carries its WebAssembly as base64 and, where `fetch` exists,
// decodes it by fetching its own data: URL. In Node that first fetch loads the whole of undici
// (30–60 ms before the first frame); yoga's own base64 decoder, which it uses where there is no
// fetch, gives the same bytes at once. That decoder is `atob` and a loop copying its string into
// bytes, both JavaScript in Node 20 (atob looks up each of the 95,000 characters in a list):
// 4–6 ms of the first frame, where Buffer's native decoder takes 0.2. A yoga release that words
// either differently only costs the time again, and the build says so.
const YOGA_FETCH = '"function"!=typeof fetch?Promise.resolve()';
const YOGA_DECODE =
  'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';
const YOGA_DATA_URL = 'function ua(a){return a.startsWith("data:application/octet-stream;base64,")}';
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/].*\.js$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      const warnings = [];
      if (contents.includes(YOGA_FETCH)) contents = contents.replace(YOGA_FETCH, '!0?Promise.resolve()');
      else warnings.push({ text: 'yoga-layout: its wasm loader changed; it may fetch its data: URL' });
      // `a` is the data: URL (YOGA_DATA_URL says its prefix is 37 characters); `d` gets its bytes.
      if (contents.includes(YOGA_DECODE) && contents.includes(YOGA_DATA_URL)) {
        contents = contents.replace(YOGA_DECODE, 'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))');
      } else warnings.push({ text: 'yoga-layout: its base64 decoder changed; it decodes with atob' });
      return { contents, warnings };
    });
  },
};

// string-width, slice-ansi and ansi-tokenize (Ink's) each build an Intl.Segmenter as they load;
// the first one loads ICU's break rules. They get grapheme-segmenter.mjs instead, which cuts
// simple strings itself and makes a real one only when a string needs it.
const SEGMENTER_USERS =
  /(string-width[\\/]index|slice-ansi[\\/]tokenize-ansi|ansi-tokenize[\\/]build[\\/]tokenize)\.js$/;
const segmenterOnDemand = {
  name: 'segmenter-on-demand',
  setup(build) {
    build.onLoad({ filter: SEGMENTER_USERS }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('new Intl.Segmenter(')) {
        return { contents: source, warnings: [{ text: `${args.path}: no Intl.Segmenter to stand in for` }] };
      }
      const shim = JSON.stringify(join(root, 'scripts', 'grapheme-segmenter.mjs'));
      const contents = source.replaceAll('new Intl.Segmenter(', 'new __GtSegmenter(');
      return {
        contents: `import { GraphemeSegmenter as __GtSegmenter } from ${shim};\n${/string-width/.test(args.path) ? emojiPatternOnDemand(contents) : contents}`,
        resolveDir: dirname(args.path),
      };
    });
  },
};

// string-width builds /^\p{RGI_Emoji}$/v as it loads: V8 expands the property's thousands of
// sequences then, 20–50 ms of the first frame, for a pattern that only a string outside the
// one-column table (string-width-fast.mjs) ever meets. It is made the first time it is tested.
const RGI_EMOJI = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
function emojiPatternOnDemand(source) {
  if (
    !source.includes(RGI_EMOJI) ||
    source.split('rgiEmojiRegex').length !== 3 ||
    !source.includes('rgiEmojiRegex.test(')
  ) {
    console.warn('string-width: its emoji pattern changed; it is built as the tutor starts');
    return source;
  }
  return source.replace(
    RGI_EMOJI,
    () =>
      'let __gtRgiEmoji; const rgiEmojiRegex = { test: (text) => (__gtRgiEmoji ??= /^\\p{RGI_Emoji}$/v).test(text) };',
  );
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    __GT_BUNDLED__: 'true',
    __GT_VERSION__: JSON.stringify(version),
    'process.env.DEV': '"false"',
    'process.env.NODE_ENV': '"production"',
  },
  // Ink can talk to React devtools when asked to; that package is optional and not shipped.
  // ws is a runtime dependency (package.json), loaded from node_modules by `gateway-tutor ws` only.
  external: ['react-devtools-core', 'ws'],
  // Code blocks are shown plain; see the stub for why. Widths: see string-width-fast.mjs.
  alias: {
    'cli-highlight': join(root, 'scripts', 'cli-highlight-stub.mjs'),
    'string-width': join(root, 'scripts', 'string-width-fast.mjs'),
    'is-in-ci': join(root, 'scripts', 'is-in-ci.mjs'),
  },
  // Some bundled CommonJS packages call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __gtCreateRequire } from 'node:module'; const require = __gtCreateRequire(import.meta.url);",
  },
};

await build({
  ...common,
  entryPoints: { cli: join(root, 'src/cli.ts') },
  plugins: [yogaWithoutFetch, segmenterOnDemand, frameCells],
  outdir: dist,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
});

// Node's built-in modules through the bundle's own `require` (see the banner), not `import`. An
// imported built-in gets an ES module facade, which reads every one of its exports as it is made:
// node:process's `report` loads the diagnostic report's code, node:crypto's `webcrypto` all of Web
// Crypto (5 ms), node:buffer's `File` the File API; and each facade is one more module for Node's
// loader to resolve, link and run. Required, a built-in's exports are read where they are used.
// esbuild writes each import of a module it leaves out as an `import … from"…";` statement where
// the importing module's code begins. Those of built-ins become `require` calls at the top of the
// chunk (an ES module's imports are all loaded before its code runs: the same order); named
// imports become destructured constants (a built-in's exports do not change, so a constant reads
// what the live binding would). Measured in the README (issue 14, the first frame's fourth round).
const BUILTIN = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const IMPORT =
  /(?<=^|[;}\n])import\s*(?:(?:([\w$]+)|([\w$]+)?\s*,?\s*\{([^}]*)\}|\*\s*as\s+([\w$]+))\s*from\s*)?"([^"]+)";/g;
function requireBuiltins(code, file) {
  const required = [];
  const rest = code.replace(IMPORT, (statement, only, withNamed, named, namespace, from) => {
    if (!BUILTIN.has(from)) return statement;
    const module = `require(${JSON.stringify(from)})`;
    const whole = only ?? withNamed ?? namespace;
    const names = named?.split(',').map((name) => name.trim().replace(/\s+as\s+/, ':'));
    if (whole) required.push(`const ${whole}=${module};`);
    if (names) required.push(`const{${names.join(',')}}=${module};`);
    if (!whole && !names) required.push(`${module};`);
    return '';
  });
  const left = /\bimport\s*[^("'`]*?from\s*"(node:[^"]+)"/.exec(rest);
  if (left) throw new Error(`${file}: a built-in import the build could not turn into require: ${left[0]}`);
  // The banner (first line) defines `require`.
  const banner = rest.indexOf('\n') + 1;
  return rest.slice(0, banner) + required.join('') + rest.slice(banner);
}
const chunks = (await readdir(join(dist, 'chunks')))
  .filter((name) => name.endsWith('.js'))
  .map((name) => join(dist, 'chunks', name));
for (const file of [join(dist, 'cli.js'), ...chunks]) {
  await writeFile(file, requireBuiltins(await readFile(file, 'utf8'), file));
}

// Lab servers and shared Python code: copied, not bundled.
// Leave out tests and caches only: a lesson may well have files named like secure.test.pem.
// Judged by the path inside the repository: a checkout that itself lies in a folder named tests
// (~/tests/gateway-tutor) would otherwise copy nothing.
const skip = (src) =>
  !/(__pycache__|\/tests?(\/|$)|\.test\.(ts|tsx|mjs|js)$|\/test_[^/]*\.py$)/.test(`/${relative(root, src)}`);
// The servers' TypeScript (events.ts declarations, .d.mts types) is for the type checker and is
// bundled into the tutor where it runs; only what a server runs is copied.
const serverFile = (src) => skip(src) && !/\.(d\.mts|ts)$/.test(src);
await cp(join(root, 'src/servers'), join(dist, 'servers'), { recursive: true, filter: serverFile });

// Lessons: lesson.ts → lesson.js; everything else copied. (One build per lesson: a code-split
// build of all nine, sharing the event families, loaded 15 modules instead of 9 and took longer.)
const lessonsDir = join(root, 'lessons');
const cards = [];
for (const entry of await readdir(lessonsDir, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const from = join(lessonsDir, entry.name);
  if (!existsSync(join(from, 'lesson.ts'))) continue;
  const to = join(dist, 'lessons', entry.name);
  await mkdir(to, { recursive: true });
  await cp(from, to, { recursive: true, filter: (src) => skip(src) && !src.endsWith('.ts') });
  await build({
    ...common,
    banner: undefined,
    entryPoints: [join(from, 'lesson.ts')],
    outfile: join(to, 'lesson.js'),
  });
  cards.push(await lessonCard(entry.name, join(to, 'lesson.js')));
}

// The lesson map's index (src/commands/lesson-cards.ts): what the map shows of each lesson and
// what its requirement check reads, so the tutor draws the map without importing every lesson.
// Written from the lesson.js files just built, in the catalog's order (the folder's number).
async function lessonCard(folder, file) {
  const { default: lesson } = await import(pathToFileURL(file).href);
  const requires = (value) => (value === undefined ? {} : { requires: value });
  return {
    id: lesson.id,
    order: Number(/^(\d+)-/.exec(folder)?.[1]),
    title: lesson.title,
    summary: lesson.summary,
    layer: lesson.layer,
    requires: lesson.requires,
    // doctor tries each server's preferred ports.
    servers: lesson.servers.map((server) => ({
      name: server.name,
      port: server.port,
      ...(server.extraPorts ? { extraPorts: server.extraPorts } : {}),
      ...requires(server.requires),
    })),
    steps: lesson.steps.map((step) => ({ id: step.id, ...requires(step.requires) })),
  };
}
cards.sort((a, b) => a.order - b.order);
await writeFile(join(dist, 'lessons', 'index.json'), `${JSON.stringify({ lessons: cards })}\n`);

const old = join(root, `dist.old-${process.pid}`);
await rename(finalDist, old).catch(() => {});
await rename(dist, finalDist);
await rm(old, { recursive: true, force: true });
