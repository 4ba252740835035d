// What the learner's machine has. Lessons name requirements by id; this file knows how to look
// for each one, once per run, and how to say what is missing in a way a person can act on.
import { runProbe } from './probe-batch.js';
import { pyenvFiles, recall, remember, stamp, which, type ProbeMemory } from './probe-cache.js';
import { resolvePyenvShim } from './pyenv.js';
import { PROBE_ARGS, parseProbe, type ProbeAnswer, type PythonModule } from './python-probe.js';
import type { LessonDefinition } from './types.js';

export interface RequirementStatus {
  id: RequirementId;
  ok: boolean;
  /** Version or path when found; what to do when not. */
  detail: string;
}

// What this run probed, kept for the next one (probe-cache.ts); `memory` is what an earlier run
// left, read at the first probe, or undefined when it is stale, missing, or not wanted (doctor).
const probed: Omit<ProbeMemory, 'key' | 'at'> = { found: {}, stamps: {}, results: {} };
let memory: ProbeMemory | undefined | null = null;

/** This run looks again instead of trusting what an earlier run found (`doctor`). */
export function probeAfresh(): void {
  memory = undefined;
}

function recalled<T>(probe: string): T | undefined {
  if (memory === null) memory = recall();
  return memory && probe in memory.results ? (memory.results[probe] as T) : undefined;
}

/** Notes where `command` is on PATH and the file's time, which the answer depends on. */
function depends(command: string): void {
  const path = which(command);
  probed.found[command] = path;
  if (path) probed.stamps[path] = stamp(path);
}

type Ran = { ok: boolean; out: string };

function run(file: string, args: string[]): Promise<Ran> {
  const probe = [file, ...args].join(' ');
  const known = recalled<Ran>(probe);
  if (known) return Promise.resolve(known);
  depends(file);
  return runProbe(file, args).then(({ ok, out }) => {
    const ran: Ran = { ok, out: out.trim() };
    probed.results[probe] = ran;
    return ran;
  });
}

interface Python extends ProbeAnswer {
  /** What was asked for: $PYTHON, python3 or python. */
  path: string;
  /** The interpreter itself (sys.executable): a pyenv shim is a shell script that finds it again
   * on every start, so the lab runs this one and pays for the shim once per run, not per server. */
  executable: string;
}

let pythonLookup: Promise<Python | null> | undefined;

/** The Python the lessons use: $PYTHON, then python3, then python; 3.9 or newer. */
export function findPython(): Promise<Python | null> {
  pythonLookup ??= (async () => {
    const known = recalled<Python | null>('python');
    if (known !== undefined) return known;
    const python = await lookForPython();
    // The answer depends on which interpreter pyenv picks, and on what that one can import.
    for (const file of [...pyenvFiles(), ...(python ? [python.executable, ...(python.importPath ?? [])] : [])])
      probed.stamps[file] = stamp(file);
    probed.results.python = python;
    return python;
  })();
  return pythonLookup;
}

async function lookForPython(): Promise<Python | null> {
  const candidates = [process.env.PYTHON, 'python3', 'python'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    depends(candidate);
    // A pyenv shim would spend 120 ms or more finding the interpreter: find it as pyenv does and
    // run it directly (pyenv.ts), or run the shim when that cannot be done exactly.
    const found = which(candidate);
    const pyenv = found ? resolvePyenvShim(found) : undefined;
    for (const file of pyenv?.consulted ?? []) probed.stamps[file] = stamp(file);
    const file = pyenv?.interpreter ?? candidate;
    const { ok, out } = await runProbe(file, [...PROBE_ARGS], { beside: true });
    const python = ok ? parseProbe(out) : undefined;
    if (!python) continue;
    const [major = 0, minor = 0] = python.version.split('.').map(Number);
    if (major === 3 && minor >= 9) return { path: candidate, ...python, executable: python.executable || file };
  }
  return null;
}

async function pythonImports(module: PythonModule): Promise<RequirementStatus['detail'] | null> {
  const python = await findPython();
  return python?.modules[module] ?? null;
}

/** Every requirement a lesson, a server or a step can name (`requires`), in the order doctor
 * lists them: the one list. Add an id here, and the probes below must say how to look for it. */
export const REQUIREMENT_IDS = ['curl', 'python3', 'flask', 'gunicorn', 'uvicorn', 'openssl'] as const;

/** Something the learner's machine must have. */
export type RequirementId = (typeof REQUIREMENT_IDS)[number];

const probes: Record<RequirementId, () => Promise<RequirementStatus>> = {
  curl: async () => {
    const { ok, out } = await run('curl', ['--version']);
    // "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/…": the first two words say enough.
    const version = out.split('\n')[0]?.split(' ').slice(0, 2).join(' ') ?? 'curl';
    return { id: 'curl', ok, detail: ok ? version : 'install curl (apt-get install curl, brew install curl)' };
  },
  python3: async () => {
    const python = await findPython();
    return python
      ? { id: 'python3', ok: true, detail: `${python.path} ${python.version}` }
      : { id: 'python3', ok: false, detail: 'needs Python 3.9 or newer: install python3, or set PYTHON to its path' };
  },
  flask: async () => module('flask', 'Flask', 'python3-flask'),
  gunicorn: async () => module('gunicorn', 'Gunicorn', 'python3-gunicorn'),
  uvicorn: async () => module('uvicorn', 'Uvicorn', 'python3-uvicorn'),
  openssl: async () => {
    const { ok, out } = await run('openssl', ['version']);
    return { id: 'openssl', ok, detail: ok ? out : 'install openssl' };
  },
};

async function module(
  id: 'flask' | 'gunicorn' | 'uvicorn',
  name: string,
  debianPackage: string,
): Promise<RequirementStatus> {
  const version = await pythonImports(id);
  return version
    ? { id, ok: true, detail: `${name} ${version}` }
    : {
        id,
        ok: false,
        detail: `needs ${name} for the lesson's Python (pip install ${id}, or apt-get install ${debianPackage} and PYTHON=/usr/bin/python3)`,
      };
}

const cache = new Map<RequirementId, Promise<RequirementStatus>>();

/** Probes no lesson names: run when something asks (doctor), not started with the others. */
const ON_DEMAND: ReadonlySet<RequirementId> = new Set(['openssl']);
let unsettled = 0;
let exitHooked = false;

/** Starts the probes now (by default those lessons may name), each at most once per run, so that
 * they run beside whatever comes next (loading the lessons, drawing the map) instead of after it.
 * Python first: it takes longest, and forking costs less while the tutor is still small. */
export function probeAll(ids: readonly RequirementId[] = REQUIREMENT_IDS.filter((id) => !ON_DEMAND.has(id))): void {
  const ordered = [...ids].sort((a, b) => Number(b === 'python3') - Number(a === 'python3'));
  for (const id of ordered) {
    unsettled++;
    void checkRequirement(id).then(() => unsettled--);
  }
  if (exitHooked) return;
  exitHooked = true;
  // Written as the process exits (synchronously, so `list` exiting at once still leaves it), and
  // only when every probe started here answered and some answered afresh.
  process.once('exit', () => {
    if (unsettled > 0 || Object.keys(probed.results).length === 0) return;
    const earlier = memory ?? { found: {}, stamps: {}, results: {} };
    remember({
      found: { ...earlier.found, ...probed.found },
      stamps: { ...earlier.stamps, ...probed.stamps },
      results: { ...earlier.results, ...probed.results },
    });
  });
}

/** The probes a command needs, started as early as the CLI can (cli.ts); the command starts them
 * again, which does nothing more. `doctor` looks afresh rather than trust an earlier run. */
export function startProbes(command: 'list' | 'doctor'): void {
  if (command === 'doctor') {
    probeAfresh();
    probeAll(REQUIREMENT_IDS);
  } else probeAll();
}

export function checkRequirement(id: RequirementId): Promise<RequirementStatus> {
  let status = cache.get(id);
  if (!status) {
    const probe = probes[id];
    status = probe ? probe() : Promise.resolve({ id, ok: false, detail: `unknown requirement "${id}"` });
    cache.set(id, status);
  }
  return status;
}

export async function lessonAvailability(lesson: {
  requires?: LessonDefinition['requires'];
  servers: readonly Pick<LessonDefinition['servers'][number], 'requires'>[];
}): Promise<{ available: boolean; missing: { id: string; why: string }[] }> {
  const ids = new Set<RequirementId>(lesson.requires ?? []);
  for (const server of lesson.servers) for (const id of server.requires ?? []) ids.add(id);
  const statuses = await Promise.all([...ids].map(checkRequirement));
  const missing = statuses.filter((s) => !s.ok).map((s) => ({ id: s.id, why: s.detail }));
  return { available: missing.length === 0, missing };
}
