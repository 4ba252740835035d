// Types for find-script.mjs, so the TypeScript tests can import it.
export function findScript(
  realCgiBin: string,
  prefix: string,
  rawPath: string,
): Promise<
  | { ok: true; file: string; scriptName: string; pathInfo: string; script: string }
  | { ok: false; status: number; reason: string }
>;
