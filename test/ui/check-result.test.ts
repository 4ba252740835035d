// A check's result wraps by screen columns with no word lost: the message hangs under its first
// word, and a detail with a label ("Expected: ") hangs under the text after the label.
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../src/engine/session.js';
import { visibleWidth } from '../../src/ui/text-width.js';
import { checkResultText } from '../../src/ui/views/check-result.js';

const result: StepResult = {
  lesson: 'forward-proxy',
  step: 'tunnel',
  status: 'pass',
  message:
    'The proxy opened a tunnel to secure.test:8222 for you (CONNECT, 200 Connection established) and then saw only encrypted bytes: not the path, not the headers (not even Authorization), not the body.',
  details: [
    'Expected: a CONNECT to secure.test:443 through the proxy, answered 200, and then a TLS handshake inside the tunnel',
    '    indented line that keeps its own indent when it wraps because it is long enough to wrap',
  ],
  auto: false,
};

const words = (lines: string[]) => lines.join(' ').split(/\s+/).filter(Boolean);

describe('check results', () => {
  it.each([60, 80, 100, 120])('keep every word and stay within %i columns', (width) => {
    const { message, details } = checkResultText(result, width);
    for (const line of [...message, ...details]) expect(visibleWidth(line)).toBeLessThanOrEqual(width);
    expect(words(message)).toEqual(['✓', 'Passed:', ...result.message.split(/\s+/)]);
    expect(words(details)).toEqual(result.details.flatMap((d) => d.trim().split(/\s+/)));
  });

  it('hangs an "Expected:" detail under its text, and keeps a detail\'s own indent', () => {
    const { message, details } = checkResultText(result, 60);
    expect(message[1]).toMatch(/^ {2}\S/);
    expect(details[0]).toMatch(/^ {2}Expected: a CONNECT/);
    expect(details[1]).toMatch(/^ {12}\S/); // "  " + "Expected: " (10 columns)
    const indented = details.findIndex((l) => l.includes('indented line'));
    expect(details[indented]).toMatch(/^ {6}indented/);
    expect(details[indented + 1]).toMatch(/^ {8}\S/);
  });
});
