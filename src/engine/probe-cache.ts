// What the requirement probes found, remembered between runs. Looking for Python runs it, and a
// pyenv shim is a shell script that runs `pyenv exec` (several programs, 120 ms or more) before
// Python even starts: more than the tutor's own start. So the answers are kept in the user's cache
// folder together with everything they depend on: the environment variables that choose an
// interpreter, the folder the tutor runs in (pyenv's .python-version), where each program is found
// on PATH, and the modification times of those programs, of pyenv's version files and of the
// interpreter's import folders (installing or removing a module changes its folder). A run that
// finds any of them changed probes again, and so does `doctor`, whose job is to look. Anything
// that goes wrong with the cache only means probing again.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { version } from './paths.js';
import { isExecutableFile } from './pyenv.js';

export interface ProbeMemory {
  /** What the answers were probed under: version, folder and environment (see ENV). */
  key: string;
  /** When they were probed (ms since the epoch): a week later they are probed again anyway. */
  at: number;
  /** Where each command name was found on PATH (null: nowhere). */
  found: Record<string, string | null>;
  /** Modification time of each file or folder the answers depend on (null: it did not exist). */
  stamps: Record<string, number | null>;
  /** The answers, by probe. */
  results: Record<string, unknown>;
}

const ENV = [
  'PATH',
  'PYTHON',
  'PYENV_VERSION',
  'PYENV_ROOT',
  'PYENV_DIR',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONUSERBASE',
  'HOME',
];
const DAY = 24 * 3600 * 1000;
const WEEK = 7 * DAY;

export function probeCacheFile(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gateway-tutor', 'probes.json');
}

function probeKey(): string {
  return JSON.stringify([version, process.cwd(), ...ENV.map((name) => process.env[name] ?? null)]);
}

export function stamp(path: string): number | null {
  try {
    return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? null;
  } catch {
    return null;
  }
}

/** Where a command name is found on PATH, as execvp finds it: the first executable file (an
 * empty entry is the current folder, and gives a relative path); a path is itself. */
export function which(command: string): string | null {
  if (command.includes('/')) return command;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = dir ? join(dir, command) : command;
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** pyenv's version files: the global one and each .python-version from here up; and its versions
 * folder (installing 3.11.8 changes what "3.11" names). */
export function pyenvFiles(): string[] {
  const root = process.env.PYENV_ROOT || join(homedir(), '.pyenv');
  const files = [join(root, 'version'), join(root, 'versions')];
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    files.push(join(dir, '.python-version'));
    if (dirname(dir) === dir) break;
  }
  return files;
}

/** The few most recent records, one per key (a learner may run the tutor from two folders). */
const KEEP = 8;

function records(): ProbeMemory[] {
  try {
    const all = JSON.parse(readFileSync(probeCacheFile(), 'utf8')) as { records?: ProbeMemory[] };
    return Array.isArray(all.records) ? all.records : [];
  } catch {
    return [];
  }
}

/** The remembered answers, if nothing they depend on has changed since; else undefined. */
export function recall(): ProbeMemory | undefined {
  try {
    const key = probeKey();
    const memory = records().find((record) => record.key === key);
    if (!memory || !(Date.now() - memory.at < WEEK)) return undefined;
    for (const [command, path] of Object.entries(memory.found)) if (which(command) !== path) return undefined;
    for (const [path, time] of Object.entries(memory.stamps)) if (stamp(path) !== time) return undefined;
    return memory;
  } catch {
    return undefined;
  }
}

/** JSON with every object's keys in order: the probes answer in no fixed order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Keeps the answers for the next run (synchronously: the process may exit right after). The
 * same answers found again within a day (doctor run twice) are not written again: the write and
 * its rename cost 1–2 ms as the process exits. */
export function remember(memory: Omit<ProbeMemory, 'key' | 'at'>): void {
  const file = probeCacheFile();
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const key = probeKey();
    const all = records();
    const same = all.find((record) => record.key === key);
    if (
      same &&
      // (A record from the future, a clock set back, is written again.)
      Date.now() - same.at >= 0 &&
      Date.now() - same.at < DAY &&
      canonical([same.found, same.stamps, same.results]) === canonical([memory.found, memory.stamps, memory.results])
    )
      return;
    const kept = all.filter((record) => record.key !== key).slice(0, KEEP - 1);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, JSON.stringify({ records: [{ key, at: Date.now(), ...memory }, ...kept] }), {
      mode: 0o600,
    });
    renameSync(temporary, file);
  } catch {
    /* a cache that cannot be written only means probing again next time */
  }
}
