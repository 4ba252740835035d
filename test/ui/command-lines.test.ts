import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLines, shellWords } from '../../src/ui/command-lines.js';

describe('commandLines', () => {
  const command = `curl -H 'Content-Type: application/json' -d '{"name": "Ada"}' http://127.0.0.1:8100/echo`;

  it('keeps a command that fits on one line', () => {
    expect(commandLines(command, 120)).toEqual([command]);
  });

  it('splits between words, never inside quotes, and continues lines with a backslash', () => {
    const lines = commandLines(command, 50);
    expect(lines).toEqual([
      `curl -H 'Content-Type: application/json' \\`,
      `  -d '{"name": "Ada"}' \\`,
      '  http://127.0.0.1:8100/echo',
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
  });

  it('gives the shell the same words when the lines are pasted', () => {
    const pasted = commandLines(command, 30).join('\n');
    // The shell's own word splitting, with printf standing in for curl
    const words = (text: string) =>
      execFileSync('sh', ['-c', `printf '%s\\n' ${text.replace(/^curl /, '')}`], { encoding: 'utf8' });
    expect(words(pasted)).toBe(words(command));
    expect(shellWords(command)).toHaveLength(6);
  });
});
