// Copying a command without the mouse: OSC 52 asks the terminal (and tmux, with set-clipboard)
// to put text on the system clipboard. Terminals that do not support it ignore the sequence.

/** The escape sequence that sets the clipboard to `text`. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}
