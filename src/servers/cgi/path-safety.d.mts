// Types for path-safety.mjs, so the TypeScript tests can import it.
export function realPathInside(root: string, path: string): Promise<string | null>;
export function realRoot(root: string): Promise<string | null>;
