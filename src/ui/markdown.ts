// Step texts are Markdown; the terminal shows them through marked + marked-terminal. Both (and the
// syntax highlighter they pull in) load on first use, not before the lesson map's first frame.
// Each top-level block is rendered on its own so that tables, code blocks and box drawings can be
// kept whole: their lines are truncated at the edge, never wrapped into a broken picture.
import { stripVTControlCharacters } from 'node:util';

export interface TextLine {
  text: string;
  /** Truncate rather than wrap (tables, code, drawings). */
  keep: boolean;
}

type Render = (markdown: string, width: number) => TextLine[];
let loading: Promise<Render> | undefined;

const BOX_DRAWING = /[\u2500-\u257f]/;

async function load(): Promise<Render> {
  const [{ Marked }, { markedTerminal }] = await Promise.all([import('marked'), import('marked-terminal')]);
  const byWidth = new Map<number, InstanceType<typeof Marked>>();
  return (markdown, width) => {
    let marked = byWidth.get(width);
    if (!marked) {
      marked = new Marked(markedTerminal({ width, reflowText: true, showSectionPrefix: false, emoji: false, tab: 2 }));
      // marked-terminal renders a text token from its raw text, so **bold** and `code` inside a
      // list item showed their asterisks and backticks. Render such a token's inline children.
      marked.use({
        renderer: {
          text(token) {
            return typeof token === 'object' && 'tokens' in token && token.tokens
              ? this.parser.parseInline(token.tokens)
              : false;
          },
        },
      });
      byWidth.set(width, marked);
    }
    const tokens = marked.lexer(markdown);
    const lines: TextLine[] = [];
    for (const token of tokens) {
      if (token.type === 'space') continue;
      const keep = token.type === 'code' || token.type === 'table';
      const rendered = marked.parser(Object.assign([token], { links: tokens.links })).replace(/\n+$/, '');
      if (lines.length > 0) lines.push({ text: '', keep: false });
      for (const text of rendered.split('\n')) {
        const boxy = keep || BOX_DRAWING.test(text);
        if (boxy) lines.push({ text, keep: true });
        else for (const part of wrapPlain(text, width)) lines.push({ text: part, keep: false });
      }
    }
    return lines;
  };
}

/** Starts loading the renderer (it takes most of a second): call it when a lesson is opening. */
export function preloadMarkdown(): void {
  loading ??= load();
}

/** Renders Markdown to terminal lines no wider than `width` (kept lines are cut by the view). */
export async function renderMarkdown(markdown: string, width: number, noColor = false): Promise<TextLine[]> {
  loading ??= load();
  const render = await loading;
  const lines = render(markdown, Math.max(20, width));
  return noColor ? lines.map((l) => ({ ...l, text: stripVTControlCharacters(l.text) })) : lines;
}

/** A line that marked-terminal left too wide (a long word, a list item) is wrapped at spaces;
 * its colours go, its words stay. */
export function wrapPlain(text: string, width: number): string[] {
  const plain = stripVTControlCharacters(text);
  if (plain.length <= width) return [text];
  const indent = /^\s*/.exec(plain)![0];
  const out: string[] = [];
  let line = '';
  for (const word of plain.trim().split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : indent + word;
    if (candidate.length > width && line) {
      out.push(line);
      line = indent + word;
    } else line = candidate;
  }
  if (line) out.push(line);
  return out;
}
