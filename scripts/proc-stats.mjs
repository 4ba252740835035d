// What the benchmarks read of a process from /proc (Linux): its CPU time, and its children.
import { readFileSync, readdirSync } from 'node:fs';

const TICK_US = 1e6 / 100; // /proc counts CPU time in clock ticks; USER_HZ is 100 on Linux

/** Field `index` of /proc/PID/stat after the command name (utime is 11, stime 12); NaN once the
 * process is gone. */
function statField(pid, index) {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[index]);
  } catch {
    return Number.NaN;
  }
}

/** Microseconds a process has spent in user space so far. */
export const userUs = (pid) => statField(pid, 11) * TICK_US;
/** Microseconds the kernel has spent for it (system calls, and the loopback TCP they drive). */
export const systemUs = (pid) => statField(pid, 12) * TICK_US;
/** Both together: the CPU time a process has used so far. */
export const cpuUs = (pid) => userUs(pid) + systemUs(pid);

/** The pids whose parent is `pid` (nginx's worker under its master, a lab's servers under the
 * tutor, an app's workers under its manager). */
export function childrenOf(pid) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && statField(entry, 1) === pid)
    .map(Number);
}
