// Shown commands and step texts carry placeholders ({{origin.url}}, {{proxy.https}},
// {{workspace}}, {{tutor}}) so that what the learner sees always names the lab's real ports and
// paths. In commands, paths are shell-quoted when they need it, so a workspace such as
// "/home/ada/my labs" still works when the command is pasted as shown.
export type PortMap = Record<string, number>;

export interface FillValues {
  servers: Record<string, PortMap>;
  schemes?: Record<string, string>;
  workspace: string;
  /** How to run the tutor from another terminal (`gateway-tutor`, `node …/gateway-tutor.js`). */
  tutor?: string;
}

/** 'text' for prose, 'command' for a shell command, 'markdown' for prose whose fenced code
 * blocks are commands. */
export type FillMode = 'text' | 'command' | 'markdown';

const PLACEHOLDER = /\{\{\s*([a-z0-9-]+)(?:\.([a-z0-9-]+))?\s*\}\}/g;

/** Quote for a POSIX shell, only when the word has characters the shell would act on. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * {{name.url}} http://127.0.0.1:PORT · {{name.port}} PORT · {{name.host}} 127.0.0.1:PORT ·
 * {{name.EXTRA}} an extra port's number · {{name.EXTRA-url}} its URL (https for a port named https) ·
 * {{workspace}} the lesson's workspace folder · {{tutor}} the tutor's command.
 * Unknown placeholders are left as they are.
 */
export function fillPlaceholders(text: string, values: FillValues, mode: FillMode = 'text'): string {
  if (mode === 'markdown') {
    // Odd pieces of a split on ``` fences are code blocks: fill those as commands.
    return text
      .split(/(^```[^\n]*\n[\s\S]*?^```)/m)
      .map((piece, index) => fillPlaceholders(piece, values, index % 2 === 1 ? 'command' : 'text'))
      .join('');
  }
  const path = (value: string) => (mode === 'command' ? shellQuote(value) : value);
  return text.replace(PLACEHOLDER, (whole, name: string, field: string | undefined) => {
    if (field === undefined) {
      if (name === 'workspace') return path(values.workspace);
      if (name === 'tutor' && values.tutor) return values.tutor;
      return whole;
    }
    const ports = values.servers[name];
    if (!ports) return whole;
    if (field === 'url') return `${values.schemes?.[name] ?? 'http'}://127.0.0.1:${ports.port}`;
    if (field === 'port') return String(ports.port);
    if (field === 'host') return `127.0.0.1:${ports.port}`;
    if (ports[field] !== undefined) return String(ports[field]);
    const extra = field.endsWith('-url') ? field.slice(0, -4) : undefined;
    if (extra && ports[extra] !== undefined)
      return `${extra === 'https' ? 'https' : 'http'}://127.0.0.1:${ports[extra]}`;
    return whole;
  });
}
