// The requirement probes' programs, started together. Starting a program costs the tutor 2–10 ms of
// its main thread (Node forks the whole process and waits until the child has exec'd), which
// `list` and `doctor` paid once per program (Python, curl, openssl) while they load the lessons.
// Programs asked for in the same tick are started by one /bin/sh instead, which forks the small
// programs itself: the slow one (Python) beside the others, the others one after another.
import { execFile, spawn } from 'node:child_process';

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

// $1 the program run beside the others (empty: none), $2 its number of arguments, then those,
// then each other program as one argument, its words separated by newlines. Each answer ends in
// \001 and its exit status; the one run beside answers on fd 3.
const SCRIPT = `file=$1 count=$2; shift 2
if [ -n "$file" ]; then
  command='"$file"' i=1
  while [ "$i" -le "$count" ]; do command="$command \\"\\\${$i}\\"" i=$((i + 1)); done
  { eval "$command" 2>/dev/null </dev/null; printf '\\001%s' "$?"; } >&3 &
  shift "$count"
fi
IFS='
'
set -f
for job in "$@"; do $job 2>&1 </dev/null; printf '\\001%s\\001' "$?"; done
wait`;

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
  // Words of the others travel split by newlines, so one with a newline in it runs alone.
  const others = jobs.filter((job) => job !== beside && ![job.file, ...job.args].some((w) => w.includes('\n')));
  const alone = jobs.filter((job) => job !== beside && !others.includes(job));
  if (jobs.length - alone.length < 2) {
    for (const job of jobs) runAlone(job);
    return;
  }
  for (const job of alone) runAlone(job);
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      SCRIPT,
      'sh',
      beside?.file ?? '',
      String(beside?.args.length ?? 0),
      ...(beside?.args ?? []),
      ...others.map((job) => [job.file, ...job.args].join('\n')),
    ],
    { stdio: ['ignore', 'pipe', 'ignore', 'pipe'] },
  );
  const chunks: Record<1 | 3, Buffer[]> = { 1: [], 3: [] };
  child.stdout?.on('data', (chunk: Buffer) => chunks[1].push(chunk));
  child.stdio[3]?.on('data', (chunk: Buffer) => chunks[3].push(chunk as Buffer));
  const timer = setTimeout(() => child.kill(), TIMEOUT_MS);
  const answer = () => {
    clearTimeout(timer);
    const answers = Buffer.concat(chunks[1])
      .toString()
      .split(/\x01(\d+)\x01/);
    others.forEach((job, i) => {
      const out = answers[2 * i];
      const status = answers[2 * i + 1];
      if (status === undefined || out === undefined) runAlone(job);
      else job.done({ ok: status === '0', out });
    });
    if (!beside) return;
    const text = Buffer.concat(chunks[3]).toString();
    const end = text.lastIndexOf('\x01');
    if (end < 0) runAlone(beside);
    else beside.done({ ok: text.slice(end + 1) === '0', out: text.slice(0, end) });
  };
  child.once('close', answer);
  child.once('error', () => {
    child.removeListener('close', answer);
    clearTimeout(timer);
    for (const job of [...others, ...(beside ? [beside] : [])]) runAlone(job);
  });
}

/** The program on its own, as the probes ran it before (and where /bin/sh could not). */
function runAlone(job: Job): void {
  execFile(job.file, job.args, { timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
    job.done({ ok: !error, out: job.beside ? stdout : `${stdout}${stderr}` });
  });
}
