// Types for static-files.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
import type { Stats } from 'node:fs';
export function contentTypeFor(path: string): string;
export function resolveStaticPath(
  root: string,
  urlPath: string,
): Promise<
  { status: 200; file: string; segments: string[]; stats: Stats } | { status: 400 | 403 | 404; reason: string }
>;
export function etagFor(stats: Stats): string;
export function notModified(
  requestHeaders: Record<string, string | undefined>,
  file: { etag: string; mtime: Date },
): boolean;
