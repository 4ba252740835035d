// What a tutor killed with SIGKILL leaves behind, cleaned by the next run. SIGKILL cannot be
// caught, so the killed tutor cannot tidy up: its lab servers still exit (their stdin closes), but
// the run folder it made under the temp directory stays. Run folders carry the tutor's pid in
// their name; one whose tutor is gone is removed. Lock files of Python lab servers (gt-wsgi-*.lock)
// (and gt-fcgi-*) are unlinked by the servers as soon as they are open, so any found by name is a
// leftover.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './process-alive.js';

/** The prefix of a lab run folder: `gateway-tutor-<lesson>-<pid>-` (mkdtemp adds 6 characters). */
export function runDirPrefix(lessonId: string, pid = process.pid): string {
  return `gateway-tutor-${lessonId}-${pid}-`;
}

const RUN_DIR = /^gateway-tutor-.+-(\d+)-[A-Za-z0-9]{6}$/;
/** Run folders made before they carried a pid: removed only when empty. */
const OLD_RUN_DIR = /^gateway-tutor-.+-[A-Za-z0-9]{6}$/;
const LOCK_FILE = /^gt-(wsgi|gunicorn|fcgi)-.+\.lock(\.conn)?$/;

/** Remove run folders of tutors that are gone, and stale lock files. Never throws: a folder we
 * cannot read or remove (another user's) is simply left. Returns what it removed. */
export async function cleanLeftovers(dir = tmpdir()): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry);
      try {
        const run = RUN_DIR.exec(entry);
        if (run && Number(run[1]) !== process.pid && !isAlive(Number(run[1]))) {
          await rm(path, { recursive: true, force: true });
          removed.push(path);
        } else if (!run && OLD_RUN_DIR.test(entry)) {
          await rmdir(path); // fails, as it should, when the folder is not empty
          removed.push(path);
        } else if (LOCK_FILE.test(entry)) {
          await rm(path, { force: true });
          removed.push(path);
        }
      } catch {
        /* not ours, or in use */
      }
    }),
  );
  return removed;
}
