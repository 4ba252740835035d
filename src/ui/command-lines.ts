// A shown command too long for the terminal is split the way a person would split it in a shell:
// between words (never inside quotes), each line but the last ending in " \", so that copying all
// its lines from the terminal still gives one runnable command. Widths are screen columns.
import { visibleWidth } from './text-width.js';

/** Shell words with their quotes kept, split at unquoted spaces. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const char of command) {
    if (quote) {
      word += char;
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      word += char;
    } else if (char === ' ') {
      if (word) words.push(word);
      word = '';
    } else word += char;
  }
  if (word) words.push(word);
  return words;
}

/** An option stays on the line of its value: "-d '{…}'" is one unit. */
function units(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (/^-\w$/.test(word) && next !== undefined && !next.startsWith('-')) {
      out.push(`${word} ${next}`);
      i++;
    } else out.push(word);
  }
  return out;
}

/** Lines of at most `width` characters (a single word longer than that gets a line of its own). */
export function commandLines(command: string, width: number): string[] {
  if (visibleWidth(command) <= width) return [command];
  const lines: string[] = [];
  let line = '';
  for (const word of units(shellWords(command))) {
    const candidate = line ? `${line} ${word}` : word;
    // room for the " \" that continues the line
    if (line && visibleWidth(candidate) + 2 > width) {
      lines.push(`${line} \\`);
      line = `  ${word}`;
    } else line = candidate;
  }
  if (line) lines.push(line);
  return lines;
}
