// Types for upstream.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export class UpstreamError extends Error {
  constructor(kind: 'connect' | 'timeout' | 'client-gone', message: string, options?: { sent?: boolean });
  kind: 'connect' | 'timeout' | 'client-gone';
  sent: boolean;
  broken?: boolean;
  stale?: boolean;
}
export function hasBody(req: { headers: Record<string, string | string[] | undefined> }): boolean;
export function mayRetry(req: { method?: string }, error: UpstreamError): boolean;
