// How `check` and `ctl` in another terminal reach a running lab. The lab listens on a random
// loopback port and writes a record (URL, token, pid, servers) to <workspace>/.labs/<lesson>.json,
// readable only by the user. Every request must carry the token. A record whose process is gone
// (the lab was killed) is stale: it is removed when found.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
// node:http is loaded when a lab is called or started, not with this file: Progress shares its
// bundle chunk (atomic writes), and `list` and `doctor` would pay 5–7 ms of CPU for it.
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { EXIT, TutorError } from './errors.js';
import { isAlive } from './process-alive.js';
import type { ServerSnapshot } from './types.js';

export interface LabRecord {
  lesson: string;
  pid: number;
  /** Absent while the lab is still starting (the record is claimed first, see claimRecord). */
  control?: string;
  token?: string;
  startedAt: string;
  servers: ServerSnapshot[];
}

/** How long a lab may take to start before its claimed record counts as stale. */
const STARTING_AT_MOST_MS = 120_000;

export type ControlHandler = (route: string, body: Record<string, unknown>, query: URLSearchParams) => Promise<unknown>;

export function recordPath(workspace: string, lesson: string): string {
  return join(workspace, '.labs', `${lesson}.json`);
}

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

export async function writeRecord(workspace: string, record: LabRecord): Promise<void> {
  const dir = join(workspace, '.labs');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFileAtomic(recordPath(workspace, record.lesson), `${JSON.stringify(record, null, 2)}\n`, 0o600, false);
}

/**
 * Claim the record of `lesson` before its lab starts, so that of two labs started at the same
 * moment only one runs: the record is written whole to a temporary file and then hard-linked to
 * its name, which fails (EEXIST) when it is already there, atomically, like O_EXCL. A record whose
 * process is gone is stale: it is removed and the claim tried again.
 * @returns null when this process now holds the record, else the record of the lab that does.
 */
export async function claimRecord(workspace: string, lesson: string): Promise<LabRecord | null> {
  const dir = join(workspace, '.labs');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const claim: LabRecord = { lesson, pid: process.pid, startedAt: new Date().toISOString(), servers: [] };
  // Unique per claim, not per process: two labs started by one process must not share it.
  const temporary = join(dir, `.${lesson}.${process.pid}.${randomBytes(4).toString('hex')}.claim`);
  await writeFile(temporary, `${JSON.stringify(claim, null, 2)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(temporary, recordPath(workspace, lesson));
        return null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const running = await findRunningLab(workspace, lesson);
      if (running) return running;
    }
    throw new TutorError(
      `The record of the ${lesson} lab (${recordPath(workspace, lesson)}) keeps coming back.`,
      'Another tutor may be starting and stopping that lab in a loop: stop it, then try again.',
      EXIT.usage,
    );
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function removeRecord(workspace: string, lesson: string, pid = process.pid): Promise<void> {
  const record = await readRecord(workspace, lesson);
  if (record && record.pid === pid) await rm(recordPath(workspace, lesson), { force: true });
}

/** For the synchronous 'exit' handler. */
export function removeRecordSync(workspace: string, lesson: string, pid = process.pid): void {
  try {
    const record = JSON.parse(readFileSync(recordPath(workspace, lesson), 'utf8')) as LabRecord;
    if (record.pid === pid) rmSync(recordPath(workspace, lesson), { force: true });
  } catch {
    /* nothing to remove */
  }
}

async function readRecord(workspace: string, lesson: string): Promise<LabRecord | null> {
  try {
    return JSON.parse(await readFile(recordPath(workspace, lesson), 'utf8')) as LabRecord;
  } catch {
    return null;
  }
}

/** The record of a lab running now for `lesson`, or null; a stale record is removed. */
export async function findRunningLab(workspace: string, lesson: string): Promise<LabRecord | null> {
  const record = await readRecord(workspace, lesson);
  if (!record) return null;
  // A lab still starting has no endpoint yet: its process running is all there is to ask (and a
  // start takes seconds, so an old claim is a dead tutor's whose pid now names another program).
  const young = Date.now() - Date.parse(record.startedAt) < STARTING_AT_MOST_MS;
  if (!record.control && young && isAlive(record.pid)) return record;
  // The pid of a lab killed with SIGKILL may since belong to another program: ask the lab too.
  if (record.control && isAlive(record.pid) && (await answers(record))) return record;
  await rm(recordPath(workspace, lesson), { force: true });
  return null;
}

async function answers(record: LabRecord): Promise<boolean> {
  try {
    return (await request(record, '/state', undefined, 2000)).status === 200;
  } catch (error) {
    // Refused: nobody listens there any more. A timeout: the lab is alive but busy.
    return (error as Error).name === 'TimeoutError';
  }
}

/** One JSON request to a lab's control endpoint, with node:http (fetch would load undici, which
 * costs more than the whole check). */
async function request(
  record: LabRecord,
  route: string,
  body: Record<string, unknown> | undefined,
  timeoutMs: number,
): Promise<{ status: number; data: Record<string, unknown> }> {
  const { request: httpRequest } = await import('node:http');
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = httpRequest(`${record.control}${route}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${record.token}`,
        'content-type': 'application/json',
        ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
      },
      timeout: timeoutMs,
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('the lab did not answer in time'), { name: 'TimeoutError' })),
    );
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, data: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        } catch {
          reject(new Error(`the lab answered ${res.statusCode} with something that is not JSON`));
        }
      });
    });
    req.end(payload);
  });
}

/** The control endpoint: 127.0.0.1 only, token required, JSON in and out. */
export async function startControlServer(
  token: string,
  handle: ControlHandler,
): Promise<{ server: Server; url: string }> {
  const expected = Buffer.from(`Bearer ${token}`);
  const { createServer } = await import('node:http');
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(401, { error: 'This lab control endpoint needs the token from the lab record.' });
    }
    let url: URL;
    let body: Record<string, unknown>;
    try {
      // A body that is not a JSON object, or a target that is not a path, is the caller's mistake.
      url = new URL(req.url ?? '/', 'http://control');
      body = req.method === 'POST' ? await readJson(req) : {};
    } catch (error) {
      const tooLarge = (error as Error).message === TOO_LARGE;
      return send(tooLarge ? 413 : 400, {
        error: tooLarge
          ? 'The request body is too large.'
          : `The request is not what this endpoint takes: ${(error as Error).message}`,
        hint: 'Send a JSON object, as `gateway-tutor check` and `ctl` do.',
        exitCode: EXIT.usage,
      });
    }
    try {
      send(200, await handle(url.pathname, body, url.searchParams));
    } catch (error) {
      // A TutorError travels whole, so `ctl` in another terminal prints what the lab would have.
      const { message, hint, exitCode } = error as TutorError;
      send(error instanceof TutorError ? 422 : 500, {
        error: message,
        hint: hint ?? '',
        exitCode: exitCode ?? EXIT.failed,
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

const TOO_LARGE = 'request body too large';

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1_000_000) throw new Error(TOO_LARGE);
  }
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('the body is not a JSON object');
  return value as Record<string, unknown>;
}

/** Client side, for `check` and `ctl`. */
export async function callLab<T>(record: LabRecord, route: string, body?: Record<string, unknown>): Promise<T> {
  if (!record.control) {
    throw new TutorError(
      `The ${record.lesson} lab (process ${record.pid}) is still starting.`,
      'Try again in a moment, once it says it is ready.',
      EXIT.usage,
    );
  }
  let response: { status: number; data: Record<string, unknown> };
  try {
    // A check may run a learner's app over HTTP: give it time.
    response = await request(record, route, body, 60_000);
  } catch {
    throw new TutorError(
      `The ${record.lesson} lab (process ${record.pid}) does not answer at ${record.control}.`,
      `It may be stopping or stuck. Start it again with \`gateway-tutor lab ${record.lesson}\`.`,
      EXIT.usage,
    );
  }
  const data = response.data as T & { error?: string; hint?: string; exitCode?: number };
  if (response.status === 401) {
    throw new TutorError(
      `The ${record.lesson} lab did not accept this terminal's token.`,
      `Its record may be from another run: stop the lab and start it again.`,
      EXIT.usage,
    );
  }
  if (response.status !== 200) {
    const hint = data.hint || (response.status === 500 ? 'This is a bug in the tutor; the lab keeps running.' : '');
    throw new TutorError(data.error ?? `The lab answered ${response.status}.`, hint, data.exitCode ?? EXIT.failed);
  }
  return data;
}
