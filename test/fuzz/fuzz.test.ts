// A bounded fuzz of every lab server (issue 15): a few hundred hostile requests per port in
// `npm test`, FUZZ_CASES=10000 in `npm run fuzz`. After it each server must be the same process
// (no crash, so no restart), still answer an ordinary request, have left no connection hanging
// after the client closed, and not have grown without bound. FUZZ_SEED repeats a run exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { serverChanges } from '../../src/engine/check-helpers.js';
import type { LabEvent } from '../../src/engine/types.js';
import { Lab } from '../../src/engine/lab.js';
import { findPython } from '../../src/engine/requirements.js';
import { tempDir } from '../helpers/env.js';
import { rssMiB, runCases } from './harness.js';
import { seeded } from './random.js';
import { fuzzLessons } from './targets.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 15);
/** FUZZ_ONLY=reverse-proxy (a lesson) or reverse-proxy/app-1 (one server) narrows a run. */
const ONLY = process.env.FUZZ_ONLY;
/** Growth allowed over the fuzz, per server (its workers included). */
const RSS_GROWTH_MIB = 150;
const python = await findPython();

for (const entry of fuzzLessons.filter((e) => !ONLY || ONLY.split('/')[0] === e.lesson)) {
  const skip = entry.needsPython && !python;
  describe.skipIf(skip)(`fuzz: ${entry.lesson}${skip ? ' (skipped: no Python 3.9+)' : ''}`, () => {
    let lab: Lab;
    beforeAll(async () => {
      const lesson = (await loadCatalog({ only: entry.lesson })).find(entry.lesson)!;
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

        const cases = target.cases(seeded(SEED + port), CASES);
        const report = await runCases(port, cases, target.options);
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
        expect(rssAfter - rssBefore).toBeLessThan(RSS_GROWTH_MIB);
      }, 600_000);
    }
  });
}
