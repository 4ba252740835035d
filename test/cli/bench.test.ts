// `gateway-tutor bench` as a learner types it: usage errors say what is wrong (exit 2), a URL
// where nothing listens says so (exit 1), and options may follow the global ones.
import { execa } from 'execa';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';

const workspace = tempDir('bench-cli');
const tutor = (...args: string[]) =>
  execa(process.execPath, [binPath, ...args], { env: commandEnv(workspace), reject: false });

/** A port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('gateway-tutor bench (built)', () => {
  it('refuses what it cannot do, with exit code 2 and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['bench'], /bench needs a URL/],
      [['bench', 'http://example.com/'], /only loads servers on this machine, not example\.com/],
      [['bench', 'ftp://127.0.0.1/'], /bench speaks HTTP/],
      [['bench', 'http://127.0.0.1:9/', '-n', '5', '-d', '1'], /-n .* or -d .*, not both/],
      [['bench', 'http://127.0.0.1:9/', '-c', '0'], /-c wants a whole number from 1 to 1000; got "0"/],
      [['bench', 'http://127.0.0.1:9/', '-d', 'soon'], /-d wants seconds/],
      [['bench', 'http://127.0.0.1:9/', '--rate', '5'], /Unknown option '--rate'/],
    ];
    for (const [args, message] of cases) {
      const result = await tutor(...args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('says so when nothing answers, with exit code 1', async () => {
    const port = await closedPort();
    const result = await tutor('--no-color', 'bench', `http://127.0.0.1:${port}/`, '-n', '3', '-c', '1');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/No request to http:\/\/127\.0\.0\.1:\d+\/ got an answer \(ECONNREFUSED × \d+\)/);
    expect(result.stderr).toMatch(/Is the lab running\?/);
  });

  it('is in --help, and has a help of its own', async () => {
    expect((await tutor('--help')).stdout).toContain('gateway-tutor bench URL [-c N] [-n N | -d S] [--json]');
    const own = await tutor('bench', '--help');
    expect(own.exitCode).toBe(0);
    expect(own.stdout).toMatch(/-d, --duration S/);
  });
});
