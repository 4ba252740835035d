// What the panes that replace the step text show, as lines: a command's output, a lab server's
// own log, a server's source with line numbers. Every line is a picture line (kept whole, scrolled
// sideways when too wide): output and code lose their meaning when re-wrapped.
import { stripVTControlCharacters } from 'node:util';
import type { RunSnapshot } from '../engine/command-run.js';
import type { Solution } from '../engine/solution.js';
import type { TextLine } from './markdown.js';

const keep = (text: string): TextLine => ({ text, keep: true });
/** Programs' output may carry colours and cursor moves: show their text only. */
const plain = (text: string) => stripVTControlCharacters(text).replace(/\t/g, '  ');

export function outputLines(run: RunSnapshot): TextLine[] {
  const lines = run.lines.map((l) => keep(plain(l.text)));
  if (run.state === 'running') lines.push(keep('… running'));
  else if (run.state === 'failed') lines.push(keep(`— could not run it: ${run.problem ?? 'unknown error'}`));
  else lines.push(keep(`— exit code ${run.exitCode ?? '?'}${run.problem ? ` (${run.problem})` : ''}`));
  return lines;
}

export function logLines(server: string, log: string[]): TextLine[] {
  if (log.length === 0) return [keep(`${server} has printed nothing yet.`)];
  return log.map((line) => keep(plain(line)));
}

export function sourceLines(text: string): TextLine[] {
  const lines = text.replace(/\n$/, '').split('\n');
  const width = String(lines.length).length;
  return lines.map((line, i) => keep(`${String(i + 1).padStart(width)} │ ${plain(line)}`));
}

/** The solution pane: this run's answer, the solution as a diff against the learner's file, or
 * the commands to run. */
export function solutionLines(solution: Solution | undefined, noColor: boolean): TextLine[] {
  if (!solution) return [keep('… finding the solution')];
  const paint = (code: number, text: string) => (noColor ? text : `\x1b[${code}m${text}\x1b[39m`);
  switch (solution.kind) {
    case 'answer':
      return [
        keep(`This lab run's answer: ${solution.answer}`),
        keep(''),
        keep('Press Esc, then a to type it. It is made fresh for each lab run: see where it came from in'),
        keep("the step's commands and their output (r runs them here)."),
      ];
    case 'diff': {
      const changed = solution.diff.some((d) => d.kind !== 'same');
      const lines = solution.diff.map((d) =>
        d.kind === 'same'
          ? keep(`  ${plain(d.text)}`)
          : d.kind === 'removed'
            ? keep(paint(31, `- ${plain(d.text)}`))
            : keep(paint(32, `+ ${plain(d.text)}`)),
      );
      return [
        keep(`${solution.file}: lines with - are yours, lines with + the solution's.`),
        keep(changed ? 'Make your file say what the + lines say, and save it.' : 'Your file already matches it.'),
        keep(''),
        ...lines,
      ];
    }
    case 'commands':
      return [
        keep('Run these (r runs them here); the lab checks what it sees:'),
        ...solution.commands.map((c) => keep(`  $ ${c}`)),
      ];
    case 'none':
      return [keep(`No solution to show: ${solution.why}.`)];
  }
}
