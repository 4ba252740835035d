// Whether a process still runs, on its own: the progress file's lock (file-lock.ts) asks it, and
// importing it from control.ts brought the lab's control endpoint and node:crypto into `list`.
import { readFileSync } from 'node:fs';

/** True while `pid` runs. A zombie (dead, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "PID (name) STATE ..."; the name may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
