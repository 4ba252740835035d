import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export function isInside(root: string, path: string): boolean;
export function realPathInside(
  root: string,
  ...segments: string[]
): Promise<{ ok: true; path: string; root: string } | { ok: false; reason: 'missing' | 'outside' }>;
export function openInside(
  root: string,
  ...segments: string[]
): Promise<
  | { ok: true; path: string; handle: FileHandle; stats: Stats }
  | { ok: false; reason: 'missing' | 'outside' | 'not-a-file' }
>;
