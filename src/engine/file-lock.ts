// One writer at a time for a file that several tutor processes share (progress.json: the TUI and a
// `check` in another terminal may both pass a step at the same moment). The lock is a file beside
// it, created with O_EXCL so only one process can make it, holding the owner's pid and the time.
// A lock whose owner is gone (a tutor killed mid-write) or that is older than STALE_MS is stale:
// it is moved aside and the lock taken again. Waiting has a deadline, like every wait here.
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { isAlive } from './process-alive.js';
import { TutorError } from './errors.js';

const STALE_MS = 10_000;
/** Tells this process's attempts apart (the pid tells processes apart): no secret, so not
 * node:crypto, which `list` would load (2 ms) only to read progress. */
const nonce = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
const WAIT_MS = 15_000;

/** Run `work` while holding `<path>.lock`; the lock is released however `work` ends. */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const mine = `${process.pid} ${Date.now()} ${nonce()}`;
  const deadline = Date.now() + WAIT_MS;
  let delay = 5;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(lock, 'utf8').catch(() => '');
    const [pid, since] = holder.split(' ').map(Number);
    // An empty lock file is one being written this instant, unless it stays empty: then stale.
    const stale = holder
      ? !isAlive(pid!) || Date.now() - since! > STALE_MS
      : Date.now() > deadline - WAIT_MS + STALE_MS;
    if (stale) {
      // Moved aside, not removed, and looked at once moved: if two processes found it stale, the
      // second may have moved the first one's fresh lock instead; then it puts that one back.
      const aside = `${lock}.stale-${process.pid}-${nonce()}`;
      if (
        await rename(lock, aside).then(
          () => true,
          () => false,
        )
      ) {
        if ((await readFile(aside, 'utf8').catch(() => holder)) !== holder) await link(aside, lock).catch(() => {});
        await rm(aside, { force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new TutorError(
        `Another gateway-tutor (process ${pid}) has been writing ${path} for over ${WAIT_MS / 1000} s.`,
        `If it is stuck, stop it; or remove ${lock} and try again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await work();
  } finally {
    // Only our own lock: if ours was broken as stale, another process holds the file now.
    if ((await readFile(lock, 'utf8').catch(() => '')) === mine) await rm(lock, { force: true });
  }
}
