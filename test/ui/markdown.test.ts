// Step texts render without Markdown syntax showing through, and drawings are kept whole.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/ui/markdown.js';

describe('renderMarkdown', () => {
  it('renders bold and code inside list items instead of showing the asterisks and backticks', async () => {
    const lines = await renderMarkdown('- `>` lines are what curl **sent**\n- a *second* item\n', 60, true);
    const text = lines.map((l) => l.text).join('\n');
    expect(text).toContain('> lines are what curl sent');
    expect(text).not.toMatch(/\*\*|`/);
  });

  it("keeps a code block's lines whole, to be cut at the edge rather than wrapped", async () => {
    const long = `curl ${'x'.repeat(100)}`;
    const lines = await renderMarkdown(`Text.\n\n\`\`\`\n${long}\n\`\`\`\n`, 40, true);
    const code = lines.find((l) => l.text.includes('curl'))!;
    expect(code.keep).toBe(true);
    expect(code.text).toContain(long);
  });
});
