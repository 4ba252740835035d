// Types for request-body.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
import type { Readable } from 'node:stream';
export const MEMORY_LIMIT: number;
export class HeldBody {
  size: number;
  chunks: Buffer[];
  path: string | undefined;
  readonly place: 'memory' | 'file';
  stream(): Readable;
  discard(): void;
}
export function holdBody(
  req: Readable & { complete?: boolean; socket?: { destroy(): void } },
  options: { limit: number; dir: string; memoryLimit?: number; discardLimit?: number },
): Promise<HeldBody>;
