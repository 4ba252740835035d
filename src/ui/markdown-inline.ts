// Inline Markdown (bold, emphasis, `code`, links) to one styled string. Soft line breaks of the
// source become spaces: a paragraph or list item hard-wrapped in the .md file is one run of text,
// wrapped again for the terminal's width.
import type { Token, Tokens } from 'marked';

export interface Styles {
  bold(text: string): string;
  italic(text: string): string;
  code(text: string): string;
  heading(text: string): string;
  muted(text: string): string;
  link(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;

export function createStyles(noColor: boolean): Styles {
  if (noColor) {
    const same = (text: string) => text;
    return { bold: same, italic: same, code: same, heading: same, muted: same, link: same };
  }
  return {
    bold: sgr(1, 22),
    italic: sgr(3, 23),
    code: sgr(33, 39),
    heading: (text) => `\x1b[1m\x1b[36m${text}\x1b[39m\x1b[22m`,
    muted: sgr(90, 39),
    link: sgr(4, 24),
  };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decodeEntities = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);

/** Renders inline tokens; newlines that are only soft breaks become spaces. */
export function renderInline(tokens: Token[] | undefined, styles: Styles): string {
  let out = '';
  for (const token of tokens ?? []) out += inline(token, styles);
  return out;
}

function inline(token: Token, styles: Styles): string {
  switch (token.type) {
    case 'text': {
      const t = token as Tokens.Text;
      return t.tokens ? renderInline(t.tokens, styles) : soft(decodeEntities(t.text));
    }
    case 'escape':
      return decodeEntities((token as Tokens.Escape).text);
    case 'strong':
      return styles.bold(renderInline((token as Tokens.Strong).tokens, styles));
    case 'em':
      return styles.italic(renderInline((token as Tokens.Em).tokens, styles));
    case 'del':
      return renderInline((token as Tokens.Del).tokens, styles);
    case 'codespan':
      // Spaces inside code stay: wrapping may still break there, but never inside a word.
      return styles.code(decodeEntities((token as Tokens.Codespan).text));
    case 'br':
      return '\n';
    case 'link': {
      const link = token as Tokens.Link;
      const text = renderInline(link.tokens, styles);
      const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
      return plain === link.href ? styles.link(text) : `${styles.link(text)} ${styles.muted(`(${link.href})`)}`;
    }
    case 'image':
      return (token as Tokens.Image).text;
    case 'html':
      return soft((token as Tokens.HTML).text);
    default:
      return 'text' in token && typeof token.text === 'string' ? soft(token.text) : token.raw;
  }
}

const soft = (text: string) => text.replace(/\s*\n\s*/g, ' ');
