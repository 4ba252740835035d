// The CGI lab server through the engine's Lab, with scripts that misbehave on purpose: a process
// per request that never outlives its request (timeouts kill the whole process group, a client
// that hangs up stops its script, teardown stops them all), bodies streamed or gathered, NPH
// scripts passed through untouched, and every event true to the family's declaration.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/engine/catalog.js';
import { Lab } from '../../src/engine/lab.js';
import { eventProblem } from '../../src/servers/lib/event-schema.js';
import type { LoadedLesson } from '../../src/engine/types.js';
import { cgiEvents } from '../../src/servers/cgi/events.js';
import { tempDir } from '../helpers/env.js';
import { typedEvents } from '../helpers/events.js';
import { rawExchange } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/processes.js';

const SCRIPTS: Record<string, string> = {
  // Starts a grandchild (sleep) that holds stdout open: only a group kill ends it.
  'hang.sh': '#!/bin/sh\nsleep 30 &\nwait\n',
  'slow-body.sh': '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nfirst part\\n"\nsleep 30\n',
  'count.sh':
    '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n"\necho "CONTENT_LENGTH=$CONTENT_LENGTH"\nhead -c "$CONTENT_LENGTH" | wc -c\n',
  'nph-status.sh':
    '#!/bin/sh\nprintf "HTTP/1.1 203 Non-Authoritative Information\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\nraw\\n"\n',
  'no-blank-line.sh': '#!/bin/sh\nprintf "Content-Type: text/plain\\nthe body\\n"\n',
  'only-header.sh': '#!/bin/sh\nprintf "Content-Type: text/plain\\n"\n',
  'garbage.sh': '#!/bin/sh\nprintf "\\000\\377\\376binary\\n\\n"\n',
  'talk.sh':
    '#!/bin/sh\necho "a line for the log" >&2\nprintf "Content-Type: text/plain\\nX-Script: talk\\n\\nhi\\n"\n',
};

/** Processes whose process group is `pgid` (a script and whatever it started). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return members;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  complete: boolean;
}

function ask(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => {});
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('latin1'),
          complete: res.complete,
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the CGI lab server', () => {
  let lab: Lab;
  let base: string;
  let workspace: string;

  beforeAll(async () => {
    // Given the lesson's lab with a 1 s script timeout and room for 3 scripts at once, and a few
    // misbehaving scripts in cgi-bin beside the starters
    workspace = tempDir('cgi-lab');
    const bin = join(workspace, 'cgi', 'cgi-bin');
    mkdirSync(bin, { recursive: true });
    for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(bin, name), text, { mode: 0o755 });
    const lesson = (await loadCatalog({ only: 'cgi' })).find('cgi')!;
    const quick: LoadedLesson = {
      ...lesson,
      servers: lesson.servers.map((spec) => ({
        ...spec,
        program: { node: '@servers/cgi/cgi-server.mjs', args: ['--timeout', '1', '--max-scripts', '3'] },
      })),
    };
    lab = await Lab.start(quick, { workspace, control: false, preferredPorts: false });
    base = lab.url('cgi');
  });

  afterAll(() => lab?.teardown());

  const spawned = (script: string) =>
    typedEvents(lab, { cgi: cgiEvents })
      .eventsOf('cgi', 'spawn')
      .filter((e) => e.script === script);

  it('copies the starter scripts with their run bits, and the broken one without', () => {
    const bin = join(workspace, 'cgi', 'cgi-bin');
    const mode = (name: string) => statSync(join(bin, name)).mode & 0o777;
    expect(mode('hello.sh')).toBe(0o755);
    expect(mode('order')).toBe(0o755);
    expect(mode('no-run-bit.sh')).toBe(0o644);
  });

  it('kills a script that hangs, with everything it started, and answers 504', async () => {
    const reply = await ask(`${base}/cgi-bin/hang.sh`);
    expect(reply.status).toBe(504);
    expect(reply.body).toMatch(/no complete header within 1 s/);
    const pid = spawned('hang.sh').at(-1)!.pid;
    // The sleep it started in the background is gone too: the whole group was killed
    await waitFor(() => groupMembers(pid).length === 0, `process group ${pid} to be empty`);
    const exit = await waitFor(
      () =>
        typedEvents(lab, { cgi: cgiEvents })
          .eventsOf('cgi', 'exit')
          .find((e) => e.pid === pid),
      'its exit event',
    );
    expect(exit).toMatchObject({ signal: 'SIGKILL', timedOut: true });
  });

  it('cuts the answer short when the script is killed in the middle of its body', async () => {
    const reply = await ask(`${base}/cgi-bin/slow-body.sh`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('first part\n');
    expect(reply.complete).toBe(false);
  });

  it('stops the script when the client hangs up', async () => {
    const raw = await rawExchange(lab.port('cgi'), 'GET /cgi-bin/slow-body.sh HTTP/1.1\r\nHost: x\r\n\r\n', {
      untilResponse: false,
      deadlineMs: 300,
    });
    expect(raw.answer).toMatch(/first part/);
    const pid = spawned('slow-body.sh').at(-1)!.pid;
    const exit = await waitFor(
      () =>
        typedEvents(lab, { cgi: cgiEvents })
          .eventsOf('cgi', 'exit')
          .find((e) => e.pid === pid),
      'the script to be stopped',
      3000,
    );
    expect(exit).toMatchObject({ signal: 'SIGKILL', timedOut: false });
  });

  it('streams a large body with Content-Length, and gathers a chunked one to count it', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const streamed = await ask(`${base}/cgi-bin/count.sh`, { method: 'POST', body: big });
    expect(streamed.body).toBe(`CONTENT_LENGTH=${big.length}\n${big.length}\n`);
    const chunked = await ask(`${base}/cgi-bin/count.sh`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: 'twelve bytes',
    });
    expect(chunked.body).toBe('CONTENT_LENGTH=12\n12\n');
  });

  it('answers HEAD with the headers and no body', async () => {
    const reply = await ask(`${base}/cgi-bin/talk.sh`, { method: 'HEAD' });
    expect([reply.status, reply.headers['x-script'], reply.body]).toEqual([200, 'talk', '']);
  });

  it('passes an NPH script’s bytes to the client untouched', async () => {
    const raw = await rawExchange(lab.port('cgi'), 'GET /cgi-bin/nph-status.sh HTTP/1.1\r\nHost: x\r\n\r\n', {
      untilResponse: false,
    });
    expect(raw.answer).toBe(
      'HTTP/1.1 203 Non-Authoritative Information\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nraw\n',
    );
    const event = await waitFor(
      () =>
        typedEvents(lab, { cgi: cgiEvents })
          .requests('cgi')
          .find((e) => e.target === '/cgi-bin/nph-status.sh'),
      'the NPH request event',
    );
    expect(event).toMatchObject({ status: 203, response: 'nph' });
  });

  it('says which line broke the header block, when the empty line is missing', async () => {
    const noBlank = await ask(`${base}/cgi-bin/no-blank-line.sh`);
    expect(noBlank.status).toBe(502);
    expect(noBlank.body).toMatch(/line 2, "the body", is not a header field: is the empty line .* missing\?/);
    const onlyHeader = await ask(`${base}/cgi-bin/only-header.sh`);
    expect(onlyHeader.status).toBe(502);
    expect(onlyHeader.body).toMatch(/every line looked like a header field, but no empty line followed them/);
  });

  it('answers binary garbage with 502 and keeps serving', async () => {
    const reply = await ask(`${base}/cgi-bin/garbage.sh`);
    expect(reply.status).toBe(502);
    expect((await ask(`${base}/cgi-bin/talk.sh`)).status).toBe(200);
  });

  it('puts a script’s stderr in the lab log, prefixed by its pid', async () => {
    await ask(`${base}/cgi-bin/talk.sh`);
    const pid = spawned('talk.sh').at(-1)!.pid;
    await waitFor(() => lab.logs('cgi').includes(`[pid ${pid}] a line for the log`), 'the stderr line in the log');
    expect(lab.logs('cgi').some((line) => line.startsWith(`pid ${pid} started`))).toBe(true);
  });

  it('says 503 with Retry-After when too many scripts run at once', async () => {
    const replies = await Promise.all([1, 2, 3, 4].map(() => ask(`${base}/cgi-bin/hang.sh`)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([503, 504, 504, 504]);
    expect(replies.find((r) => r.status === 503)!.headers['retry-after']).toBe('1');
  });

  it('writes only events its family declares', () => {
    const events = lab.events().filter((e) => e.server === 'cgi');
    expect(events.length).toBeGreaterThan(10);
    const problems = events.map((e) => eventProblem(cgiEvents, e)).filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('leaves no script running when the CGI server itself is killed with SIGKILL', async () => {
    // Given a lab whose server would wait 30 s for a script, and a script that hangs for a request
    const lesson = (await loadCatalog({ only: 'cgi' })).find('cgi')!;
    const patient: LoadedLesson = {
      ...lesson,
      servers: lesson.servers.map((spec) => ({
        ...spec,
        program: { node: '@servers/cgi/cgi-server.mjs', args: ['--timeout', '30'] },
      })),
    };
    const other = await Lab.start(patient, { workspace, control: false, preferredPorts: false });
    try {
      const pending = ask(`${other.url('cgi')}/cgi-bin/hang.sh`).catch(() => null);
      const { pid: pgid } = await waitFor(
        () => typedEvents(other, { cgi: cgiEvents }).eventsOf('cgi', 'spawn')[0],
        'the script to start',
      );
      await waitFor(() => groupMembers(pgid).length > 0, `process group ${pgid} to run`);
      // When its server dies without a chance to stop it
      const server = other.servers().find((s) => s.name === 'cgi')!.pid!;
      process.kill(server, 'SIGKILL');
      // Then the lab kills the script's whole group at once, and starts the server again
      await waitFor(() => groupMembers(pgid).length === 0, `process group ${pgid} to be empty`, 3000);
      await pending;
      await waitFor(() => {
        const now = other.servers().find((s) => s.name === 'cgi')!;
        return now.state === 'up' && now.pid !== server;
      }, 'the CGI server to be started again');
    } finally {
      await other.teardown();
    }
  });

  it('leaves no script running after teardown', async () => {
    const pending = ask(`${base}/cgi-bin/slow-body.sh`).catch(() => null);
    const before = spawned('slow-body.sh').length;
    const pid = (await waitFor(() => spawned('slow-body.sh')[before], 'the script to start')).pid;
    await lab.teardown();
    await pending;
    await waitFor(() => groupMembers(pid).length === 0, `process group ${pid} to be empty after teardown`);
  });
});
