// `gateway-tutor ws` as a learner (or a piped script) uses it: lines in, frames out with their
// opcode, pings answered, the close code shown, and usage errors with exit code 2.
import { execa } from 'execa';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { binPath } from '../../src/engine/paths.js';
import { commandEnv, tempDir } from '../helpers/env.js';

const workspace = tempDir('ws-cli');
const tutor = (args: string[], input?: string) =>
  execa(process.execPath, [binPath, 'ws', ...args], { env: commandEnv(workspace), reject: false, input: input ?? '' });

describe('gateway-tutor ws (built)', () => {
  let server: WebSocketServer;
  let url: string;
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];

  beforeAll(async () => {
    // Given a WebSocket server that answers text in upper case, echoes binary, and closes on "bye"
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (set) => [...set][0] ?? false });
    server.on('connection', (socket, request) => {
      seenHeaders.push(request.headers);
      socket.on('message', (data, isBinary) => {
        const text = data.toString();
        if (text === 'bye') socket.close(4001, 'asked to leave');
        else socket.send(isBinary ? data : text.toUpperCase(), { binary: isBinary });
      });
    });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends piped lines, prints frames with their opcode, and closes with 1000', async () => {
    const result = await tutor(
      [url, '-H', 'X-Hello: there', '--subprotocol', 'chat'],
      'hello\n/ping abc\n/binary hi\n',
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/connected to .*\(HTTP 101, subprotocol chat\)/);
    expect(result.stdout).toContain('< text: HELLO');
    expect(result.stdout).toContain('< pong: abc');
    expect(result.stdout).toContain('< binary: 2 bytes 6869');
    expect(result.stdout).toMatch(/closed: 1000 \(normal closure\)/);
    expect(seenHeaders.at(-1)?.['x-hello']).toBe('there');
  });

  it("shows the server's close code and reason", async () => {
    const result = await tutor([url], 'bye\n');
    expect(result.stdout).toContain('closed: 4001 (the application\'s own code), reason "asked to leave"');
    expect(result.exitCode).toBe(0);
  });

  it('refuses what it cannot do, with exit code 2 and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [[], /ws needs a URL/],
      [['http://127.0.0.1:9/'], /not a ws:\/\/ or wss:\/\/ URL/],
      [[url, '-H', 'no-colon'], /-H wants NAME:VALUE/],
      [[url, '--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const result = await tutor(args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('says so when nothing answers, with exit code 1', async () => {
    const result = await tutor(['ws://127.0.0.1:9/'], '');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/connection failed/);
  });
});
