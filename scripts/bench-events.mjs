// Microbenchmark: the tutor's CPU time per lab event (issue 14). Lab servers write JSON lines on
// fd 3; the tutor splits, parses, checks each against the server's family, keeps it, and (under
// `lab --json`) prints it. On a 2-core machine every µs of that is taken from the lab servers a
// learner measures, so this script measures it alone: servers that write many real event lines
// as fast as the pipe takes them, and the tutor's CPU time from /proc (or process.cpuUsage) per
// event.
//
//   node scripts/bench-events.mjs [--events 50000] [--runs 3] [--mode json|session|both]
//                                 [--against /other/worktree] [--prof DIR]
//
// The lab is a one-lesson pack written here: three "firehose" servers started by the engine's
// Lab as any lesson's servers are, declaring the real families (the reverse proxy, its backends,
// the WSGI server) and writing real lines taken from `lab reverse-proxy --json` and `lab wsgi
// --json`: per proxied request the proxy's request event (its trace events carried in it, see
// src/servers/reverse-proxy/trace.mjs) and the backend's request event, and one WSGI request
// event (three lines per round; the tutor files two more events, the proxy's trace).
// - json: `gateway-tutor --lessons PACK lab events-bench --json`, stdout drained and counted;
//   CPU of the tutor process alone, from the first line written to the last one printed.
// - session: the Lab and a LessonSession (the TUI's model) in this process, bundled from src/
//   with esbuild, a listener reading every snapshot as the TUI's hook does; process.cpuUsage().
// --against DIR measures another checkout (its dist/ and src/) in alternation with this one.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'both' },
    against: { type: 'string' },
    /** Write a --cpu-prof of each `lab --json` tutor into this folder. */
    prof: { type: 'string' },
  },
});
const totalEvents = Number(values.events);
const runs = Number(values.runs);
const modes = values.mode === 'both' ? ['json', 'session'] : [values.mode];
const roots = [here, ...(values.against ? [resolve(values.against)] : [])];

const work = mkdtempSync(join(tmpdir(), 'gt-bench-events-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

// Real lines (the tutor's own fields server/seq/time taken off): one proxied request's two (the
// proxy's, the backend's) and a WSGI request's one, as `lab reverse-proxy --json` and
// `lab wsgi --json` printed them.
const ID = '0e5a29fc98e74bce';
const FWD = `[["X-Forwarded-For","127.0.0.1"],["X-Forwarded-Proto","http"],["X-Forwarded-Host","127.0.0.1:42333"],["Forwarded","for=127.0.0.1;proto=http;host=\\"127.0.0.1:42333\\""],["X-Request-Id","${ID}"],["Via","1.1 gateway-tutor-proxy"]]`;
const LINES = {
  proxy: [
    `{"event":"request","conn":2,"remote":"127.0.0.1:36966","method":"GET","target":"/api/items?x=2","httpVersion":"1.1","headers":[["Host","127.0.0.1:42333"],["Accept","*/*"],["User-Agent","curl/7.88.1"]],"status":200,"responseHeaders":[["x-request-id","${ID}"],["content-type","application/json; charset=utf-8"],["content-length","29"],["x-served-by","app-2"],["date","Mon, 30 Nov 2026 15:13:50 GMT"],["via","1.1 gateway-tutor-proxy"],["x-cache","MISS"]],"durationMs":8.45,"requestId":"${ID}","proto":"http","cache":"MISS","backend":"app-2","plainBytes":29,"trace":[{"hop":"proxy","depth":0,"phase":"passed-on","ms":0.69,"added":${FWD}},{"hop":"proxy","depth":0,"phase":"answered","ms":8.49,"status":200}]}`,
  ],
  app: [
    `{"event":"request","conn":6,"remote":"127.0.0.1:50184","method":"GET","target":"/api/items?x=2","httpVersion":"1.1","headers":[["Host","127.0.0.1:42333"],["Accept","*/*"],["User-Agent","curl/7.88.1"],${FWD.slice(1, -1)},["Connection","keep-alive"]],"status":200,"responseHeaders":[],"durationMs":1.08,"requestId":"${ID}"}`,
  ],
  wsgi: [
    `{"event":"request","conn":1,"remote":"127.0.0.1:41734","method":"GET","target":"/hello?name=x","httpVersion":"1.1","headers":[["Host","127.0.0.1:8600"],["User-Agent","curl/7.88.1"],["Accept","*/*"]],"status":200,"responseHeaders":[["Content-Type","text/plain; charset=utf-8"],["Content-Length","13"],["X-Worker-Pid","25319"],["Date","Mon, 30 Nov 2026 15:14:18 GMT"],["Server","gateway-tutor-wsgi/1.0"],["Connection","close"]],"durationMs":0.98,"pid":25319,"start":1796051658307.77,"end":1796051658308.75,"app":"hello:app","bytes":13,"environ":{"REQUEST_METHOD":"GET","SCRIPT_NAME":"","PATH_INFO":"/hello","QUERY_STRING":"name=x","SERVER_NAME":"127.0.0.1","SERVER_PORT":"8600","SERVER_PROTOCOL":"HTTP/1.1","SERVER_SOFTWARE":"gateway-tutor-wsgi/1.0","REMOTE_ADDR":"127.0.0.1","REMOTE_PORT":"41734","wsgi.version":[1,0],"wsgi.url_scheme":"http","wsgi.input":"<wsgi_http.Body object>","wsgi.errors":"<_io.TextIOWrapper object>","wsgi.multithread":false,"wsgi.multiprocess":true,"wsgi.run_once":false,"wsgi.input_terminated":true,"wsgi.file_wrapper":"<FileWrapper>","HTTP_ACCEPT":"*/*","HTTP_HOST":"127.0.0.1:8600","HTTP_USER_AGENT":"curl/7.88.1"}}`,
  ],
};
const perRound = Object.values(LINES).reduce((n, lines) => n + lines.length, 0);
// The firehose writes its lines 20 rounds at a time.
const rounds = Math.ceil(totalEvents / perRound / 20) * 20;
const eventsPerRun = rounds * perRound;

// A lab server that writes its lines `rounds` times when asked (GET /go), as fast as fd 3 takes
// them, and answers once they are all written. It exits on stdin EOF like every lab server.
const FIREHOSE = `import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const [file, rounds] = [process.argv[2], Number(process.argv[3])];
const lines = readFileSync(new URL(file, import.meta.url), 'utf8');
const out = createWriteStream(null, { fd: 3 });
process.stdin.on('data', () => {}).on('end', () => process.exit(0));
const server = createServer((req, res) => {
  let left = rounds;
  const more = () => {
    while (left > 0) {
      left -= 20;
      if (!out.write(lines.repeat(20))) return out.once('drain', more);
    }
    out.write('', () => res.end('done'));
  };
  more();
});
server.listen(Number(process.env.GT_PORT), '127.0.0.1', () => out.write('{"event":"ready"}\\n'));
`;

function writePack(root) {
  const dir = join(work, `pack-${roots.indexOf(root)}`, '01-events-bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'firehose.mjs'), FIREHOSE);
  writeFileSync(join(dir, 'bench.md'), '# Events\n');
  const servers = [];
  for (const [name, lines] of Object.entries(LINES)) {
    writeFileSync(join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
    servers.push(
      `{ name: '${name}', role: '${name}', port: 0, events: ${name === 'wsgi' ? 'wsgi.servers[0].events' : name === 'proxy' ? 'rp.servers.find((s) => s.name === "proxy").events' : 'rp.servers.find((s) => s.name === "app-1").events'}, program: { node: 'firehose.mjs', args: ['${name}.jsonl', '${rounds}'] } }`,
    );
  }
  const lesson = (id) => pathToFileURL(join(root, 'dist', 'lessons', id, 'lesson.js')).href;
  writeFileSync(
    join(dir, 'lesson.mjs'),
    `import rp from ${JSON.stringify(lesson('03-reverse-proxy'))};
import wsgi from ${JSON.stringify(lesson('06-wsgi'))};
export default {
  id: 'events-bench', title: 'Events bench', summary: 'scripts/bench-events.mjs', layer: rp.layer,
  servers: [${servers.join(',\n    ')}],
  steps: [{ id: 'watch', kind: 'probe', title: 'Watch', text: 'bench.md', check: () => ({ status: 'fail', message: 'no' }) }],
};
`,
  );
  return dirname(dir);
}

function go(url) {
  return new Promise((done, fail) => {
    request(`${url}/go`, (res) => res.resume().on('end', done))
      .on('error', fail)
      .end();
  });
}

function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `lab events-bench --json` of one checkout, kept running; measure() fires every server once. */
async function startJson(root) {
  const child = spawn(
    process.execPath,
    [
      ...(values.prof ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.prof)] : []),
      join(root, 'bin/gateway-tutor.js'),
      '--lessons',
      writePack(root),
      'lab',
      'events-bench',
      '--json',
      '--workspace',
      join(work, `ws-json-${roots.indexOf(root)}`),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let urls = [];
  let lines = 0;
  let waiter;
  let tail = '';
  await new Promise((ready, fail) => {
    child.once('exit', (code) => urls.length === 0 && fail(new Error(`the lab exited (${code}):\n${stderr}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const text = tail + chunk;
      const end = text.lastIndexOf('\n');
      tail = text.slice(end + 1);
      if (urls.length === 0) {
        urls = JSON.parse(text.slice(0, text.indexOf('\n'))).servers.map((s) => s.url);
        ready();
        return;
      }
      for (let i = text.indexOf('\n'); i !== -1 && i <= end; i = text.indexOf('\n', i + 1)) lines++;
      if (waiter && lines >= waiter.target) waiter.done();
    });
  });
  return {
    label: `${root === here ? 'this' : root} json`,
    async measure() {
      if (stderr) console.error(stderr);
      const target = lines + eventsPerRun;
      const before = cpuOf(child.pid);
      const printed = new Promise((done) => (waiter = { target, done }));
      await Promise.all(urls.map(go));
      await printed;
      waiter = undefined;
      return ((cpuOf(child.pid) - before) / eventsPerRun) * 1e6;
    },
    stop: () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The Lab and a LessonSession in this process, bundled from a checkout's src/. */
async function startSession(root) {
  const { build } = await import(pathToFileURL(join(root, 'node_modules', 'esbuild', 'lib', 'main.js')).href);
  const entry = join(work, `session-entry-${roots.indexOf(root)}.ts`);
  writeFileSync(
    entry,
    `export { Lab } from ${JSON.stringify(join(root, 'src/engine/lab.ts'))};
export { LessonSession } from ${JSON.stringify(join(root, 'src/engine/session.ts'))};
export { loadCatalog } from ${JSON.stringify(join(root, 'src/engine/catalog.ts'))};
export { Progress } from ${JSON.stringify(join(root, 'src/engine/progress.ts'))};
`,
  );
  const out = join(work, `session-${roots.indexOf(root)}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    define: { __GT_BUNDLED__: 'false', __GT_VERSION__: '"bench"' },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const { Lab, LessonSession, loadCatalog, Progress } = await import(pathToFileURL(out).href);
  const catalog = await loadCatalog({ lessonsDir: writePack(root) });
  const lesson = catalog.find('events-bench');
  const workspace = join(work, `ws-session-${roots.indexOf(root)}`);
  const progress = await Progress.open(workspace);
  const lab = await Lab.start(lesson, { workspace, progress, control: false });
  const session = new LessonSession(lab, progress, { lessonWorkspace: lab.lessonWorkspace });
  let events = 0;
  let renders = 0;
  let waiter;
  // As useSyncExternalStore does: read the snapshot after each change.
  session.subscribe(() => {
    renders++;
    session.snapshot();
  });
  lab.subscribe((change) => {
    if (change.type !== 'event') return;
    events++;
    if (waiter && events >= waiter.target) setImmediate(waiter.done);
  });
  const urls = lab.servers().map((s) => s.url);
  return {
    label: `${root === here ? 'this' : root} session`,
    async measure() {
      const target = events + eventsPerRun;
      const rendersBefore = renders;
      const before = process.cpuUsage();
      const arrived = new Promise((done) => (waiter = { target, done }));
      await Promise.all(urls.map(go)).catch((error) => {
        for (const server of lab.servers()) console.error(server.name, server.state, lab.logs(server.name).slice(-5));
        throw error;
      });
      await arrived;
      waiter = undefined;
      const used = process.cpuUsage(before);
      this.renders = (renders - rendersBefore) / eventsPerRun;
      return (used.user + used.system) / eventsPerRun;
    },
    async stop() {
      session.dispose();
      await lab.teardown();
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadBefore = loadavg()[0];
console.log(
  `${eventsPerRun} events per run (${rounds} rounds of ${perRound}), ${runs} runs, load average ${loadBefore.toFixed(2)}`,
);
for (const mode of modes) {
  const labs = [];
  for (const root of roots) labs.push(await (mode === 'json' ? startJson(root) : startSession(root)));
  const results = labs.map(() => []);
  // A warm-up run each (V8 compiles the hot path), then take turns.
  for (const lab of labs) await lab.measure();
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < labs.length; i++) {
      const index = (i + run) % labs.length;
      results[index].push(await labs[index].measure());
    }
  }
  for (let i = 0; i < labs.length; i++) {
    const extra = labs[i].renders !== undefined ? `, ${labs[i].renders.toFixed(3)} session updates per event` : '';
    console.log(
      `${labs[i].label}: ${median(results[i]).toFixed(2)} µs per event (runs: ${results[i].map((r) => r.toFixed(2)).join(' ')})${extra}`,
    );
    await labs[i].stop();
  }
}
console.log(`load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);
process.exit(0);
