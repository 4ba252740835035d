// A real terminal for end-to-end tests: a detached tmux session on its own server socket, read
// with capture-pane and typed into with send-keys. Waiting means polling the screen for what a
// person would look for, with a deadline.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/processes.js';

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class TmuxTerminal {
  /** Its own server socket, removed when the terminal is closed. */
  readonly socket = join(tmpdir(), `gt-tmux-${randomBytes(4).toString('hex')}`);
  private open = false;

  /** Runs `argv` in a new terminal of the given size; after it exits the pane shows "[exited N]". */
  start(argv: string[], env: Record<string, string>, size = { columns: 160, rows: 45 }): void {
    const assignments = Object.entries(env).map(([key, value]) => `${key}=${quote(value)}`);
    const command = `env ${assignments.join(' ')} ${argv.map(quote).join(' ')}; echo "[exited $?]"; sleep 600`;
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(size.columns), '-y', String(size.rows), command);
    this.open = true;
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Keys in tmux's send-keys syntax: 'Enter', 'C-c', 'q'. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Waits until the screen matches, and returns the match. */
  async waitFor(pattern: RegExp, what = String(pattern), timeoutMs = 15_000): Promise<RegExpMatchArray> {
    try {
      return await waitFor(() => this.screen().match(pattern), what, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- screen ---\n${this.screen()}`);
    }
  }

  /** Any other tmux command on this terminal's server ('set', '-g', 'set-clipboard', 'on'). */
  command(...args: string[]): string {
    return this.tmux(...args);
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows));
  }

  /** Closing the terminal: the program gets SIGHUP, as when a terminal window is closed. */
  kill(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
    rmSync(this.socket, { force: true });
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
}
