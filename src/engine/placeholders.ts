// Shown commands and step texts carry placeholders ({{origin.url}}, {{proxy.https}},
// {{workspace}}) so that what the learner sees always names the lab's real ports.
export type PortMap = Record<string, number>;

const PLACEHOLDER = /\{\{\s*([a-z0-9-]+)(?:\.([a-z0-9-]+))?\s*\}\}/g;

/**
 * {{name.url}} http://127.0.0.1:PORT · {{name.port}} PORT · {{name.host}} 127.0.0.1:PORT ·
 * {{name.EXTRA}} an extra port's number · {{name.EXTRA-url}} its URL (https for a port named https) ·
 * {{workspace}} the lesson's workspace folder. Unknown placeholders are left as they are.
 */
export function fillPlaceholders(text: string, servers: Record<string, PortMap>, workspace: string, schemes: Record<string, string> = {}): string {
  return text.replace(PLACEHOLDER, (whole, name: string, field: string | undefined) => {
    if (name === 'workspace' && field === undefined) return workspace;
    const ports = servers[name];
    if (!ports || !field) return whole;
    if (field === 'url') return `${schemes[name] ?? 'http'}://127.0.0.1:${ports.port}`;
    if (field === 'port') return String(ports.port);
    if (field === 'host') return `127.0.0.1:${ports.port}`;
    if (ports[field] !== undefined) return String(ports[field]);
    const extra = field.endsWith('-url') ? field.slice(0, -4) : undefined;
    if (extra && ports[extra] !== undefined) return `${extra === 'https' ? 'https' : 'http'}://127.0.0.1:${ports[extra]}`;
    return whole;
  });
}
