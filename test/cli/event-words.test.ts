// `lab` prints events that have no text form of their own as words, never as raw JSON.
import { describe, expect, it } from 'vitest';
import { inWords } from '../../src/commands/lab.js';
import type { LabEvent } from '../../src/engine/types.js';

const base = { seq: 3, time: 0, server: 'wsgi' };
/** An event of any family, as `lab` receives it. */
const event = (fields: Record<string, unknown> & { event: string }) => ({ ...base, ...fields }) as LabEvent;

describe('events in words', () => {
  it('says what a worker and a reload event mean', () => {
    expect(inWords(event({ event: 'worker', pid: 4242, state: 'started', generation: 2 }))).toBe(
      'worker 4242 started, generation 2',
    );
    expect(inWords(event({ event: 'reload', reason: 'app.py changed', generation: 3 }))).toBe(
      'reload (app.py changed), generation 3',
    );
  });

  it('prints any other event as its name and fields, nested values included, with no JSON marks', () => {
    const text = inWords(event({ event: 'lifespan', phase: 'startup', scope: { type: 'lifespan' }, ids: [1, 2] }));
    expect(text).toBe('lifespan, phase startup, scope type lifespan, ids 1 2');
    expect(text).not.toMatch(/[{}"[\]]/);
  });
});
