// The command line: parse with node:util parseArgs, answer --version and --help before loading
// anything heavy, then load only the command asked for (each is its own chunk in the bundle).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT, TutorError, usageError } from './engine/errors.js';
import { workspaceError } from './engine/workspace-errors.js';
import { version } from './engine/paths.js';
// Loaded with the CLI, not on demand: list and doctor start their probes the moment they know
// the command (a dynamic import would start Python 5 ms later, and Python is often the last to answer).
import { startProbes } from './engine/requirements.js';

export const COMMANDS = [
  'list',
  'lab',
  'check',
  'show',
  'ctl',
  'reset',
  'doctor',
  'trace',
  'ws',
  'bench',
  'fcgi',
] as const;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  workspace: { type: 'string' },
  lessons: { type: 'string' },
  'no-color': { type: 'boolean' },
  answer: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
} satisfies ParseArgsConfig['options'];

export const HELP = `gateway-tutor ${version}: learn how a web request reaches Python code,
by running the real thing.

Usage:
  gateway-tutor [LESSON]            the tutor; opens LESSON directly when given
  gateway-tutor list [--json]       lessons, your progress, what each needs
  gateway-tutor lab LESSON [--json] run LESSON's lab until Ctrl-C
  gateway-tutor check LESSON [STEP] [--answer TEXT] [--json]
                                    check a step against LESSON's running lab
  gateway-tutor show LESSON [STEP] [--json]
                                    a step's text, commands and hints, with the
                                    lab's ports
  gateway-tutor ctl LESSON (stop|start|restart) SERVER
                                    stop or start one lab server (drills)
  STEP is a step's id or its number; SERVER a server's name or its number.
  gateway-tutor reset [LESSON] [--yes]
                                    forget progress and restore starter files
  gateway-tutor doctor              what is installed, what is missing
  gateway-tutor trace LESSON [REQUEST-ID] [--json]
                                    one request's journey across the lab's hops,
                                    as text (default: the latest request)
  gateway-tutor ws URL [-H NAME:VALUE] [--subprotocol P]
                                    a WebSocket client: frames in, lines out
  gateway-tutor bench URL [-c N] [-n N | -d S] [--json]
                                    concurrent load: requests/s, latency
                                    percentiles and a histogram (bench --help)
  gateway-tutor fcgi ADDR [PATH] [-X M] [-d BODY] [-H N:V] [--get-values]
                                    one FastCGI request (or a management query)
                                    to an app at host:port or a Unix socket,
                                    every record shown

Options:
  --workspace DIR   where your files and progress live (default ~/gateway-tutor,
                    or GATEWAY_TUTOR_WORKSPACE)
  --lessons DIR     load lessons from DIR instead of the built-in ones
  --no-color        no colours (NO_COLOR works too)
  --json            one JSON object per line, for scripts (list, lab, check,
                    show, trace, bench)
  -h, --help        this text
  -v, --version     the version

Exit codes: 0 ok or check passed, 1 check failed, 2 usage error or no running
lab, 3 something the lesson needs is missing, 4 the workspace cannot be written
(read-only, full).`;

export type CliValues = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

/** Tools with options of their own (bench's -d is a duration, fcgi's -d a body, like curl's, ws's
 * -H a header): the command line after the tool's name is theirs to parse. Global options may come
 * before the name (`--workspace DIR bench …`). */
const OWN_OPTIONS = new Set(['bench', 'fcgi', 'ws']);

function toolArgs(argv: string[]): { tool: string; args: string[] } | undefined {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  if (first?.kind !== 'positional' || !OWN_OPTIONS.has(first.value)) return undefined;
  return { tool: first.value, args: argv.slice(first.index + 1) };
}

export async function main(argv: string[]): Promise<number> {
  const tool = toolArgs(argv);
  if (tool) {
    try {
      if (tool.tool === 'fcgi') return await (await import('./commands/fcgi.js')).fcgi(tool.args);
      if (tool.tool === 'ws') return await (await import('./commands/ws.js')).ws(tool.args);
      return await (await import('./commands/bench.js')).bench(tool.args);
    } catch (error) {
      if (!(error instanceof TutorError)) throw error;
      process.stderr.write(`${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
      return error.exitCode;
    }
  }
  let values: CliValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as {
      values: CliValues;
      positionals: string[];
    });
  } catch (error) {
    const flags = Object.entries(OPTIONS).map(([name, o]) => `--${name}${'short' in o ? ` (-${o.short})` : ''}`);
    process.stderr.write(
      `${(error as Error).message}\nValid options: ${flags.join(', ')}\nSee gateway-tutor --help.\n`,
    );
    return EXIT.usage;
  }
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (values['no-color']) process.env.NO_COLOR = '1';
  const [command, ...rest] = positionals;
  // Their probes run programs (Python above all): started before the command's own code loads.
  if (command === 'list' || command === 'doctor') startProbes(command);
  try {
    switch (command) {
      case 'list':
        return await (await import('./commands/list.js')).list(values, rest);
      case 'lab':
        return await (await import('./commands/lab.js')).lab(values, rest);
      case 'check':
        return await (await import('./commands/check.js')).check(values, rest);
      case 'show':
        return await (await import('./commands/show.js')).show(values, rest);
      case 'ctl':
        return await (await import('./commands/ctl.js')).ctl(values, rest);
      case 'reset':
        return await (await import('./commands/reset.js')).reset(values, rest);
      case 'trace':
        return await (await import('./commands/trace.js')).trace(values, rest);
      case 'doctor':
        return await (await import('./commands/doctor.js')).doctor(values, rest);
      default: {
        // The map's cards (the built lessons' index): the lessons are loaded only when opened.
        const { lessonCards } = await import('./commands/lesson-cards.js');
        const lessons = await lessonCards(values.lessons);
        if (command && !lessons.cards.some((card) => card.id === command)) {
          throw usageError(
            `"${command}" is neither a command nor a lesson.`,
            `Commands: ${COMMANDS.join(', ')}\nLessons: ${lessons.cards.map((l) => l.id).join(', ')}`,
          );
        }
        const { runTui } = await import('./commands/tui.js');
        const { resolveWorkspace } = await import('./engine/workspace.js');
        return await runTui({
          workspace: resolveWorkspace(values.workspace),
          lessons,
          ...(command ? { lessonId: command } : {}),
          noColor: Boolean(values['no-color'] || process.env.NO_COLOR),
        });
      }
    }
  } catch (caught) {
    // A read-only or full workspace is the machine's answer, not a bug: words and exit code 4.
    const error = workspaceError(caught, 'The tutor could not use its workspace');
    if (error instanceof TutorError) {
      process.stderr.write(`${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    throw error;
  }
}
