// What the panes that replace the step text show, as lines: a command's output, a lab server's
// own log, a server's source with line numbers. Every line is a picture line (kept whole, scrolled
// sideways when too wide): output and code lose their meaning when re-wrapped.
import { stripVTControlCharacters } from 'node:util';
import type { RunSnapshot } from '../engine/command-run.js';
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
