// Types for cgi-response.mjs, so the TypeScript tests can import it. The server itself is plain JS.
export const MAX_HEAD_BYTES: number;
export function findHeadEnd(output: Buffer): { headEnd: number; bodyStart: number } | null;
export type ParsedHead =
  | {
      ok: true;
      kind: 'document' | 'local-redirect' | 'client-redirect' | 'client-redirect-document';
      status: number;
      reason: string | undefined;
      headers: [string, string][];
      location: string | undefined;
      warnings: string[];
    }
  | { ok: false; problem: string };
export function parseHead(head: Buffer): ParsedHead;
