// Markdown blocks to terminal lines, each already no wider than the screen, so the view knows
// exactly how many rows a step takes. Paragraphs and list items wrap at words with a hanging
// indent; tables fit by wrapping their cells; code blocks and box drawings are pictures: their
// lines are kept whole (`keep`) and the view scrolls them sideways when they are too wide.
import type { Token, Tokens } from 'marked';
import { renderInline, type Styles } from './markdown-inline.js';
import { renderTable } from './markdown-table.js';
import { visibleWidth, wrapText } from './text-width.js';

export interface TextLine {
  text: string;
  /** A picture's line (code, drawing, a table too wide to fit): never wrapped; it may be wider
   * than the screen, and the view then scrolls it sideways. */
  keep: boolean;
}

const BOX_DRAWING = /[\u2500-\u259f]/;

/** Renders top-level blocks with one empty line between them. */
export function renderBlocks(tokens: Token[], width: number, styles: Styles): TextLine[] {
  const out: TextLine[] = [];
  for (const token of tokens) {
    const lines = block(token, width, styles);
    if (lines.length === 0) continue;
    if (out.length > 0) out.push({ text: '', keep: false });
    out.push(...lines);
  }
  return out;
}

const text = (lines: string[]): TextLine[] => lines.map((t) => ({ text: t, keep: false }));

function block(token: Token, width: number, styles: Styles): TextLine[] {
  switch (token.type) {
    case 'space':
    case 'def':
      return [];
    case 'heading': {
      const heading = token as Tokens.Heading;
      return text(wrapText(styles.heading(renderInline(heading.tokens, styles)), width));
    }
    case 'paragraph': {
      const paragraph = token as Tokens.Paragraph;
      // A paragraph that is a drawing made of box characters is a picture, not prose.
      if (paragraph.text.split('\n').some((l) => BOX_DRAWING.test(l) && l.trim().length > 1))
        return paragraph.text.split('\n').map((t) => ({ text: t, keep: true }));
      return text(wrapText(renderInline(paragraph.tokens, styles), width));
    }
    case 'text': {
      const t = token as Tokens.Text;
      return text(wrapText(t.tokens ? renderInline(t.tokens, styles) : t.text, width));
    }
    case 'code': {
      const code = token as Tokens.Code;
      return code.text.split('\n').map((line) => ({ text: `  ${line}`.trimEnd(), keep: true }));
    }
    case 'list':
      return list(token as Tokens.List, width, styles);
    case 'blockquote': {
      const quote = token as Tokens.Blockquote;
      return renderBlocks(quote.tokens, width - 2, styles).map((l) => ({
        text: `${styles.muted('│')} ${l.text}`,
        keep: l.keep,
      }));
    }
    case 'table': {
      const table = renderTable(token as Tokens.Table, width, styles);
      return table.lines.map((t) => ({ text: t, keep: table.wide }));
    }
    case 'hr':
      return [{ text: styles.muted('─'.repeat(Math.min(width, 40))), keep: false }];
    case 'html':
      return text(wrapText((token as Tokens.HTML).text.trim(), width));
    default:
      return text(wrapText('text' in token && typeof token.text === 'string' ? token.text : token.raw, width));
  }
}

/** Each item hangs under its own text: "1. first line" then continuation lines indented by the
 * marker's width. Nested blocks (a second paragraph, a sub-list, code) are indented the same. */
function list(token: Tokens.List, width: number, styles: Styles): TextLine[] {
  const start = typeof token.start === 'number' ? token.start : 1;
  const markers = token.items.map((item, i) =>
    item.task ? (item.checked ? '[x] ' : '[ ] ') : token.ordered ? `${start + i}. ` : '• ',
  );
  const markerWidth = Math.max(...markers.map(visibleWidth));
  const out: TextLine[] = [];
  token.items.forEach((item, i) => {
    if (token.loose && i > 0) out.push({ text: '', keep: false });
    const marker = markers[i]!.padStart(markerWidth);
    const indent = ' '.repeat(markerWidth);
    let first = true;
    for (const child of item.tokens.filter((t) => t.type !== 'checkbox')) {
      const lines =
        child.type === 'text' || child.type === 'paragraph'
          ? text(wrapText(inlineOf(child, styles), width, { first: first ? marker : indent, rest: indent }))
          : block(child, width - markerWidth, styles).map((l, j) => ({
              text: (first && j === 0 ? marker : indent) + l.text,
              keep: l.keep,
            }));
      if (lines.length === 0) continue;
      if (!first && token.loose && child.type === 'paragraph') out.push({ text: '', keep: false });
      out.push(...lines);
      first = false;
    }
    if (first) out.push({ text: marker.trimEnd(), keep: false });
  });
  return out;
}

function inlineOf(token: Token, styles: Styles): string {
  const t = token as Tokens.Text | Tokens.Paragraph;
  return t.tokens ? renderInline(t.tokens, styles) : t.text;
}
