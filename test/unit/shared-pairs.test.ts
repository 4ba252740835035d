// The lab keeps one copy of a header pair that many events carry (src/engine/shared-pairs.ts):
// every event must read exactly as it came, and no reader may change a pair for the others.
import { describe, expect, it } from 'vitest';
import { sharePairs } from '../../src/engine/shared-pairs.js';

describe('sharePairs', () => {
  it('points equal pairs of two events at one frozen pair, and changes no value', () => {
    const first: [string, string][] = [
      ['Host', 'shop.test:8300'],
      ['X-Request-Id', 'a1'],
    ];
    const second: [string, string][] = [
      ['Host', 'shop.test:8300'],
      ['X-Request-Id', 'b2'],
    ];
    const before = JSON.stringify([first, second]);
    sharePairs(first);
    sharePairs(second);
    expect(JSON.stringify([first, second])).toBe(before);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(Object.isFrozen(first[0])).toBe(true);
    expect(() => {
      (first[0] as [string, string])[1] = 'elsewhere';
    }).toThrow(TypeError);
  });

  it('leaves alone what is not a list of [name, value] strings', () => {
    const odd = [['Host'], ['A', 1], 'text', ['B', 'c', 'd']];
    const copy = JSON.parse(JSON.stringify(odd));
    sharePairs(odd);
    sharePairs('not a list');
    sharePairs(undefined);
    expect(odd).toEqual(copy);
  });

  it('keeps working past its table size, every pair read as it came', () => {
    for (let i = 0; i < 10_000; i++) {
      const list: [string, string][] = [['X-Request-Id', `id-${i}`]];
      sharePairs(list);
      expect(list[0]).toEqual(['X-Request-Id', `id-${i}`]);
    }
  });
});
