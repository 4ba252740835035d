// `gateway-tutor bench` against wrk, a load generator nobody here wrote: on the same lab endpoint
// (an ASGI app that awaits 200 ms, as if for a database, on the lab's asyncio ASGI server), at the
// same time, they must agree on requests per second within 15 %. The ASGI server keeps every
// connection alive and serves them all at once, so neither tool is favoured by how the server
// shares its workers. The lab server is started by the engine's Lab, and must see every one of
// bench's requests marked with its run id. Skipped, with the reason, where wrk or Python is missing
// (CI installs wrk).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header } from '../../src/engine/check-helpers.js';
import { Lab } from '../../src/engine/lab.js';
import { binPath } from '../../src/engine/paths.js';
import { findPython } from '../../src/engine/requirements.js';
import type { RequestEvent } from '../../src/engine/types.js';
import { asgiEvents } from '../../src/servers/python/asgi-events.js';
import { commandEnv, tempDir } from '../helpers/env.js';
import { tinyLesson } from '../helpers/lessons.js';
import { which } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';

const run = promisify(execFile);
const wrk = which('wrk');
const python = await findPython();
const skip = !wrk ? 'wrk is not installed; apt-get install wrk' : !python ? 'no Python 3.9+' : '';

const APP = `import asyncio

async def app(scope, receive, send):
    if scope['type'] != 'http':
        raise RuntimeError('no lifespan here')
    await asyncio.sleep(0.2)             # a slow database call, say
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain'), (b'content-length', b'3')]})
    await send({'type': 'http.response.body', 'body': b'ok\\n'})
`;

describe.skipIf(skip)(`bench and wrk${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const workspace = tempDir('bench-wrk');
  let lab: Lab;
  let url: string;

  beforeAll(async () => {
    const apps = tempDir('bench-wrk-app');
    writeFileSync(join(apps, 'app.py'), APP);
    const lesson = tinyLesson({
      servers: [
        {
          name: 'asgi',
          events: asgiEvents,
          requires: ['python3'],
          program: { python: '@servers/python/asgi_server.py', args: ['--app', 'app:app', '--workspace', apps] },
          readyTimeoutMs: 10_000,
        },
      ],
    });
    lab = await Lab.start(lesson, { workspace, control: false, preferredPorts: false });
    url = `${lab.servers()[0]!.url}/db`;
  });
  afterAll(() => lab?.teardown());

  it('agree on requests per second within 15 % on the same endpoint', async () => {
    // Given the same endpoint and both tools at once, 4 connections each for 3 seconds, so both
    // meet the same machine (on a busy machine, runs one after the other can meet very different
    // loads). 200 ms of waiting
    // dwarfs what each tool itself spends between two requests (a few ms; more for Node than
    // for wrk's C when the CPU is contended), so the numbers measure the server, as they should.
    const [{ stdout: wrkOut }, { stdout }] = await Promise.all([
      run(wrk!, ['-t1', '-c4', '-d3s', url]),
      run(process.execPath, [binPath, 'bench', url, '-c', '4', '-d', '3', '--json'], { env: commandEnv(workspace) }),
    ]);
    const wrkRate = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrkOut)?.[1]);
    const report = JSON.parse(stdout) as { requestsPerSecond: number; runId: string; answered: number; errors: object };
    console.log(`bench ${report.requestsPerSecond} requests/s, wrk ${wrkRate} requests/s (the same endpoint, at once)`);

    // Then both found about 4 connections / 200 ms = 20 requests/s, within 15 % of each other
    expect(wrkRate).toBeGreaterThan(10);
    expect(report.errors).toEqual({});
    expect(
      Math.abs(report.requestsPerSecond - wrkRate) / wrkRate,
      `bench ${report.requestsPerSecond}, wrk ${wrkRate}`,
    ).toBeLessThan(0.15);

    // And the lab saw every request bench counted, marked with its run id
    const marked = () =>
      lab
        .events()
        .filter((e): e is RequestEvent => e.event === 'request')
        .filter((e) => header(e.headers, 'x-bench-run') === report.runId);
    await waitFor(
      () => marked().length >= report.answered,
      `the lab's events for ${report.answered} requests`,
      5000,
    ).catch(() => {});
    expect(marked()).toHaveLength(report.answered);
  });
});
