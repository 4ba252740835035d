// Renders a step's Markdown (placeholders already filled) for the current width. The renderer
// loads lazily, so the first render of a step may briefly show nothing.
import { useEffect, useState } from 'react';
import { renderMarkdown, type TextLine } from '../markdown.js';

export function useMarkdown(markdown: string, width: number, noColor: boolean): TextLine[] | undefined {
  const [lines, setLines] = useState<{ key: string; lines: TextLine[] }>();
  const key = `${width}\u0000${noColor}\u0000${markdown}`;
  useEffect(() => {
    let live = true;
    renderMarkdown(markdown, width, noColor).then(
      (rendered) => live && setLines({ key, lines: rendered }),
      (error: unknown) =>
        live &&
        setLines({
          key,
          lines: [
            { text: `Could not render this text: ${String(error)}`, keep: false },
            ...markdown.split('\n').map((text) => ({ text, keep: true })),
          ],
        }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return lines?.key === key ? lines.lines : undefined;
}
