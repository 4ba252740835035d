// Test helpers about real processes: is a pid still running (a zombie counts as gone), and wait
// until a condition holds, by polling with a deadline (never a fixed sleep that hopes).
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from '../../src/engine/process-alive.js';

/** True while `pid` runs; a zombie counts as gone (the engine's own test, used here too). */
export const alive = isAlive;

/** Resolves with the first truthy value of `probe`, or throws `what` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** Every pid in `pids` that still runs, after waiting up to `timeoutMs` for them to go. */
export async function survivors(pids: number[], timeoutMs = 5000): Promise<number[]> {
  try {
    await waitFor(() => pids.every((pid) => !alive(pid)), 'processes to exit', timeoutMs);
    return [];
  } catch {
    return pids.filter(alive);
  }
}

/** Pids of every descendant of `pid` (children, grandchildren…), read from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** The command line of a process, or '' when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
