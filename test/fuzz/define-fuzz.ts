// The fuzz of every lab server (issue 15), as a function the two fuzz test files call with their
// share of the lessons (two files, so vitest runs them side by side on two cores). A few hundred
// hostile requests per port in `npm test`, FUZZ_CASES=10000 in `npm run fuzz`. After it each
// server must be the same process (no crash, so no restart), still answer an ordinary request,
// have left no connection hanging after the client closed, and not have grown without bound.
// FUZZ_SEED repeats a run exactly; FUZZ_ONLY=lesson or lesson/server narrows it.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { serverChanges } from '../../src/engine/check-helpers.js';
import type { LabEvent } from '../../src/engine/types.js';
import { Lab } from '../../src/engine/lab.js';
import { findPython } from '../../src/engine/requirements.js';
import { tempDir } from '../helpers/env.js';
import { type FuzzReport, rssMiB, runCases } from './harness.js';
import { seeded } from './random.js';
import { type FuzzLesson, fuzzLessons } from './targets.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 15);
const ONLY = process.env.FUZZ_ONLY;
/** Growth allowed over the fuzz, per server (its workers included). */
const RSS_GROWTH_MIB = 150;
/** Cases are made and run this many at a time, so 10,000 of them never sit in memory at once. */
const BATCH = 500;
const python = await findPython();

/** The lessons fuzz-proxies.test.ts takes; fuzz-gateways.test.ts takes every other one. */
export const PROXY_LESSONS = ['http-basics', 'forward-proxy', 'reverse-proxy'];

/** The lessons of targets.ts that `pick` selects. */
export function defineFuzz(pick: (entry: FuzzLesson) => boolean): void {
  const lessons = fuzzLessons.filter(pick).filter((e) => !ONLY || ONLY.split('/')[0] === e.lesson);
  if (lessons.length === 0) it.skip(`no lesson here matches FUZZ_ONLY=${ONLY}`, () => {});
  for (const entry of lessons) defineLesson(entry);
}

/** The lesson as the tutor loads it, with the entry's loadEnv set while its module loads, and put
 * back at once. Always loaded afresh: another entry may have loaded it with other variables. */
async function loadLesson(entry: FuzzLesson) {
  const before = Object.fromEntries(Object.keys(entry.loadEnv ?? {}).map((name) => [name, process.env[name]]));
  Object.assign(process.env, entry.loadEnv);
  vi.resetModules();
  try {
    return (await loadCatalog({ only: entry.lesson })).find(entry.lesson)!;
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function defineLesson(entry: FuzzLesson): void {
  const skip = entry.needsPython && !python;
  const variant = Object.entries(entry.loadEnv ?? {})
    .map(([name, value]) => ` with ${name}=${value}`)
    .join('');
  describe.skipIf(skip)(`fuzz: ${entry.lesson}${variant}${skip ? ' (skipped: no Python 3.9+)' : ''}`, () => {
    let lab: Lab;
    beforeAll(async () => {
      const lesson = await loadLesson(entry);
      lab = await Lab.start(lesson, {
        workspace: tempDir(`fuzz-${entry.lesson}`),
        control: false,
        preferredPorts: false,
      });
    });
    afterAll(() => lab?.teardown());

    for (const target of entry.targets.filter((t) => !ONLY?.includes('/') || ONLY.split('/')[1] === t.server)) {
      const name = `${target.server}${target.port ? ` (${target.port} port)` : ''}`;
      const test = target.pending ? it.skip : it;
      const pending = target.pending ? ` (pending: ${target.pending})` : '';
      test(`${name}: ${CASES} hostile requests, then still the same process, serving${pending}`, async () => {
        const server = lab.servers().find((s) => s.name === target.server)!;
        const port = lab.port(target.server, target.port);
        const pid = server.pid!;
        const rssBefore = rssMiB(pid);

        const report = await runInBatches(port, (seed, count) => target.cases(seeded(seed), count), target.options);
        const rssAfter = rssMiB(pid);
        console.log(
          `fuzz ${entry.lesson}/${name}: ${CASES} cases in ${report.ms} ms (seed ${SEED}), RSS ${rssBefore} → ${rssAfter} MiB\n  ${JSON.stringify(report.summary)}`,
        );

        // The server never went down (a crash would show as a 'server' event and a new pid)
        const crashes = serverChanges(lab.events()).filter((e) => e.name === target.server);
        expect(
          crashes,
          `the server crashed: ${JSON.stringify(crashes)}\n${lab.logs(target.server).slice(-10).join('\n')}`,
        ).toEqual([]);
        expect(lab.servers().find((s) => s.name === target.server)!.pid).toBe(pid);
        // nor did a worker of its own (a pre-fork server replaces them quietly)
        const workerDeaths = lab
          .events()
          .filter((e) => e.server === target.server && e.event === 'worker')
          .filter((e) => (e as LabEvent & { state?: unknown }).state === 'exited'); // wsgi, fastcgi app
        expect(workerDeaths, `${lab.logs(target.server).slice(-10).join('\n')}`).toEqual([]);
        // it closed every connection whose client had finished
        expect(report.stuck.map((s) => s.label)).toEqual([]);
        // it still serves an ordinary request
        expect(await target.normal(port)).toBe(target.normalStatus);
        // and its memory is bounded
        expect(rssAfter - rssBefore).toBeLessThan(target.rssGrowthMiB ?? RSS_GROWTH_MIB);
      }, 600_000);
    }
  });
}

/** CASES cases in batches of BATCH, each batch with its own seed; one report for them all. */
async function runInBatches(
  port: number,
  make: (seed: number, count: number) => Parameters<typeof runCases>[1],
  options: Parameters<typeof runCases>[2],
): Promise<FuzzReport> {
  const total: FuzzReport = { results: [], summary: {}, stuck: [], serverErrors: [], ms: 0 };
  for (let done = 0; done < CASES; done += BATCH) {
    const report = await runCases(port, make(SEED + port + done, Math.min(BATCH, CASES - done)), options);
    for (const [key, count] of Object.entries(report.summary)) total.summary[key] = (total.summary[key] ?? 0) + count;
    total.stuck.push(...report.stuck);
    total.serverErrors.push(...report.serverErrors);
    total.ms += report.ms;
  }
  return total;
}
