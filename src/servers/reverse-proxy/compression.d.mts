// Types for compression.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
import type { Transform } from 'node:stream';
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null;
export function isCompressible(response: {
  status: number;
  method: string;
  headers: Record<string, string | undefined>;
}): boolean;
export function createCompressor(coding: 'br' | 'gzip'): Transform;
export function addVary(existing: string | undefined): string;
export function weakenEtag(etag: string | undefined): string | undefined;
