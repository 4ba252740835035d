// The requirement probes' programs, started together. Starting a program costs the tutor 2–10 ms of
// its main thread (Node forks the whole process and waits until the child has exec'd), which
// `list` and `doctor` paid once per program (Python, curl, openssl) while they load the lessons.
// Programs asked for in the same tick are started by one /bin/sh instead, which forks the small
// programs itself: the slow one (Python) beside the others, the others one after another.
import { type ChildProcess, execFile, spawn } from 'node:child_process';

export interface Outcome {
  /** It ran and exited 0. */
  ok: boolean;
  /** Its standard output; with `merged`, its standard error after it, as the program wrote them. */
  out: string;
}

interface Job {
  file: string;
  args: string[];
  /** Run beside the others (it takes longest), its standard output alone kept. */
  beside: boolean;
  done: (outcome: Outcome) => void;
}

const TIMEOUT_MS = 5000;
let pending: Job[] = [];

/** Probe processes still running. A tutor that leaves before they answer (q on the map, Ctrl-C,
 * a crash: every way out but SIGKILL runs 'exit' handlers) stops them, so a hung probe does not
 * outlive it; the shell's TERM trap stops the programs it started. */
const running = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  if (running.size === 0 && !exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const probe of running) probe.kill();
    });
  }
  running.add(child);
  child.once('close', () => running.delete(child));
  child.once('error', () => running.delete(child));
}
let exitHooked = false;

// $1 the number of other programs, then each as one argument (its words separated by tabs), then
// the program run beside them with its arguments, if any. Each answer ends in \001 and its exit
// status; the one run beside answers on fd 3. A TERM (the deadline) stops the programs too.
const SCRIPT = `n=$1; shift
others=
while [ "$n" -gt 0 ]; do others="$others$1
"; shift; n=$((n - 1)); done
beside= current=
trap 'kill $beside $current 2>/dev/null; exit 143' TERM
if [ $# -gt 0 ]; then "$@" >&3 2>/dev/null </dev/null & beside=$!; fi
set -f
IFS='
'
for job in $others; do
  IFS='\t'
  $job 2>&1 </dev/null & current=$!
  wait "$current"; printf '\\001%s\\001' "$?"
  IFS='
'
done
if [ -n "$beside" ]; then wait "$beside"; printf '\\001%s' "$?" >&3; fi`;

/** Runs `file args` together with the other programs asked for in this tick. */
export function runProbe(file: string, args: string[], options: { beside?: boolean } = {}): Promise<Outcome> {
  return new Promise((done) => {
    if (pending.length === 0) queueMicrotask(flush);
    pending.push({ file, args, beside: options.beside === true, done });
  });
}

function flush(): void {
  const jobs = pending;
  pending = [];
  const beside = jobs.find((job) => job.beside);
  // The others' words travel separated by tabs, one program a line: one with either runs alone,
  // and so does one with an empty word (the shell's field splitting would drop it).
  const others = jobs.filter(
    (job) => job !== beside && ![job.file, ...job.args].some((w) => w === '' || /[\t\n]/.test(w)),
  );
  const alone = jobs.filter((job) => job !== beside && !others.includes(job));
  for (const job of alone) runAlone(job);
  if (others.length + (beside ? 1 : 0) < 2) {
    for (const job of [...others, ...(beside ? [beside] : [])]) runAlone(job);
    return;
  }
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      SCRIPT,
      'sh',
      String(others.length),
      ...others.map((job) => [job.file, ...job.args].join('\t')),
      ...(beside ? [beside.file, ...beside.args] : []),
    ],
    { stdio: ['ignore', 'pipe', 'ignore', 'pipe'] },
  );
  track(child);
  const streams = [child.stdout, child.stdio[3]];
  const chunks: Buffer[][] = [[], []];
  streams.forEach((stream, i) => {
    stream?.on('data', (chunk: Buffer) => chunks[i]?.push(chunk));
  });
  let answered = false;
  const answer = (late: boolean) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    // A program that did not answer: after the deadline it failed; otherwise the shell did, and
    // the program gets its own run.
    const missing = (job: Job) => (late ? job.done({ ok: false, out: '' }) : runAlone(job));
    const answers = Buffer.concat(chunks[0] ?? [])
      .toString()
      .split(/\x01(\d+)\x01/);
    others.forEach((job, i) => {
      const status = answers[2 * i + 1];
      if (status === undefined) missing(job);
      else job.done({ ok: status === '0', out: answers[2 * i] ?? '' });
    });
    if (!beside) return;
    const text = Buffer.concat(chunks[1] ?? []).toString();
    const end = text.lastIndexOf('\x01');
    if (end < 0) missing(beside);
    else beside.done({ ok: text.slice(end + 1) === '0', out: text.slice(0, end) });
  };
  const timer = setTimeout(() => {
    child.kill();
    for (const stream of streams) stream?.destroy();
    answer(true);
  }, TIMEOUT_MS);
  child.once('close', () => answer(false));
  child.once('error', () => {
    answered = true;
    clearTimeout(timer);
    for (const job of [...others, ...(beside ? [beside] : [])]) runAlone(job);
  });
}

/** The program on its own, as the probes ran it before (and where /bin/sh could not). */
function runAlone(job: Job): void {
  const child = execFile(job.file, job.args, { timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
    job.done({ ok: !error, out: job.beside ? stdout : `${stdout}${stderr}` });
  });
  track(child);
}
