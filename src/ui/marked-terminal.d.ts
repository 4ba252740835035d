// marked-terminal ships no types, and @types/marked-terminal describes an older API that does
// not fit `new Marked(markedTerminal())`. This declares only what the tutor uses.
declare module 'marked-terminal' {
  import type { MarkedExtension } from 'marked';

  export interface TerminalRendererOptions {
    width?: number;
    reflowText?: boolean;
    showSectionPrefix?: boolean;
    emoji?: boolean;
    tab?: number | string;
    unescape?: boolean;
    tableOptions?: Record<string, unknown>;
    [style: string]: unknown;
  }

  export function markedTerminal(
    options?: TerminalRendererOptions,
    highlightOptions?: Record<string, unknown>,
  ): MarkedExtension;
}
