// Step texts are Markdown. marked's lexer reads them (loaded on first use, not before the lesson
// map's first frame); markdown-blocks.ts lays them out for the terminal. The tutor does its own
// layout rather than marked-terminal's because every width here is counted in screen columns and
// every line is wrapped once, by one rule: list items keep their hanging indent and styling,
// tables fit by wrapping cells, and pictures are never wrapped or cut.
import { renderBlocks, type TextLine } from './markdown-blocks.js';
import { createStyles } from './markdown-inline.js';

export type { TextLine } from './markdown-blocks.js';

type Lex = (markdown: string) => import('marked').Token[];
let loading: Promise<Lex> | undefined;

async function load(): Promise<Lex> {
  const { Lexer } = await import('marked');
  return (markdown) => Lexer.lex(markdown, { gfm: true });
}

/** Starts loading the Markdown reader: call it when a lesson is opening. */
export function preloadMarkdown(): void {
  loading ??= load();
}

/** Renders Markdown to terminal lines. Text lines are at most `width` columns; `keep` lines
 * (code, drawings, a table too wide to fit) may be wider and are scrolled sideways by the view. */
export async function renderMarkdown(markdown: string, width: number, noColor = false): Promise<TextLine[]> {
  loading ??= load();
  const lex = await loading;
  return renderBlocks(lex(markdown), Math.max(20, width), createStyles(noColor));
}
