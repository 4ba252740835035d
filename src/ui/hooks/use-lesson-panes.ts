// The views that can take the step text's place, and the keys' actions that open them: run a
// shown command (its output in a pane, the requests it caused marked in the log), copy one, a lab
// server's own log (live), a server's source. Holds which command and which server are chosen.
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { LessonSession, SessionSnapshot } from '../../engine/session.js';
import { serverSource } from '../../engine/server-source.js';
import { osc52 } from '../clipboard.js';
import type { TextLine } from '../markdown.js';
import { logLines, outputLines, solutionLines, sourceLines } from '../pane-lines.js';
import type { Solution } from '../../engine/solution.js';
import type { RequestEvent } from '../../engine/types.js';
import { requestNumber } from '../request-number.js';
import type { LessonActions, LessonMode } from './use-lesson-keys.js';
import { useCommandRun } from './use-command-run.js';

export interface Pane {
  title: string;
  lines: TextLine[];
}

export interface LessonPanes {
  actions: LessonActions;
  /** What the pane of this mode shows (undefined: the step text). */
  pane: Pane | undefined;
  /** Index of the chosen command. */
  chosen: number;
  /** Requests caused by the last command run from the tutor, by seq. */
  marked: ReadonlySet<number>;
  /** One line for the status area ("copied …"), if any. */
  note: string | undefined;
}

export function useLessonPanes(
  session: LessonSession,
  snapshot: SessionSnapshot,
  mode: () => LessonMode,
  setMode: (mode: LessonMode) => void,
  commands: string[],
  noColor: boolean,
): LessonPanes {
  const { stdout } = useStdout();
  const { step, requests, servers, lesson } = snapshot;
  const [chosen, setChosen] = useState(0);
  const [note, setNote] = useState<string>();
  const [server, setServer] = useState(0);
  const [marks, setMarks] = useState<{ from: number; to?: number }>();
  const [, setLogLines] = useState(0);
  const [solution, setSolution] = useState<{ stepId: string; asked: boolean; found?: Solution }>();
  const { run, start } = useCommandRun(session.fill('{{workspace}}'));
  const current = mode();
  const serverName = servers[server]?.name ?? servers[0]?.name ?? '';

  useEffect(() => {
    setChosen(0);
    setNote(undefined);
  }, [step.id]);
  const solutionHere = solution?.stepId === step.id ? solution : undefined;
  // Requests count as caused by the run until the learner leaves its output.
  useEffect(() => {
    if (current !== 'output' && marks && marks.to === undefined) setMarks({ ...marks, to: newest(requests) });
  }, [current]);
  // The log view follows the server's output as it is printed.
  useEffect(() => {
    if (current !== 'logs') return;
    return session.onLog((name) => name === serverName && setLogLines((n) => n + 1));
  }, [current, serverName]);

  const command = commands[Math.min(chosen, commands.length - 1)];
  const actions: LessonPanes['actions'] = {
    run() {
      if (!command) return;
      if (commands.length > 1 && current === 'step') return setMode('commands');
      setMarks({ from: newest(requests) });
      start(command);
      setMode('output');
    },
    copy() {
      if (!command) return;
      if (commands.length > 1 && current === 'step') return setMode('commands');
      stdout.write(osc52(command));
      setNote(`Copied to the clipboard: ${command}`);
      if (current === 'commands') setMode('step');
    },
    choose(by) {
      setChosen((c) => Math.max(0, Math.min(commands.length - 1, c + by)));
    },
    solution() {
      const total = step.hints?.length ?? 0;
      if (snapshot.hintsShown < total && !snapshot.helped.has(step.id))
        return setNote(`The solution comes after the hints: press h for hint ${snapshot.hintsShown + 1} of ${total}.`);
      if (!snapshot.helped.has(step.id) && !solutionHere?.asked) {
        setSolution({ stepId: step.id, asked: true });
        return setNote('Press S again to see the solution; this step will then count as solved with help.');
      }
      setNote(undefined);
      setMode('solution');
      if (!solutionHere?.found) {
        const stepId = step.id;
        void session.solution().then((found) => setSolution({ stepId, asked: true, found }));
      }
    },
    cycle(by) {
      setServer((i) => (i + by + servers.length) % Math.max(1, servers.length));
    },
  };

  let pane: Pane | undefined;
  if (current === 'output' && run)
    pane = { title: `$ ${run.command}  (Esc back, r run again)`, lines: outputLines(run) };
  else if (current === 'logs')
    pane = {
      title: `${serverName}'s own output, last lines (Tab: next server, Esc back)`,
      lines: logLines(serverName, session.logs(serverName)),
    };
  else if (current === 'source') {
    const source = serverSource(lesson, serverName);
    pane = {
      title: `${serverName}: ${source.path} (Tab: next server, Esc back)`,
      lines: source.ok ? sourceLines(source.text) : [{ text: source.text, keep: false }],
    };
  } else if (current === 'solution')
    pane = {
      title: `The solution of step ${snapshot.index + 1}: ${step.title} (Esc back)`,
      lines: solutionLines(solutionHere?.found, noColor),
    };
  return { actions, pane, chosen, marked: marks ? markedBetween(requests, marks) : new Set(), note };
}

/** The number of the newest request in the log (0 before the first). */
const newest = (requests: readonly RequestEvent[]) =>
  requests.length ? requestNumber(requests, requests.length - 1) : 0;

/** The seqs of the requests numbered after `from` and up to `to`: those a run caused. */
function markedBetween(requests: readonly RequestEvent[], marks: { from: number; to?: number }): Set<number> {
  const marked = new Set<number>();
  for (let i = requests.length - 1; i >= 0; i--) {
    const number = requestNumber(requests, i);
    if (number <= marks.from) break;
    if (marks.to === undefined || number <= marks.to) marked.add(requests[i]!.seq);
  }
  return marked;
}
