// `gateway-tutor [LESSON]`: the Ink app. Off a terminal it prints the lessons and the headless
// commands instead. On one, it renders the app and owns the labs through a LabKeeper: one lab per
// open lesson, torn down when the learner leaves the lesson and before the process exits, however
// it exits (q and Ctrl-C unmount the app; SIGTERM/SIGHUP go through the engine's shutdown guard).
// Ink, React and the views are imported only after the catalog is loaded, on the TTY path.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { usageError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { checkRequirement, lessonAvailability, probeAll } from '../engine/requirements.js';
import { install } from '../engine/shutdown.js';
import type { LessonCard, MapEntry } from '../ui/lesson-states.js';
import { LabKeeper } from './lab-keeper.js';
import type { LessonCards } from './lesson-cards.js';

export interface TuiOptions {
  workspace: string;
  /** The map's cards and how to load a lesson (lessonCards). */
  lessons: LessonCards;
  lessonId?: string;
  noColor: boolean;
}

export async function runTui(options: TuiOptions): Promise<number> {
  if (options.noColor) process.env.FORCE_COLOR = '0'; // before chalk (in Ink) is loaded
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  // Looking for python3, curl… runs small programs (one Python run for all the Python needs):
  // started first, they run beside the loading of Ink, and the tutor forks them
  // while it is still small. The map is drawn without waiting for them and told when they answer.
  probeAll();
  const { cards } = options.lessons;
  const progress = await Progress.open(options.workspace);
  if (options.lessonId && !cards.some((card) => card.id === options.lessonId)) {
    throw usageError(`There is no lesson "${options.lessonId}".`, `Lessons: ${cards.map((l) => l.id).join(', ')}`);
  }
  const check = () =>
    Promise.all(
      cards.map(
        async (lesson): Promise<MapEntry> => ({
          lesson,
          // It reads the `requires` of the lesson and of each of its servers, which a card has.
          ...(await lessonAvailability(lesson)),
          skipped: await skippedSteps(lesson),
        }),
      ),
    );
  if (!tty) {
    process.stdout.write(headless(await check(), progress));
    return 0;
  }

  // While the tutor starts, Node's event loop must always have something to wait for. When it runs
  // empty (yoga's WebAssembly compiling in the background, the frame drawn before Ink reads the
  // terminal), Node first waits for all of V8's background work to finish (NodePlatform::
  // DrainTasks: its optimizing compilers, yoga's second-tier compile), 20–30 ms in which the key
  // waits. A timer that never fires, held until the app ends, keeps the loop busy (the terminal
  // does the same once Ink reads it). 216 → 188 ms to the first key's answer (15 interleaved runs).
  const awake = setTimeout(() => {}, 2 ** 31 - 1);
  try {
    return await showApp(options, progress, check);
  } finally {
    clearTimeout(awake);
  }
}

/** The Ink app on the terminal, from the first frame until the learner leaves. */
async function showApp(options: TuiOptions, progress: Progress, check: () => Promise<MapEntry[]>): Promise<number> {
  const { cards, load } = options.lessons;
  // The probes usually answer while Ink loads; if not, the map is drawn without them and told later.
  let checked: MapEntry[] | undefined;
  const checking = check().then(
    (entries) => {
      checked = entries;
      return entries;
    },
    () => undefined, // a probe that fails says "missing"; this is only for a bug, and costs the map nothing
  );
  const entries: MapEntry[] = cards.map((lesson) => ({ lesson, available: undefined, missing: [] }));
  const drawn = options.lessonId ? 0 : await drawFirstFrame(entries, progress);
  // V8's optimizing compiler (TurboFan) sets to work on what Ink and React run most while they
  // load and draw the first frames, code that runs a few times and is done; on two cores its
  // threads took the CPU from those frames. Off until 2 s after the first frame is up, then on for
  // the lab's events. 17 interleaved runs (chrt -f 1, load 11): first key answered 194 → 181 ms,
  // CPU of all threads 252 → 217 ms. Setting a flag makes Node compile the built-in modules it
  // loads after it from source, 3× the time (see the semi-space flag below): the two that Ink and
  // React load are loaded first, node:assert (signal-exit's) and perf_hooks (behind the global
  // `performance` that React's scheduler reads): 5.5 → 2 ms.
  createRequire(import.meta.url)('node:assert');
  performance.now();
  setFlagsFromString('--no-turbofan');
  // yoga's WebAssembly is compiled by Liftoff, V8's baseline compiler for it, as Ink loads, and a
  // function is compiled again by TurboFan on another thread once it has run through V8's tiering
  // budget (1.8 million, roughly bytes executed): the first frames' layouts spent it, and those
  // compiles ran beside them, 25–35 ms of CPU on two cores. Ten times the budget keeps them for
  // layout code that stays hot (read as yoga is instantiated, below). 40 interleaved runs (chrt -f
  // 1, load 10–12): CPU of all threads at the first key's answer −35 ms, the main thread −2.
  setFlagsFromString('--wasm-tiering-budget=18000000');
  const { startApp } = await import('../ui/start.js');
  // Ink draws from where the cursor is: put it back at the top of the first frame, in one
  // synchronized update with Ink's own frame so the switch does not flicker.
  if (drawn > 0) process.stdout.write(`\x1b[?2026h\r\x1b[${drawn}A\x1b[J`);
  const keeper = new LabKeeper(options.workspace, progress, load);
  // A closed terminal (SIGHUP) fails every read and write with EIO. Unhandled, each failure is an
  // uncaught exception whose report fails the same way, starving the event loop before the labs
  // are down. Those errors mean only that nobody is looking any more.
  for (const stream of [process.stdin, process.stdout, process.stderr]) stream.on('error', () => {});
  let unmount = () => {};
  install(() => {
    try {
      unmount();
    } catch {
      /* the terminal is gone */
    }
  });
  const app = startApp({
    entries: checked ?? entries,
    progress,
    opener: keeper,
    ...(options.lessonId ? { initialLesson: options.lessonId } : {}),
    noColor: options.noColor,
  });
  unmount = () => app.instance.unmount();
  // V8 doubles its young generation each time enough has survived in it since it last grew, and
  // never gives the pages back: with a lesson open it held 16 MB for a few MB of young objects.
  // Growing by a factor of 1 keeps it at the size it has now (V8 reads this flag at each growth;
  // `--max-semi-space-size` is read once, as the heap is made, so Node 20 cannot set it from
  // here). Measured with the http-basics lab open: RSS 73 → 70 MB. Set only once the first frame
  // is up: changing a V8 flag changes the hash that Node's built-in code cache is checked against,
  // so every Node module loaded after it is compiled from source, 3× its load time (here
  // node:tty, node:assert and perf_hooks, for Ink and React); and while the tutor loads, a young
  // generation held at its first size is collected 20 more times.
  setFlagsFromString('--semi-space-growth-factor=1');
  setTimeout(() => setFlagsFromString('--turbofan'), 2000).unref();
  if (!checked) void checking.then((entries) => entries && app.update({ entries }));
  try {
    await app.instance.waitUntilExit();
  } finally {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    await keeper.closeAll();
  }
  return 0;
}

/** Prints the lesson map as plain text, before Ink has loaded; returns how many lines it took
 * (0 when it drew nothing: a small terminal, or a screen reader, which gets Ink's linear form). */
async function drawFirstFrame(entries: MapEntry[], progress: Progress): Promise<number> {
  const { columns = 80, rows = 24 } = process.stdout;
  if (process.env.INK_SCREEN_READER === 'true' || columns < 60 || rows < 16) return 0;
  const [{ mapFrameText }, { resumeIndex }] = await Promise.all([
    import('../ui/map-text.js'),
    import('../ui/lesson-states.js'),
  ]);
  const lines = mapFrameText(entries, progress, resumeIndex(entries, progress), columns);
  if (lines.length >= rows) return 0;
  // Keys pressed before Ink listens must neither echo (moving the cursor off the frame) nor be
  // cooked (Enter would arrive as a newline): raw mode now, and Ink reads them when it starts.
  process.stdin.setRawMode(true);
  process.stdout.write(`\x1b[?25l${lines.join('\n')}\n`);
  return lines.length;
}

function headless(entries: MapEntry[], progress: Progress): string {
  const lines = [
    'gateway-tutor shows its lessons in a terminal; this is not one, so here is what it can do without.',
    '',
    'Lessons:',
  ];
  for (const { lesson, available, missing } of entries) {
    const passed = progress.passed(lesson.id).filter((id) => lesson.steps.some((s) => s.id === id)).length;
    const state = !available
      ? `needs ${missing.map((m) => m.id).join(', ')}`
      : passed === lesson.steps.length
        ? 'done'
        : `${passed}/${lesson.steps.length} steps`;
    lines.push(`  ${String(lesson.order).padStart(2)}. ${lesson.id.padEnd(16)} ${lesson.title.padEnd(44)} ${state}`);
  }
  lines.push(
    '',
    'Without the lesson screens:',
    "  gateway-tutor lab LESSON              run a lesson's lab in the foreground (Ctrl-C stops it)",
    "  gateway-tutor show LESSON [STEP]      a step as text, with the lab's ports",
    '  gateway-tutor check LESSON [STEP] [--answer TEXT]',
    '                                        check a step against that running lab',
    '  gateway-tutor ctl LESSON (stop|start|restart) SERVER',
    '  gateway-tutor list | doctor | reset [LESSON] | --help',
    '',
  );
  return lines.join('\n');
}

/** Steps whose own requirements (Flask, Gunicorn…) this machine lacks: skipped, not missing. */
async function skippedSteps(lesson: LessonCard): Promise<string[]> {
  const skipped: string[] = [];
  for (const step of lesson.steps) {
    const statuses = await Promise.all((step.requires ?? []).map(checkRequirement));
    if (statuses.some((s) => !s.ok)) skipped.push(step.id);
  }
  return skipped;
}
