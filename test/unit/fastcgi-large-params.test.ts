// PARAMS past one record, end to end: FcgiConnection.request (the front's client) sends more than
// 64 KiB of name-value pairs, one value itself longer than a record can hold (65,535 bytes), so
// the pairs are cut across several PARAMS records and their lengths take FastCGI's four-byte form
// (a length past 127). The lab's app (fcgi_app.py) reassembles them; its handler answers with the
// length and SHA-256 of every pair it got, and they must be every pair sent, byte for byte.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/engine/lab.js';
import { type FcgiRecord, MAX_CONTENT, TYPE } from '../../src/servers/fastcgi/record.mjs';
import { openConnection } from '../../src/servers/fastcgi/connection.mjs';
import { requests, startFastcgiLab } from '../helpers/fastcgi-lab.js';
import { waitFor } from '../helpers/processes.js';

const HANDLER = `import hashlib
import json

def handle(params, body):
    seen = {}
    for name, value in params.items():
        data = value.encode('latin-1')   # one character a byte: the bytes that came
        seen[name] = [len(data), hashlib.sha256(data).hexdigest()]
    return 'Content-Type: application/json\\r\\n\\r\\n' + json.dumps({'params': seen, 'body': body.decode('latin-1')})
`;

/** Every byte value, 0 to 255, as a byte string (one character a byte). */
const ALL_BYTES = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

describe('PARAMS larger than one record, through FcgiConnection.request to the lab app', () => {
  let lab: Lab;
  let address: string;

  beforeAll(async () => {
    lab = await startFastcgiLab({ app: ['--workers', '1', '--handler', 'params.py'] });
    writeFileSync(join(lab.lessonWorkspace, 'params.py'), HANDLER);
    address = `127.0.0.1:${lab.servers().find((s) => s.name === 'app')!.port}`;
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('arrive whole: every pair, its length and its bytes', async () => {
    const params: [string, string][] = [
      ['REQUEST_METHOD', 'POST'],
      ['PATH_INFO', '/large'],
      ['SERVER_SOFTWARE', 'large-params-test'],
      ['CONTENT_LENGTH', '5'],
      // One value longer than a record: 76,800 bytes, every byte value 300 times.
      ['HTTP_X_EVERY_BYTE', ALL_BYTES.repeat(300)],
      // A name past 127 bytes (its length in four bytes too).
      [`HTTP_X_${'N'.repeat(300)}`, 'long name'],
      // And many small pairs: 400 of 150-byte values, about 62 KB more.
      ...Array.from({ length: 400 }, (_, i) => [`HTTP_X_P${i}`, String(i).padEnd(150, '.')] as [string, string]),
    ];
    const sent: FcgiRecord[] = [];
    const stdout: Buffer[] = [];
    const connection = await openConnection(address, { onRecord: (record, dir) => dir === 'out' && sent.push(record) });
    try {
      const end = await connection.request({
        requestId: 4242,
        params,
        body: Buffer.from('hello'),
        keepConn: false,
        onStdout: (chunk) => stdout.push(chunk),
      });
      expect(end).toEqual({ appStatus: 0, protocolStatus: 0 });
    } finally {
      connection.close();
    }

    // The pairs went out in several PARAMS records, full ones first, then the empty one.
    const paramsRecords = sent.filter((r) => r.type === TYPE.PARAMS);
    const total = paramsRecords.reduce((sum, r) => sum + r.contentLength, 0);
    expect(total).toBeGreaterThan(2 * MAX_CONTENT);
    expect(paramsRecords.length).toBeGreaterThanOrEqual(4);
    expect(paramsRecords[0]!.contentLength).toBe(MAX_CONTENT);
    expect(paramsRecords.at(-1)!.contentLength).toBe(0);

    const text = Buffer.concat(stdout).toString('utf8');
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
      params: Record<string, [number, string]>;
      body: string;
    };
    const expected = Object.fromEntries(
      params.map(([name, value]) => {
        const bytes = Buffer.from(value, 'latin1');
        return [name, [bytes.length, createHash('sha256').update(bytes).digest('hex')]];
      }),
    );
    expect(seen.params).toEqual(expected);
    expect(seen.params.HTTP_X_EVERY_BYTE![0]).toBe(76_800);
    expect(seen.body).toBe('hello');

    // The app's own event says the same: every pair, and the five bytes of STDIN.
    const event = await waitFor(
      () => requests(lab, 'app').find((r) => r.software === 'large-params-test'),
      "the app's event for the request",
    );
    expect(event).toMatchObject({ params: params.length, stdinBytes: 5, requestId: 4242 });
  });
});
