// The fd-3 line splitter (event-lines.ts) and `lab --json`'s printing of an event from the line it
// came in as (asReceived): both stand in for slower code and must say the same.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asReceived } from '../../src/engine/kept-event.js';
import { readLines } from '../../src/engine/event-lines.js';
import type { LabEvent } from '../../src/engine/types.js';

function linesOf(chunks: (string | Buffer)[]): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  readLines(stream, (line) => lines.push(line));
  return new Promise((resolve) => {
    stream.on('end', () => setImmediate(() => resolve(lines)));
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

describe('readLines', () => {
  it('cuts lines at \\n, \\r\\n and a lone \\r, across chunk boundaries, and skips empty ones', async () => {
    expect(await linesOf(['{"a":1}\n{"b"', ':2}\r\n\n{"c":3}\r{"d":4}', '\n{"e":'])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
      '{"d":4}',
      '{"e":',
    ]);
  });

  it('keeps a UTF-8 character split between two chunks whole', async () => {
    const bytes = Buffer.from('{"t":"café ✓"}\n');
    expect(await linesOf([bytes.subarray(0, 10), bytes.subarray(10)])).toEqual(['{"t":"café ✓"}']);
  });
});

describe('asReceived', () => {
  const finish = (line: string, fields: object) => {
    const event = Object.assign(JSON.parse(line), fields) as LabEvent;
    return { printed: asReceived(line, event), event };
  };

  it("is the line with the lab's fields after its own: JSON of the same event", () => {
    const line = '{"event":"request","method":"GET","headers":[["Host","x"]],"status":null,"t":"é\\u00e9"}  ';
    const { printed, event } = finish(line, { server: 'proxy', seq: 7, time: 1796051630827 });
    expect(JSON.parse(printed)).toEqual(event);
    expect(printed).toBe(
      '{"event":"request","method":"GET","headers":[["Host","x"]],"status":null,"t":"é\\u00e9","server":"proxy","seq":7,"time":1796051630827}',
    );
  });

  it("carries a learner's request's number in the log, as JSON of the event does", () => {
    const line = '{"event":"request","method":"GET","headers":[],"status":200}';
    const { printed, event } = finish(line, { server: 'app', seq: 9, time: 5, number: 3 });
    expect(JSON.parse(printed)).toEqual(event);
    expect(printed).toBe(JSON.stringify(event));
  });

  it('is JSON of the event even for a line that is no object', () => {
    expect(asReceived('[1]', { event: 'x', server: 's', seq: 1, time: 2 } as LabEvent)).toBe(
      '{"event":"x","server":"s","seq":1,"time":2}',
    );
  });
});
