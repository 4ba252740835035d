// Hostile WebSocket traffic (RFC 6455) for a lab server that upgrades: a real handshake, then
// frames a broken or malicious client would send (garbage, unmasked, reserved bits, unknown
// opcodes, lengths of 2^63, fragments out of order, control frames too long or fragmented, text
// that is not UTF-8, close frames with codes nobody may send), or a handshake that is itself wrong
// or never finished. The server must answer with a close code or close the connection, and go on.
import type { FuzzCase } from './http-cases.js';
import type { Random } from './random.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function handshake(path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** A frame as a client sends it: masked unless told otherwise; `length` may lie about the payload. */
function frame(
  r: Random,
  opcode: number,
  payload: Buffer,
  options: { fin?: boolean; mask?: boolean; rsv?: number; length?: bigint } = {},
): Buffer {
  const { fin = true, mask = true, rsv = 0 } = options;
  const length = options.length ?? BigInt(payload.length);
  const head = [(fin ? 0x80 : 0) | rsv | opcode];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = r.bytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

const closePayload = (code: number, reason = '') => {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(code);
  return Buffer.concat([buffer, Buffer.from(reason)]);
};

/** `paths` are the server's WebSocket paths (one that accepts, one that refuses, say). */
export function websocketCases(paths: string[]) {
  return (r: Random, count: number): FuzzCase[] => {
    const path = () => r.pick(paths);
    const ending = (): FuzzCase['ending'] => r.pick(['answer', 'half-close', 'half-close', 'reset']);
    const text = (s: string) => Buffer.from(s);
    const withFrames = (label: string, frames: Buffer[]): FuzzCase => ({
      label: `websocket: ${label}`,
      chunks: [Buffer.from(handshake(path())), ...frames],
      ending: ending(),
    });
    const makers: (() => FuzzCase)[] = [
      () => withFrames('garbage', [r.bytes(1 + r.int(3000))]),
      () => withFrames('unmasked', [frame(r, 1, text('hello'), { mask: false })]),
      () => withFrames('rsv bits', [frame(r, 1, text('x'), { rsv: r.pick([0x10, 0x20, 0x40]) })]),
      () => withFrames('bad opcode', [frame(r, r.pick([3, 4, 5, 6, 7, 11, 12, 15]), r.bytes(r.int(50)))]),
      () =>
        withFrames('huge length', [frame(r, 2, r.bytes(10), { length: r.pick([2n ** 63n - 1n, 2n ** 40n, 70000n]) })]),
      () => withFrames('oversized', [frame(r, 2, Buffer.alloc(1_100_000, 1))]),
      () => withFrames('continuation first', [frame(r, 0, text('x'))]),
      () => withFrames('interleaved data', [frame(r, 1, text('a'), { fin: false }), frame(r, 2, text('b'))]),
      () => withFrames('long ping', [frame(r, 9, r.bytes(126 + r.int(200)))]),
      () => withFrames('fragmented ping', [frame(r, 9, text('p'), { fin: false })]),
      () => withFrames('bad utf-8', [frame(r, 1, Buffer.from([0xff, 0xfe, 0xc3]))]),
      () =>
        withFrames('split utf-8', [frame(r, 1, Buffer.from([0xc3]), { fin: false }), frame(r, 0, Buffer.from([0x28]))]),
      () =>
        withFrames('close code', [
          frame(r, 8, closePayload(r.pick([0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 65535]))),
        ]),
      () => withFrames('close one byte', [frame(r, 8, Buffer.from([3]))]),
      () => withFrames('close bad reason', [frame(r, 8, Buffer.concat([closePayload(1000), Buffer.from([0xff])]))]),
      () =>
        withFrames(
          'ping flood',
          Array.from({ length: 200 }, () => frame(r, 9, r.bytes(r.int(125)))),
        ),
      () => withFrames('truncated header', [frame(r, 1, text('hello there')).subarray(0, 1 + r.int(6))]),
      () => withFrames('data after close', [frame(r, 8, closePayload(1000)), frame(r, 1, text('late'))]),
      () =>
        withFrames('many fragments', [
          ...Array.from({ length: 300 }, (_, i) => frame(r, i === 0 ? 1 : 0, text('ab'), { fin: false })),
          frame(r, 0, text('end')),
        ]),
      () => ({
        label: 'websocket: bad handshake',
        chunks: [
          Buffer.from(
            r.pick([
              handshake(path()).replace('Version: 13', 'Version: 8'),
              handshake(path()).replace(KEY, 'short'),
              handshake(path()).replace(`Sec-WebSocket-Key: ${KEY}\r\n`, ''),
              handshake(path()).replace('GET', 'POST'),
              handshake(path(), 'Sec-WebSocket-Protocol: \u00ff\r\n'),
            ]),
            'latin1',
          ),
        ],
        ending: ending(),
      }),
      () => ({
        label: 'websocket: handshake never finished',
        chunks: [Buffer.from(handshake(path()).slice(0, 40 + r.int(60)))],
        ending: r.pick(['half-close', 'reset']),
      }),
      () => ({
        label: 'websocket: frames before the answer',
        chunks: [Buffer.concat([Buffer.from(handshake(path())), frame(r, 1, text('eager')), r.bytes(r.int(100))])],
        ending: ending(),
      }),
    ];
    return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
  };
}
