// Runs fuzz cases against one lab server's port, a few at a time, each with a deadline, and says
// how each ended. Then checks the server is still the same process, still answers a normal
// request, and has not grown without bound. Labs are started by the engine's Lab (targets.ts).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { responseComplete } from '../helpers/raw-http.js';
import { descendants } from '../helpers/processes.js';
import type { FuzzCase } from './http-cases.js';

export type Ending = 'answered' | 'closed' | 'reset' | 'stuck';

export interface CaseResult {
  label: string;
  ending: Ending;
  status: number | null;
  ms: number;
}

export interface FuzzReport {
  results: CaseResult[];
  /** Count by "ending status", e.g. "answered 400": 120. */
  summary: Record<string, number>;
  /** Cases the server neither answered nor closed after the client closed its side. */
  stuck: CaseResult[];
  /** Cases answered with a 5xx: the server blamed itself (or a backend) for a client's input. */
  serverErrors: CaseResult[];
  ms: number;
}

export interface RunOptions {
  concurrency?: number;
  /** How long to wait for an answer before closing our side. @default 500 */
  answerMs?: number;
  /** How long the server has to close after our FIN. @default 3000 */
  closeMs?: number;
}

/** One case on a fresh connection. */
export function runCase(port: number, fuzz: FuzzCase, options: RunOptions = {}): Promise<CaseResult> {
  const { answerMs = 500, closeMs = 3000 } = options;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (ending: Ending) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const head = Buffer.concat(received).subarray(0, 64).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      resolve({
        label: fuzz.label,
        ending: status && ending !== 'stuck' ? 'answered' : ending,
        status: status ? Number(status) : null,
        ms: Math.round(performance.now() - started),
      });
    };
    const closeOurSide = () => {
      if (done) return;
      socket.end();
      timer = setTimeout(() => finish('stuck'), closeMs);
    };
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (fuzz.ending === 'answer' && responseComplete(Buffer.concat(received))) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'closed'));
    socket.once('connect', async () => {
      for (const [index, chunk] of fuzz.chunks.entries()) {
        if (done) return;
        if (index > 0 && fuzz.gapMs) await new Promise((r) => setTimeout(r, fuzz.gapMs));
        if (!done) socket.write(chunk);
      }
      if (done) return;
      if (fuzz.ending === 'reset') {
        socket.resetAndDestroy();
        return finish('reset');
      }
      if (fuzz.ending === 'half-close') return closeOurSide();
      timer = setTimeout(closeOurSide, answerMs);
    });
  });
}

/** Every case, `concurrency` at a time. */
export async function runCases(port: number, cases: FuzzCase[], options: RunOptions = {}): Promise<FuzzReport> {
  const started = performance.now();
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const index = next++;
      results[index] = await runCase(port, cases[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 24 }, lane));
  const summary: Record<string, number> = {};
  for (const result of results) {
    const key = `${result.ending}${result.status ? ` ${result.status}` : ''}`;
    summary[key] = (summary[key] ?? 0) + 1;
  }
  return {
    results,
    summary,
    stuck: results.filter((r) => r.ending === 'stuck'),
    serverErrors: results.filter((r) => r.status !== null && r.status >= 500),
    ms: Math.round(performance.now() - started),
  };
}

/** Resident memory of a process and its descendants (a pre-fork server's workers), in MiB. */
export function rssMiB(pid: number): number {
  let kib = 0;
  for (const each of [pid, ...descendants(pid)]) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${each}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
  }
  return Math.round(kib / 1024);
}
